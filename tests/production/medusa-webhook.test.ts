// Issue 12, section 1: should the merchant register Medusa's own Stripe webhook
// (`/hooks/payment/stripe_stripe`) next to the storefront's? What it changes, measured on the
// production topology: orders are made by the storefront's webhook and return page either way
// (exactly-once.test.ts, with it registered); amount mismatches make no order with it
// registered (amount-mismatch.test.ts, 50 runs). What only Medusa's own webhook does is record
// in Medusa a payment change made in Stripe alone: Medusa's Stripe provider turns
// `payment_intent.succeeded` into a capture of the order's payment. Here a capture made in
// Stripe alone (as in its dashboard), with Medusa's webhook registered and without it.
import { randomBytes } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { storedAttempt } from "../support/attempts.ts";
import { adminRequest } from "../support/medusa-admin.ts";
import { orderIdsForCart } from "../support/orders.ts";
import { preparedShopper } from "../support/paid-checkouts.ts";
import { eventually, throughout } from "../support/poll.ts";
import { TEXAS_ADDRESS } from "../support/shopper.ts";
import { previewLogLines } from "../support/storefront-log.ts";
import { confirmAsBrowser, eventsFor, simAdmin, stripeApi } from "../support/stripe-sim.ts";
import { answerOf, deliveredOk, MEDUSA_HOOK } from "../support/webhook-deliveries.ts";

type Endpoint = { id: string; url: string; secret: string; events: string[] };
type MedusaPayment = { id: string; amount: number; captured_at: string | null; captures?: { amount: number }[] };

/** A paid order made through the storefront, and Medusa's payment behind it. */
async function paidOrder(label: string) {
  const { shopper, prepared } = await preparedShopper(TEXAS_ADDRESS, `${label}-${randomBytes(3).toString("hex")}@example.com`);
  expect((await confirmAsBrowser(prepared.client_secret, "pm_card_visa")).body.status).toBe("requires_capture");
  const orders = await eventually(() => orderIdsForCart(shopper.cartId), (ids) => ids.length > 0, 30_000);
  expect(orders).toHaveLength(1);
  const { order } = await adminRequest<{ order: { payment_collections: { payments: { id: string }[] }[] } }>(`/admin/orders/${orders[0]}?fields=id,*payment_collections.payments`);
  return { orderId: orders[0]!, cartId: shopper.cartId, paymentId: order.payment_collections[0]!.payments[0]!.id, attemptId: prepared.checkout_attempt_id, intentId: prepared.payment_intent_id, amount: prepared.amount };
}

const medusaPayment = async (id: string) => (await adminRequest<{ payment: MedusaPayment }>(`/admin/payments/${id}?fields=id,amount,captured_at,*captures`)).payment;

/** The storefront's answers to the capture's event, until it answered 200. */
async function storefrontAnsweredCapture(intentId: string) {
  const succeeded = await eventually(async () => (await eventsFor(intentId)).find((event) => event.type === "payment_intent.succeeded"), Boolean);
  expect(succeeded).toBeDefined();
  return deliveredOk(succeeded!.id, undefined, 60_000);
}

describe("Medusa's own Stripe webhook, for a capture made in Stripe alone", () => {
  it("registered: Medusa records the capture within seconds; the attempt and Medusa agree and no drift is logged", { timeout: 120_000 }, async () => {
    const placed = await paidOrder("stripe-capture-with-medusa-hook");
    expect((await medusaPayment(placed.paymentId)).captured_at).toBeNull();
    const capturedAt = Date.now();
    expect((await stripeApi(`payment_intents/${placed.intentId}/capture`, {})).body).toMatchObject({ status: "succeeded", amount_received: placed.amount });

    const payment = await eventually(() => medusaPayment(placed.paymentId), (p) => p.captured_at !== null, 30_000, 250);
    const medusaMs = Date.now() - capturedAt;
    expect(payment.captured_at).not.toBeNull();
    expect(Math.round((payment.captures ?? []).reduce((sum, capture) => sum + capture.amount, 0) * 100)).toBe(placed.amount);

    const deliveries = await storefrontAnsweredCapture(placed.intentId);
    expect(answerOf(deliveries.at(-1)!).result).toBe("completed");
    const attempt = await storedAttempt(placed.attemptId);
    expect(attempt.payment_history?.map((news) => [news.kind, news.amount, news.medusa_knows])).toEqual([["captured", placed.amount, true]]);
    expect(previewLogLines(placed.attemptId).filter((line) => line.msg === "payment changed in Stripe but not in Medusa")).toEqual([]);
    const medusaHook = await deliveredOk((await eventsFor(placed.intentId)).find((event) => event.type === "payment_intent.succeeded")!.id, MEDUSA_HOOK);
    console.log(`[Medusa's webhook registered] a Stripe-only capture was in Medusa after ${medusaMs} ms; storefront deliveries: ${deliveries.map((d) => d.status).join(", ")}; Medusa's: ${medusaHook.map((d) => d.status).join(", ")}`);
  });

  it("not registered: Medusa never hears of it; the storefront records it and logs the drift for an operator", { timeout: 120_000 }, async () => {
    const sim = inject("stack").stripeSimUrl;
    const { data } = await simAdmin<{ data: Endpoint[] }>("webhook_endpoints");
    const medusaEndpoint = data.find((endpoint) => new URL(endpoint.url).pathname === MEDUSA_HOOK)!;
    expect(medusaEndpoint).toBeDefined();
    const placed = await paidOrder("stripe-capture-without-medusa-hook");
    // Only now: the order itself was made with both webhooks, as in the other tests.
    const removed = await fetch(`${sim}/_sim/webhook_endpoints/${medusaEndpoint.id}`, { method: "DELETE" });
    expect(removed.status).toBe(200);
    try {
      expect((await stripeApi(`payment_intents/${placed.intentId}/capture`, {})).body).toMatchObject({ status: "succeeded" });
      const deliveries = await storefrontAnsweredCapture(placed.intentId);
      expect(answerOf(deliveries.at(-1)!).result).toBe("completed");
      const attempt = await storedAttempt(placed.attemptId);
      expect(attempt.payment_history?.map((news) => [news.kind, news.amount, news.medusa_knows])).toEqual([["captured", placed.amount, false]]);
      const drift = previewLogLines(placed.attemptId).filter((line) => line.msg === "payment changed in Stripe but not in Medusa");
      expect(drift).toEqual([expect.objectContaining({ level: "warn", drift: "captured", amount: placed.amount, order_id: placed.orderId })]);
      // Medusa still shows the payment as authorized only.
      await throughout(5_000, () => medusaPayment(placed.paymentId), (payment) => expect(payment.captured_at).toBeNull());
      console.log(`[Medusa's webhook not registered] a Stripe-only capture: Medusa's payment still not captured; storefront deliveries: ${deliveries.map((d) => d.status).join(", ")} (drift logged)`);
    } finally {
      await simAdmin("webhook_endpoints", { url: medusaEndpoint.url, secret: medusaEndpoint.secret, events: medusaEndpoint.events });
    }
  });
});
