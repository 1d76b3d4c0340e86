// Issue 10, section 2: every cart change runs in the cart's Durable Object, and one made while
// the cart's payment is in flight is handled deliberately (docs/decisions/0007): refused
// while money is held, else the unpaid PaymentIntent is canceled first and the shopper told.
// Read back from Medusa (the cart, its orders) and the simulator (the PaymentIntent).
import { describe, expect, inject, it } from "vitest";
import { PAYMENT_CANCELED, PAYMENT_IN_PROGRESS } from "../../app/lib/checkout/payment/in-flight.server.ts";
import { readCart, shippingOptionId } from "../support/medusa.ts";
import { orderIdsForCart } from "../support/orders.ts";
import { shopperWithNotebook, TEXAS_ADDRESS, type Shopper } from "../support/shopper.ts";
import { answerBody } from "../support/single-fetch.ts";
import { confirmAsBrowser, readPaymentIntent } from "../support/stripe-sim.ts";
import { answerOf, deliveredOk, eventOf, holdingDeliveries } from "../support/webhook-deliveries.ts";

const baseUrl = () => inject("stack").storefronts.preview!;
const FORM = "application/x-www-form-urlencoded";

/** The cart page's quantity change, as the page sends it with JavaScript. */
async function changeQuantity(shopper: Shopper, lineId: string, quantity: number) {
  const answer = await shopper.post("/cart.data", new URLSearchParams({ intent: "update-quantity", line_id: lineId, quantity: String(quantity) }).toString(), {
    ...shopper.headers(),
    "content-type": FORM,
  });
  return { status: answer.status, body: (await answerBody(answer, "/cart.data")) as Record<string, unknown> };
}

async function preparedShopper(email: string) {
  const shopper = await shopperWithNotebook(baseUrl());
  const prepared = await shopper.prepared({ email, shipping_address: TEXAS_ADDRESS, shipping_option_id: await shippingOptionId(shopper.cartId) });
  return { shopper, prepared, lineId: (await readCart(shopper.cartId)).items[0]!.id };
}

describe("a cart change while its payment is prepared but not paid", () => {
  it("cancels that PaymentIntent first, says so, and the old client secret can't pay; a new checkout makes one order", async () => {
    const { shopper, prepared, lineId } = await preparedShopper("changed-before-paying@example.com");

    const changed = await changeQuantity(shopper, lineId, 2);
    expect(changed.body).toMatchObject({ ok: true, message: `Quantity updated. ${PAYMENT_CANCELED}` });
    expect((await readCart(shopper.cartId)).items[0]!.quantity).toBe(2);
    const intent = await readPaymentIntent(prepared.payment_intent_id);
    expect(intent.status).toBe("canceled");

    // A tab still showing the old total can't pay it.
    const stale = await confirmAsBrowser(prepared.client_secret, "pm_card_visa");
    expect(stale.status).toBe(400);
    expect((await readPaymentIntent(prepared.payment_intent_id)).status).toBe("canceled");

    // A second change finds nothing in flight: no notice.
    expect((await changeQuantity(shopper, lineId, 3)).body).toMatchObject({ ok: true, message: "Quantity updated." });

    const again = await shopper.prepared({ email: "changed-before-paying@example.com", shipping_address: TEXAS_ADDRESS, shipping_option_id: await shippingOptionId(shopper.cartId) });
    expect(again.amount).toBeGreaterThan(prepared.amount);
    const cartId = shopper.cartId;
    await shopper.confirmPayment(inject("stack").stripeSimUrl, again);
    const { orderId } = await shopper.waitForOrder(again.checkout_attempt_id);
    expect(await orderIdsForCart(cartId)).toEqual([orderId]);
  });
});

describe("a cart change while its payment holds money and the order isn't made yet", () => {
  it("is refused with payment_in_progress and changes nothing; the order is then made for what was paid", async () => {
    const { shopper, prepared, lineId } = await preparedShopper("changed-while-paid@example.com");
    const cartId = shopper.cartId;
    const before = await readCart(cartId);

    await holdingDeliveries(async () => {
      expect((await confirmAsBrowser(prepared.client_secret, "pm_card_visa")).body.status).toBe("requires_capture");
      const refused = await changeQuantity(shopper, lineId, 5);
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ ok: false, error: { code: "payment_in_progress", message: PAYMENT_IN_PROGRESS } });
      const after = await readCart(cartId);
      expect(after.items.map((item) => [item.id, item.quantity])).toEqual(before.items.map((item) => [item.id, item.quantity]));
      expect(after.total).toBe(before.total);
      expect((await readPaymentIntent(prepared.payment_intent_id)).status).toBe("requires_capture");
    });

    const capturable = await eventOf(prepared.payment_intent_id, "payment_intent.amount_capturable_updated");
    expect(answerOf((await deliveredOk(capturable.id)).at(-1)!).result).toBe("completed");
    expect(await orderIdsForCart(cartId)).toHaveLength(1);
  });
});
