// Stripe webhooks through the Worker route, against the production build, the real Medusa
// and the simulator's signed deliveries (checkout contract, sections 3-5): exactly one
// order per paid attempt, whatever arrives first and however often.
import { describe, expect, inject, it } from "vitest";
import { medusaGet } from "../support/medusa.ts";
import { eventually, orderIdsForCart } from "../support/orders.ts";
import { CALIFORNIA_ADDRESS, Shopper, TEXAS_ADDRESS } from "../support/shopper.ts";
import { confirmAsBrowser, eventsFor, simAdmin } from "../support/stripe-sim.ts";

const stack = inject("stack");
const baseUrl = stack.storefronts.preview!;

async function preparedShopper(address = TEXAS_ADDRESS) {
  const shopper = new Shopper(baseUrl);
  await shopper.addToCart("canvas-tote-bag", "Natural", 1);
  const { shipping_options } = await medusaGet<{ shipping_options: { id: string; name: string }[] }>(
    `/store/shipping-options?cart_id=${shopper.cartId}`,
  );
  const standard = shipping_options.find((option) => option.name.startsWith("Standard"))!.id;
  const prepared = await shopper.prepare({ email: "buyer@example.com", shipping_address: address, shipping_option_id: standard });
  expect(prepared.status).toBe(200);
  return { shopper, prepared: prepared.body as { client_secret: string; checkout_attempt_id: string; payment_intent_id: string; amount: number } };
}

async function returnPage(shopper: Shopper, attemptId: string) {
  const response = await fetch(`${baseUrl}/checkout/complete?attempt=${attemptId}`, { headers: { cookie: shopper.cookie }, redirect: "manual" });
  await response.text();
  return response;
}

describe("exactly one order per paid attempt", () => {
  it("the webhook alone makes the order when the shopper closes the tab after paying", async () => {
    const { shopper, prepared } = await preparedShopper();
    const paid = await confirmAsBrowser(prepared.client_secret, "pm_card_visa");
    expect(paid.body.status).toBe("requires_capture");
    const orders = await eventually(() => orderIdsForCart(shopper.cartId), (ids) => ids.length > 0);
    expect(orders).toHaveLength(1);
    // The storefront's delivery was answered 200.
    const events = await eventsFor(prepared.payment_intent_id);
    const capturable = events.find((event) => event.type === "payment_intent.amount_capturable_updated")!;
    const answered = await eventually(
      async () =>
        (await simAdmin<{ data: { status: number; endpoint_url: string }[] }>(`deliveries?event_id=${capturable.id}`)).data.map((delivery) => [
          new URL(delivery.endpoint_url).pathname,
          delivery.status,
        ]),
      (pairs) => pairs.some(([path]) => path === "/webhooks/stripe"),
    );
    expect(answered).toContainEqual(["/webhooks/stripe", 200]);
    // The shopper's return page (opened later) finds the same order.
    const page = await returnPage(shopper, prepared.checkout_attempt_id);
    expect(page.status).toBe(302);
    expect(page.headers.get("location")).toBe(`/orders/${orders[0]}/confirmed`);
    expect(await orderIdsForCart(shopper.cartId)).toEqual(orders);
  });

  it("the return page makes the order when it comes first, and the webhook then finds it", async () => {
    await simAdmin("webhooks/hold", {});
    try {
      const { shopper, prepared } = await preparedShopper(CALIFORNIA_ADDRESS);
      await confirmAsBrowser(prepared.client_secret, "pm_card_visa");
      const page = await returnPage(shopper, prepared.checkout_attempt_id);
      expect(page.status).toBe(302);
      const orders = await orderIdsForCart(shopper.cartId);
      expect(orders).toHaveLength(1);
      expect(page.headers.get("location")).toBe(`/orders/${orders[0]}/confirmed`);
      // The confirmation page opens for this shopper (the redirect set the access cookie).
      const cookies = page.headers.getSetCookie().map((line) => line.split(";")[0]).join("; ");
      const confirmation = await fetch(`${baseUrl}${page.headers.get("location")}`, { headers: { cookie: cookies } });
      expect(confirmation.status).toBe(200);
      expect(await confirmation.text()).toContain("is confirmed");
      // A stranger with the order id sees nothing.
      expect((await fetch(`${baseUrl}${page.headers.get("location")}`)).status).toBe(404);
    } finally {
      await simAdmin("webhooks/release", {});
    }
  });
});
