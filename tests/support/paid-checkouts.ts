// Checkouts on the production build for the webhook tests: a cart with a tote bag, prepared
// for payment, paid through the simulator; the shopper's return page; the cart's completion
// calls to Medusa, counted at the fault proxy.
import { expect, inject } from "vitest";
import type { CheckoutSuccessBody } from "../../app/lib/checkout/contract.ts";
import type { RecordedRequest } from "../../dev/fault-proxy-client.ts";
import { adminRequest } from "./medusa-admin.ts";
import { readCart, shippingOptionId } from "./medusa.ts";
import { orderIdsForCart } from "./orders.ts";
import { medusaRequestsFor } from "./proxy.ts";
import { Shopper, shopperWithNotebook, TEXAS_ADDRESS, type PrepareResult } from "./shopper.ts";
import { confirmAsBrowser, stripeApi } from "./stripe-sim.ts";
import { answerOf, deliveredOk, eventOf } from "./webhook-deliveries.ts";

const baseUrl = () => inject("stack").storefronts.preview!;

/** The success body of a prepare-for-payment answer (the test fails if it is not one). */
export function successBody(answer: PrepareResult): CheckoutSuccessBody {
  if (answer.body.client_secret === undefined) throw new Error(`not a prepared payment: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** A shopper with a canvas tote in the cart, and the submission for it with the Standard option. */
export async function cartWithTote(address = TEXAS_ADDRESS, email = "buyer@example.com") {
  const shopper = new Shopper(baseUrl());
  await shopper.addToCart("canvas-tote-bag", "Natural", 1);
  const body = { email, shipping_address: address, shipping_option_id: await shippingOptionId(shopper.cartId) };
  return { shopper, body };
}

export async function preparedShopper(address = TEXAS_ADDRESS, email?: string) {
  const { shopper, body } = await cartWithTote(address, email);
  const prepared = await shopper.prepare(body);
  expect(prepared.status).toBe(200);
  return { shopper, body, prepared: successBody(prepared) };
}

/** A paid (authorized, not captured) order made through the production build: its ids, and Medusa's payment behind it. */
export async function placedOrder(email: string) {
  const shopper = await shopperWithNotebook(baseUrl());
  const cartId = shopper.cartId;
  const prepared = await shopper.prepared({ email, shipping_address: TEXAS_ADDRESS, shipping_option_id: await shippingOptionId(cartId) });
  await shopper.confirmPayment(inject("stack").stripeSimUrl, prepared);
  const { orderId } = await shopper.waitForOrder(prepared.checkout_attempt_id);
  const { order } = await adminRequest<{ order: { payment_collections: { payments: { id: string }[] }[] } }>(
    `/admin/orders/${orderId}?fields=id,*payment_collections.payments`,
  );
  const paymentId = order.payment_collections[0]!.payments[0]!.id;
  return { shopper, cartId, orderId, paymentId, attemptId: prepared.checkout_attempt_id, intentId: prepared.payment_intent_id, amount: prepared.amount };
}

/** The shopper's return page for an attempt (not followed). */
export async function returnPage(shopper: Shopper, attemptId: string) {
  const response = await fetch(`${baseUrl()}/checkout/complete?attempt=${attemptId}`, { headers: { cookie: shopper.cookie }, redirect: "manual" });
  await response.text();
  return response;
}

/** The storefront's requests to complete `cartId` among those of these traces. */
export async function completionCalls(traceIds: string[], cartId: string): Promise<RecordedRequest[]> {
  const requests = (await Promise.all([...new Set(traceIds)].map(medusaRequestsFor))).flat();
  return requests.filter((request) => request.method === "POST" && request.path === `/store/carts/${cartId}/complete`);
}

/** A prepared checkout whose PaymentIntent amount was changed at Stripe (secret key) before the shopper paid it. */
export async function paidWithAnotherAmount(email?: string) {
  const { shopper, prepared } = await preparedShopper(TEXAS_ADDRESS, email);
  const changed = await stripeApi(`payment_intents/${prepared.payment_intent_id}`, { amount: String(prepared.amount + 100) });
  expect(changed.body.amount).toBe(prepared.amount + 100);
  const paid = await confirmAsBrowser(prepared.client_secret, "pm_card_visa");
  expect(paid.body.status).toBe("requires_capture");
  const capturable = await eventOf(prepared.payment_intent_id, "payment_intent.amount_capturable_updated");
  return { shopper, prepared, capturable };
}

/** The storefront's answer to the paid (capturable) event was "completed", and the cart has one order. */
export async function expectCompletedOnce(cartId: string, paymentIntentId: string) {
  const capturable = await eventOf(paymentIntentId, "payment_intent.amount_capturable_updated");
  expect(answerOf((await deliveredOk(capturable.id)).at(-1)!).result).toBe("completed");
  const orders = await orderIdsForCart(cartId);
  expect(orders).toHaveLength(1);
  return { capturable, orders };
}

/** The storefront recorded the payment_failed event (answered 200, "recorded"); no order, and the cart is still open. */
export async function expectFailureRecorded(cartId: string, paymentIntentId: string) {
  const failed = await eventOf(paymentIntentId, "payment_intent.payment_failed");
  const answer = (await deliveredOk(failed.id)).at(-1)!;
  expect(answer.status).toBe(200);
  expect(answerOf(answer).result).toBe("recorded");
  expect(await orderIdsForCart(cartId)).toEqual([]);
  expect((await readCart(cartId)).completed_at).toBeNull();
}
