// Issue 13, section 1: the merchant captures, refunds (in part, then the rest) and cancels
// orders this storefront made, through Medusa's Admin API against the simulator; Stripe's
// events then reach the storefront's webhook, which records each on the attempt's payment
// history, never makes a second order and never fails. A refund made in Stripe alone (its
// dashboard) never reaches Medusa: recorded, with the drift logged for an operator.
import { describe, expect, it } from "vitest";
import { previewLogLines } from "../support/storefront-log.ts";
import { adminRequest } from "../support/medusa-admin.ts";
import { orderIdsForCart } from "../support/orders.ts";
import { eventually } from "../support/poll.ts";
import { storedAttempt } from "../support/attempts.ts";
import { placedOrder } from "../support/paid-checkouts.ts";
import { eventsFor, readCharge, readPaymentIntent, stripeApi } from "../support/stripe-sim.ts";
import { answerOf, deliveredOk, deliveriesOf, STOREFRONT_HOOK } from "../support/webhook-deliveries.ts";



/** The order page as the shopper who placed it reads it now, as text. */
async function orderPage(placed: Awaited<ReturnType<typeof placedOrder>>): Promise<string> {
  const response = await placed.shopper.request(`/orders/${placed.orderId}/confirmed`);
  expect(response.status).toBe(200);
  expect(response.headers.get("cache-control")).toMatch(/no-store/);
  return (await response.text()).replace(/<[^>]+>/g, " ").replace(/&#x27;/g, "'").replace(/\s+/g, " ");
}

const dollars = (minor: number) => `$${(minor / 100).toFixed(2)}`;

/** Every delivery of this event type for the PaymentIntent reached the storefront and was answered 200 "completed". */
async function storefrontAnswered(intentId: string, type: string, count = 1) {
  const events = await eventually(
    async () => (await eventsFor(intentId)).filter((event) => event.type === type),
    (found) => found.length >= count,
  );
  expect(events.length).toBe(count);
  // Deliveries that arrive before Medusa has recorded the change are answered 503 (retry).
  for (const event of events) expect(answerOf((await deliveredOk(event.id, undefined, 40_000)).at(-1)!).result).toBe("completed");
}


describe("an order's payment after checkout, through Medusa's Admin API", () => {
  it("capture, a partial refund, then the rest: each recorded once on the attempt, Medusa agreeing; still one order", async () => {
    const placed = await placedOrder("captured-refunded@example.com");
    const placedPage = await orderPage(placed);
    expect(placedPage).toContain("Payment authorized: you'll be charged when your order ships.");
    expect(placedPage).toContain("Preparing your order.");
    expect(placedPage).toMatch(/History .* UTC Order placed/);

    await adminRequest(`/admin/payments/${placed.paymentId}/capture`, {});
    expect(await readPaymentIntent(placed.intentId)).toMatchObject({ status: "succeeded", amount_received: placed.amount });
    await storefrontAnswered(placed.intentId, "payment_intent.succeeded");

    await adminRequest(`/admin/payments/${placed.paymentId}/refund`, { amount: 5 });
    await storefrontAnswered(placed.intentId, "charge.refunded");
    // Medusa takes each refund off the order's total (as a credit line): the summary still
    // shows what was bought and charged, its lines adding up; the refund is in the status.
    const refundedPage = await orderPage(placed);
    expect(refundedPage).toContain(`Charged ${dollars(placed.amount)}; $5.00 refunded to your card.`);
    expect(refundedPage).toMatch(new RegExp(`Tax \\$\\d+\\.\\d{2} Total ${dollars(placed.amount).replace("$", "\\$")}`));
    // "The rest", in Medusa's major units.
    await adminRequest(`/admin/payments/${placed.paymentId}/refund`, { amount: (placed.amount - 500) / 100 });
    await storefrontAnswered(placed.intentId, "charge.refunded", 2);
    const charge = await readCharge(String((await readPaymentIntent(placed.intentId)).latest_charge));
    expect(charge).toMatchObject({ amount_refunded: placed.amount, refunded: true });

    const attempt = await storedAttempt(placed.attemptId);
    expect(attempt.status).toBe("completed");
    expect(attempt.payment_history?.map((news) => [news.kind, news.amount, news.medusa_knows])).toEqual([
      ["captured", placed.amount, true],
      ["refunded", 500, true],
      ["refunded", placed.amount, true],
    ]);
    expect(previewLogLines(placed.attemptId).filter((line) => line.msg === "payment changed in Stripe but not in Medusa")).toEqual([]);
    expect(await orderIdsForCart(placed.cartId)).toEqual([placed.orderId]);

    // The shopper's order page, loaded again: what Medusa knows now, and when it happened.
    const page = await orderPage(placed);
    expect(page).toContain(`Refunded in full: ${dollars(placed.amount)} back to your card.`);
    expect(page).toContain(`Total ${dollars(placed.amount)}`);
    const history = page.slice(page.indexOf("History"));
    const order = ["Order placed", `Charged ${dollars(placed.amount)}`, "Refunded, $5.00 in all", `Refunded, ${dollars(placed.amount)} in all`].map((text) => history.indexOf(text));
    expect(order.every((at) => at > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it("a refund made in Stripe alone, after one made in Medusa, is recorded, and the drift from Medusa is logged for an operator", async () => {
    const placed = await placedOrder("stripe-dashboard-refund@example.com");
    await adminRequest(`/admin/payments/${placed.paymentId}/capture`, {});
    await storefrontAnswered(placed.intentId, "payment_intent.succeeded");

    // A refund through Medusa first: Medusa knows it.
    await adminRequest(`/admin/payments/${placed.paymentId}/refund`, { amount: 1 });
    await storefrontAnswered(placed.intentId, "charge.refunded");
    // Then, as in Stripe's dashboard: straight to Stripe, Medusa never hears of it.
    expect((await stripeApi("refunds", { payment_intent: placed.intentId, amount: "300" })).body).toMatchObject({ amount: 300 });
    await storefrontAnswered(placed.intentId, "charge.refunded", 2);
    // Until DRIFT_AFTER_MS has passed, Medusa may yet record it (it calls Stripe first): the
    // storefront answers 503 and Stripe retries; then it records the drift and answers 200.
    // Events come oldest first: the second refund event is the Stripe-only one. (The first,
    // Medusa's, may also meet a 503 while Medusa records it after calling Stripe.)
    const refundEvents = (await eventsFor(placed.intentId)).filter((event) => event.type === "charge.refunded");
    const stripeOnly = await deliveriesOf(refundEvents[1]!.id, STOREFRONT_HOOK);
    expect(stripeOnly!.length).toBeGreaterThan(1);
    expect(stripeOnly!.map((delivery) => delivery.status)).toEqual([...stripeOnly!.slice(1).map(() => 503), 200]);
    expect(stripeOnly!.slice(0, -1).map((delivery) => answerOf(delivery).result)).toEqual(stripeOnly!.slice(1).map(() => "retry"));

    const attempt = await storedAttempt(placed.attemptId);
    expect(attempt.payment_history?.map((news) => [news.kind, news.amount, news.medusa_knows])).toEqual([
      ["captured", placed.amount, true],
      ["refunded", 100, true],
      ["refunded", 400, false],
    ]);
    const drift = previewLogLines(placed.attemptId).filter((line) => line.msg === "payment changed in Stripe but not in Medusa");
    expect(drift).toEqual([expect.objectContaining({ level: "warn", drift: "refunded", amount: 400, order_id: placed.orderId })]);
    expect(await orderIdsForCart(placed.cartId)).toEqual([placed.orderId]);
  });

  it("a partial capture asked of Medusa captures the whole PaymentIntent in Stripe; the difference is logged as drift", async () => {
    const placed = await placedOrder("partial-capture@example.com");
    // The merchant asks Medusa to capture $5.00 of the order.
    await adminRequest(`/admin/payments/${placed.paymentId}/capture`, { amount: 5 });
    // Medusa's Stripe provider captures the PaymentIntent without an amount: all of it.
    expect(await readPaymentIntent(placed.intentId)).toMatchObject({ status: "succeeded", amount_received: placed.amount });
    await storefrontAnswered(placed.intentId, "payment_intent.succeeded");

    const attempt = await storedAttempt(placed.attemptId);
    expect(attempt.payment_history?.map((news) => [news.kind, news.amount, news.medusa_knows])).toEqual([["captured", placed.amount, false]]);
    const drift = previewLogLines(placed.attemptId).filter((line) => line.msg === "payment changed in Stripe but not in Medusa");
    expect(drift).toEqual([expect.objectContaining({ drift: "captured", amount: placed.amount })]);
    expect(await orderIdsForCart(placed.cartId)).toEqual([placed.orderId]);
  });

  it("a refund of a checkout whose attempt is no longer kept is acknowledged (200), not retried", async () => {
    // A paid PaymentIntent naming an attempt KV doesn't hold (as after its 7 days), then refunded.
    const paid = await stripeApi("payment_intents", {
      amount: "1500",
      currency: "usd",
      confirm: "true",
      payment_method: "pm_card_visa",
      "automatic_payment_methods[enabled]": "true",
      "automatic_payment_methods[allow_redirects]": "never",
      "metadata[checkout_attempt_id]": "ca_0000000000000000000000EXPD",
    });
    expect(paid.body).toMatchObject({ status: "succeeded" });
    expect((await stripeApi("refunds", { payment_intent: paid.body.id! })).body).toMatchObject({ amount: 1500 });
    const [refunded] = await eventually(
      async () => (await eventsFor(paid.body.id!)).filter((event) => event.type === "charge.refunded"),
      (found) => found.length === 1,
    );
    const deliveries = await deliveredOk(refunded!.id);
    expect(deliveries.map((delivery) => delivery.status)).toEqual([200]);
    expect(answerOf(deliveries[0]!)).toMatchObject({ received: true, ignored: true });
  });

  it("canceling an order cancels its authorization; the cancel is recorded; still one order", async () => {
    const placed = await placedOrder("canceled-order@example.com");
    await adminRequest(`/admin/orders/${placed.orderId}/cancel`, {});
    expect((await readPaymentIntent(placed.intentId)).status).toBe("canceled");
    await storefrontAnswered(placed.intentId, "payment_intent.canceled");

    const attempt = await storedAttempt(placed.attemptId);
    expect(attempt.status).toBe("completed");
    expect(attempt.payment_history?.map((news) => [news.kind, news.medusa_knows])).toEqual([["canceled", true]]);
    expect(await orderIdsForCart(placed.cartId)).toEqual([placed.orderId]);
    const page = await orderPage(placed);
    expect(page).toMatch(/Order #\d+ was canceled/);
    expect(page).toContain("Canceled: the hold on your card was released and you were not charged.");
    expect(page).toContain("Canceled; the hold on your card was released");
  });
});
