// Stripe webhooks through the Worker route, against the production build, the real Medusa
// and the simulator's signed deliveries (checkout contract, sections 3-5): exactly one
// order per paid attempt, whatever arrives first and however often.
//
// Orders are counted in Medusa's database (`orderIdsForCart`); what the storefront answered
// each delivery is read from the simulator's delivery log (its body carries the outcome and
// the trace id); the storefront's Medusa calls are read from the fault proxy by that trace id.
//
// Some tests hold the simulator's deliveries. The hold is global to the simulator, so it is
// kept as short as possible and always released (everything held) in `finally`.
import { describe, expect, inject, it } from "vitest";
import { medusaGet, readCart } from "../support/medusa.ts";
import { orderIdsForCart } from "../support/orders.ts";
import { cartWithTote, completionCalls, expectCompletedOnce, expectFailureRecorded, paidWithAnotherAmount, preparedShopper, returnPage, successBody } from "../support/paid-checkouts.ts";
import { eventually, throughout } from "../support/poll.ts";
import { injectFault, medusaRequestsFor, newTrace } from "../support/proxy.ts";
import { CALIFORNIA_ADDRESS } from "../support/shopper.ts";
import { authenticate, confirmAsBrowser, simAdmin, stripeApi, type Delivery } from "../support/stripe-sim.ts";
import {
  answerOf,
  deliveredOk,
  deliveriesOf,
  eventOf,
  holdingDeliveries,
  MEDUSA_HOOK,
  STOREFRONT_HOOK,
  storefrontEndpointId,
} from "../support/webhook-deliveries.ts";

const baseUrl = inject("stack").storefronts.preview!;

describe("exactly one order per paid attempt", () => {
  it("the webhook alone makes the order when the shopper closes the tab after paying", async () => {
    const { shopper, prepared } = await preparedShopper();
    const paid = await confirmAsBrowser(prepared.client_secret, "pm_card_visa");
    expect(paid.body.status).toBe("requires_capture");
    const orders = await eventually(() => orderIdsForCart(shopper.cartId), (ids) => ids.length > 0);
    expect(orders).toHaveLength(1);
    // The storefront's delivery was answered 200 and made the order.
    const capturable = await eventOf(prepared.payment_intent_id, "payment_intent.amount_capturable_updated");
    const attempts = await deliveredOk(capturable.id);
    expect(attempts.map((delivery) => delivery.status)).toEqual([200]);
    expect(answerOf(attempts[0]!).result).toBe("completed");
    expect((await readCart(shopper.cartId)).completed_at).not.toBeNull();
    expect(await orderIdsForCart(shopper.cartId)).toEqual(orders);
  });

  it("the webhook makes the order first, and the return page then redirects to that same order", async () => {
    const { shopper, prepared } = await preparedShopper();
    await confirmAsBrowser(prepared.client_secret, "pm_card_visa");
    const { orders } = await expectCompletedOnce(shopper.cartId, prepared.payment_intent_id);
    // The shopper's return page (opened later) finds the same order.
    const page = await returnPage(shopper, prepared.checkout_attempt_id);
    expect(page.status).toBe(302);
    expect(page.headers.get("location")).toBe(`/orders/${orders[0]}/confirmed`);
    expect(await orderIdsForCart(shopper.cartId)).toEqual(orders);
  });

  it("the return page makes the order when it comes first, and the webhook then finds it", async () => {
    const { shopper, prepared } = await preparedShopper(CALIFORNIA_ADDRESS);
    const { page, capturable } = await holdingDeliveries(async () => {
      await confirmAsBrowser(prepared.client_secret, "pm_card_visa");
      const page = await returnPage(shopper, prepared.checkout_attempt_id);
      const capturable = await eventOf(prepared.payment_intent_id, "payment_intent.amount_capturable_updated");
      return { page, capturable };
    });
    expect(page.status).toBe(302);
    const orders = await orderIdsForCart(shopper.cartId);
    expect(orders).toHaveLength(1);
    expect(page.headers.get("location")).toBe(`/orders/${orders[0]}/confirmed`);
    // The confirmation page opens for this shopper (the redirect set the access cookie).
    const cookies = page.headers.getSetCookie().map((line) => line.split(";")[0]).join("; ");
    const confirmation = await fetch(`${baseUrl}${page.headers.get("location")}`, { headers: { cookie: cookies } });
    expect(confirmation.status).toBe(200);
    expect(await confirmation.text()).toContain("is confirmed");
    // A stranger with the order id sees nothing, and nothing is written for them.
    const stranger = newTrace();
    expect((await fetch(`${baseUrl}${page.headers.get("location")}`, { headers: { traceparent: stranger.traceparent } })).status).toBe(404);
    expect((await medusaRequestsFor(stranger.traceId)).filter((request) => request.method !== "GET")).toEqual([]);
    // The webhook, released afterwards, finds the order and makes no other.
    const attempts = await deliveredOk(capturable.id);
    expect(attempts.map((delivery) => delivery.status)).toEqual([200]);
    expect(answerOf(attempts[0]!).result).toBe("completed");
    expect(await completionCalls([answerOf(attempts[0]!).trace_id], shopper.cartId)).toEqual([]);
    expect(await orderIdsForCart(shopper.cartId)).toEqual(orders);
  });

  it("a stranger with the attempt id: the return page is 404 and writes nothing to Medusa, and the webhook still makes the one order", async () => {
    const { shopper, prepared } = await preparedShopper();
    await holdingDeliveries(async () => {
      await confirmAsBrowser(prepared.client_secret, "pm_card_visa");
      // No cookie at all, and another shopper's cart cookie.
      for (const cookie of ["", (await cartWithTote()).shopper.cookie]) {
        const trace = newTrace();
        const page = await fetch(`${baseUrl}/checkout/complete?attempt=${prepared.checkout_attempt_id}`, {
          headers: { cookie, traceparent: trace.traceparent },
          redirect: "manual",
        });
        expect(page.status).toBe(404);
        // Reads only (the page's header shows the visitor's own cart count); no writes.
        expect((await medusaRequestsFor(trace.traceId)).filter((request) => request.method !== "GET")).toEqual([]);
      }
      expect(await orderIdsForCart(shopper.cartId)).toEqual([]);
    });
    const orders = await eventually(() => orderIdsForCart(shopper.cartId), (ids) => ids.length > 0);
    expect(orders).toHaveLength(1);
  });

  it("the webhook and the return page arriving at the same moment make one order", async () => {
    const { shopper, prepared } = await preparedShopper();
    const { page, released, capturable } = await holdingDeliveries(async () => {
      await confirmAsBrowser(prepared.client_secret, "pm_card_visa");
      const capturable = await eventOf(prepared.payment_intent_id, "payment_intent.amount_capturable_updated");
      const [released, page] = await Promise.all([
        simAdmin<{ data: Delivery[] }>("webhooks/release", { event_ids: [capturable.id], concurrent: true }),
        returnPage(shopper, prepared.checkout_attempt_id),
      ]);
      return { page, released, capturable };
    });
    const orders = await orderIdsForCart(shopper.cartId);
    expect(orders).toHaveLength(1);
    expect(page.status).toBe(302);
    expect(page.headers.get("location")).toBe(`/orders/${orders[0]}/confirmed`);
    const webhook = released.data.filter((delivery) => new URL(delivery.endpoint_url).pathname === STOREFRONT_HOOK);
    expect(webhook.map((delivery) => delivery.status)).toEqual([200]);
    expect(answerOf(webhook[0]!).result).toBe("completed");
    expect((await deliveriesOf(capturable.id, STOREFRONT_HOOK)).map((delivery) => delivery.status)).toEqual([200]);
    expect(await orderIdsForCart(shopper.cartId)).toEqual(orders);
  });

  it("the same event delivered 5 times at once is answered 200 each time and completes the cart once", async () => {
    const { shopper, prepared } = await preparedShopper();
    const endpointId = await storefrontEndpointId();
    const released = await holdingDeliveries(async () => {
      await confirmAsBrowser(prepared.client_secret, "pm_card_visa");
      const capturable = await eventOf(prepared.payment_intent_id, "payment_intent.amount_capturable_updated");
      // The original delivery plus 4 redeliveries to the storefront, all held, then sent at once.
      for (let i = 0; i < 4; i++) await simAdmin(`events/${capturable.id}/redeliver`, { endpoint_id: endpointId });
      return simAdmin<{ data: Delivery[] }>("webhooks/release", { event_ids: [capturable.id], concurrent: true });
    });
    const toStorefront = released.data.filter((delivery) => delivery.endpoint_id === endpointId);
    expect(toStorefront.map((delivery) => delivery.reason).sort()).toEqual(["event", "redeliver", "redeliver", "redeliver", "redeliver"]);
    expect(toStorefront.map((delivery) => delivery.status)).toEqual([200, 200, 200, 200, 200]);
    expect(toStorefront.map((delivery) => answerOf(delivery).result)).toEqual(Array(5).fill("completed"));
    // No retry was needed: nothing but these five reached the storefront for this event.
    expect(await deliveriesOf(toStorefront[0]!.event_id, STOREFRONT_HOOK)).toHaveLength(5);
    // The storefront asked Medusa to complete the cart exactly once across the five deliveries.
    const traces = toStorefront.map((delivery) => answerOf(delivery).trace_id);
    expect(new Set(traces).size).toBe(5);
    expect(await completionCalls(traces, shopper.cartId)).toHaveLength(1);
    expect(await orderIdsForCart(shopper.cartId)).toHaveLength(1);
  });

  it("payment events arriving before payment_intent.created (captured: succeeded, then capturable, then created) make one order", async () => {
    const { events, orders, cartId } = await holdingDeliveries(async () => {
      const { shopper, prepared } = await preparedShopper();
      await confirmAsBrowser(prepared.client_secret, "pm_card_visa");
      // The merchant captures at once: Stripe then also sends payment_intent.succeeded.
      const captured = await stripeApi(`payment_intents/${prepared.payment_intent_id}/capture`, {});
      expect(captured.body.status).toBe("succeeded");
      const created = await eventOf(prepared.payment_intent_id, "payment_intent.created");
      const capturable = await eventOf(prepared.payment_intent_id, "payment_intent.amount_capturable_updated");
      const succeeded = await eventOf(prepared.payment_intent_id, "payment_intent.succeeded");
      // Newest first, each answered before the next is sent.
      await simAdmin("webhooks/release", { event_ids: [succeeded.id, capturable.id, created.id] });
      return { events: { created, capturable, succeeded }, orders: await orderIdsForCart(shopper.cartId), cartId: shopper.cartId };
    });
    expect(orders).toHaveLength(1);
    const answered = async (eventId: string) => (await deliveriesOf(eventId, STOREFRONT_HOOK)).map((delivery) => [delivery.status, answerOf(delivery).result ?? null]);
    expect(await answered(events.succeeded.id)).toEqual([[200, "completed"]]);
    expect(await answered(events.capturable.id)).toEqual([[200, "completed"]]);
    // payment_intent.created is not an event the storefront acts on.
    expect(await answered(events.created.id)).toEqual([[200, null]]);
    const order = (await deliveriesOf(events.succeeded.id, STOREFRONT_HOOK))[0]!;
    const later = (await deliveriesOf(events.created.id, STOREFRONT_HOOK))[0]!;
    expect(Date.parse(order.started_at)).toBeLessThanOrEqual(Date.parse(later.started_at));
    expect(await orderIdsForCart(cartId)).toEqual(orders);
  });

  it("a decline, then a new prepare and a successful payment on the same cart, make one order; the failure is recorded", async () => {
    const { shopper, body, prepared: first } = await preparedShopper();
    const declined = await confirmAsBrowser(first.client_secret, "pm_card_chargeDeclined");
    expect(declined.status).toBe(402);
    await expectFailureRecorded(shopper.cartId, first.payment_intent_id);
    // The shopper's return page for the declined attempt sends them back to checkout.
    const back = await returnPage(shopper, first.checkout_attempt_id);
    expect(back.status).toBe(302);
    expect(back.headers.get("location")).toMatch(/^\/checkout\?payment_error=/);

    // A new submission (new key): a new attempt and PaymentIntent for the same cart.
    const again = await shopper.prepare(body, { idempotencyKey: `retry-${first.checkout_attempt_id}` });
    expect(again.status).toBe(200);
    const second = successBody(again);
    expect(second.checkout_attempt_id).not.toBe(first.checkout_attempt_id);
    expect(second.payment_intent_id).not.toBe(first.payment_intent_id);
    await confirmAsBrowser(second.client_secret, "pm_card_visa");
    const { orders } = await expectCompletedOnce(shopper.cartId, second.payment_intent_id);
    // The first attempt's later news (its intent canceled by Medusa) changes nothing.
    const canceled = await eventOf(first.payment_intent_id, "payment_intent.canceled");
    expect((await deliveredOk(canceled.id)).at(-1)!.status).toBe(200);
    expect(await orderIdsForCart(shopper.cartId)).toEqual(orders);
  });

  it("3D Secure approved makes one order", async () => {
    const { shopper, prepared } = await preparedShopper();
    const challenged = await confirmAsBrowser(prepared.client_secret, "pm_card_threeDSecureRequired");
    expect(challenged.body.status).toBe("requires_action");
    const action = await eventOf(prepared.payment_intent_id, "payment_intent.requires_action");
    expect(answerOf((await deliveredOk(action.id)).at(-1)!).result).toBe("not_paid");
    expect(await orderIdsForCart(shopper.cartId)).toEqual([]);
    const approved = await authenticate(prepared.client_secret, "approve");
    expect(approved.body.status).toBe("requires_capture");
    await expectCompletedOnce(shopper.cartId, prepared.payment_intent_id);
  });

  it("3D Secure failed makes no order, records the failure and leaves the cart open for a later success", async () => {
    const { shopper, prepared } = await preparedShopper();
    await confirmAsBrowser(prepared.client_secret, "pm_card_threeDSecureRequired");
    const refused = await authenticate(prepared.client_secret, "fail");
    expect(refused.body.status).toBe("requires_payment_method");
    await expectFailureRecorded(shopper.cartId, prepared.payment_intent_id);
    // The shopper tries again on the same PaymentIntent with another card.
    const paid = await confirmAsBrowser(prepared.client_secret, "pm_card_visa");
    expect(paid.body.status).toBe("requires_capture");
    await expectCompletedOnce(shopper.cartId, prepared.payment_intent_id);
  });

  it("Medusa's own Stripe webhook completing the same cart does not make a second order", async () => {
    const { shopper, prepared } = await preparedShopper();
    await confirmAsBrowser(prepared.client_secret, "pm_card_visa");
    const { capturable, orders } = await expectCompletedOnce(shopper.cartId, prepared.payment_intent_id);
    // Medusa answers its webhook at once and acts about 5 s later.
    expect((await deliveredOk(capturable.id, MEDUSA_HOOK)).at(-1)!.status).toBe(200);
    // Nothing outside Medusa shows that it has acted on a cart it finds completed (no
    // request leaves it, no row changes), so the cart's orders are read throughout the
    // 6.5 s in which it does, and must stay the one order all along.
    await throughout(6_500, () => orderIdsForCart(shopper.cartId), (ids) => expect(ids).toEqual(orders));
  });

  it("Medusa's own Stripe webhook completing the cart first: the storefront's webhook then finds that same order", async () => {
    const { shopper, prepared } = await preparedShopper();
    // The storefront's first 6 completions (deliveries at about 0, 0.2, 0.6, 1.4, 3.0 and
    // 6.2 s) can't reach Medusa; Medusa's own webhook acts about 5.4 s after its delivery.
    await injectFault({ kind: "down", method: "POST", path: `^/store/carts/${shopper.cartId}/complete$`, times: 6 });
    await confirmAsBrowser(prepared.client_secret, "pm_card_visa");
    const capturable = await eventOf(prepared.payment_intent_id, "payment_intent.amount_capturable_updated");
    const orders = await eventually(() => orderIdsForCart(shopper.cartId), (ids) => ids.length > 0, 12_000);
    expect(orders).toHaveLength(1);
    // Made by Medusa: the storefront had not answered any delivery with 200 yet.
    expect((await deliveriesOf(capturable.id, STOREFRONT_HOOK)).every((delivery) => delivery.status === 503)).toBe(true);
    const attempts = await deliveredOk(capturable.id, STOREFRONT_HOOK, 25_000);
    expect(attempts.at(-1)!.status).toBe(200);
    expect(answerOf(attempts.at(-1)!).result).toBe("completed");
    // The return page redirects to Medusa's order.
    const page = await returnPage(shopper, prepared.checkout_attempt_id);
    expect(page.headers.get("location")).toBe(`/orders/${orders[0]}/confirmed`);
    expect(await orderIdsForCart(shopper.cartId)).toEqual(orders);
  });

  it("a webhook arriving before its attempt is readable is answered 5xx, and the simulator's retry then makes the order", async () => {
    // The attempt is written to KV last, after prepare-for-payment's final read of the cart.
    // Holding that read at the proxy opens a window in which the PaymentIntent exists and
    // can be paid, but the attempt record doesn't exist yet (in production: KV not yet
    // replicated to the location that receives the webhook). Nothing is deleted or faked.
    const { shopper, body } = await cartWithTote();
    const cartId = shopper.cartId;
    const { traceId, traceparent } = newTrace();
    await injectFault({ kind: "delay", traceId, method: "GET", path: `^/store/carts/${cartId}$`, nth: 2, delayMs: 2_000 });
    const preparing = shopper.prepare(body, { traceparent });
    // The PaymentIntent as Medusa's payment session holds it, as soon as it exists.
    type Session = { data: { id?: string; client_secret?: string } };
    const sessions = await eventually(
      async () =>
        (await medusaGet<{ cart: { payment_collection?: { payment_sessions?: Session[] } | null } }>(`/store/carts/${cartId}?fields=*payment_collection.payment_sessions`))
          .cart.payment_collection?.payment_sessions ?? [],
      (found) => found.some((session) => session.data.client_secret),
      5_000,
    );
    const intent = sessions.find((session) => session.data.client_secret)!.data;
    const paid = await confirmAsBrowser(intent.client_secret!, "pm_card_visa");
    expect(paid.body.status).toBe("requires_capture");
    const capturable = await eventOf(intent.id!, "payment_intent.amount_capturable_updated");
    const early = await eventually(() => deliveriesOf(capturable.id, STOREFRONT_HOOK), (found) => found.length > 0, 5_000);
    expect(early[0]!.status).toBe(503);
    expect(answerOf(early[0]!).error?.code).toBe("attempt_not_found");

    const prepared = await preparing;
    expect(prepared.status).toBe(200);
    expect(prepared.body.payment_intent_id).toBe(intent.id);
    const attempts = await deliveredOk(capturable.id);
    expect(attempts.at(-1)!.status).toBe(200);
    expect(answerOf(attempts.at(-1)!).result).toBe("completed");
    expect(attempts.filter((delivery) => delivery.status === 503).length).toBeGreaterThanOrEqual(1);
    expect(attempts.map((delivery) => delivery.reason).slice(1)).toEqual(Array(attempts.length - 1).fill("retry"));
    expect((await medusaRequestsFor(traceId)).some((request) => request.fault === "delay")).toBe(true);
    expect(await orderIdsForCart(cartId)).toHaveLength(1);
  });

  it("Medusa failing the first two completions gets 5xx answers, and the simulator's retry then makes one order", async () => {
    const { shopper, prepared } = await preparedShopper();
    // Any trace (the Worker makes the webhook's trace id), only this cart's completion.
    await injectFault({ kind: "down", method: "POST", path: `^/store/carts/${shopper.cartId}/complete$`, times: 2 });
    await confirmAsBrowser(prepared.client_secret, "pm_card_visa");
    const capturable = await eventOf(prepared.payment_intent_id, "payment_intent.amount_capturable_updated");
    const attempts = await deliveredOk(capturable.id);
    expect(attempts.map((delivery) => [delivery.attempt, delivery.reason, delivery.status])).toEqual([
      [1, "event", 503],
      [2, "retry", 503],
      [3, "retry", 200],
    ]);
    expect(answerOf(attempts[2]!).result).toBe("completed");
    const calls = await completionCalls(attempts.map((delivery) => answerOf(delivery).trace_id), shopper.cartId);
    expect(calls.map((call) => call.fault)).toEqual(["down", "down", null]);
    expect(await orderIdsForCart(shopper.cartId)).toHaveLength(1);
  });
});

describe("events the storefront does not act on", () => {
  it("an unknown event type for a checkout's PaymentIntent is answered 200 and ignored", async () => {
    const { shopper, prepared } = await preparedShopper();
    const event = await simAdmin<{ id: string }>(`payment_intents/${prepared.payment_intent_id}/trigger`, { type: "payment_intent.partially_funded" });
    const attempts = await deliveredOk(event.id);
    expect(attempts.map((delivery) => delivery.status)).toEqual([200]);
    const answer = answerOf(attempts[0]!);
    expect(answer.ignored).toBe(true);
    expect(await medusaRequestsFor(answer.trace_id)).toEqual([]);
    expect(await orderIdsForCart(shopper.cartId)).toEqual([]);
  });

  it("a paid PaymentIntent without a checkout attempt id is answered 200 and ignored", async () => {
    // Made directly at Stripe, not by a checkout: no checkout_attempt_id in its metadata.
    const created = await stripeApi("payment_intents", {
      amount: "2500",
      currency: "usd",
      payment_method: "pm_card_visa",
      confirm: "true",
      return_url: "http://localhost/return",
    });
    expect(created.status).toBe(200);
    expect(created.body.metadata).toEqual({});
    const natural = await eventOf(created.body.id!, created.body.status === "succeeded" ? "payment_intent.succeeded" : "payment_intent.amount_capturable_updated");
    const triggered = await simAdmin<{ id: string }>(`payment_intents/${created.body.id!}/trigger`, { type: "payment_intent.succeeded" });
    for (const eventId of [natural.id, triggered.id]) {
      const attempts = await deliveredOk(eventId);
      expect(attempts.map((delivery) => delivery.status)).toEqual([200]);
      const answer = answerOf(attempts[0]!);
      expect(answer.ignored).toBe(true);
      expect(await medusaRequestsFor(answer.trace_id)).toEqual([]);
    }
  });

  it("a payment whose amount differs from the attempt is answered 200 and the storefront makes no order", async () => {
    const { shopper, prepared, capturable } = await paidWithAnotherAmount();
    const attempts = await deliveredOk(capturable.id);
    expect(attempts.map((delivery) => delivery.status)).toEqual([200]);
    const answer = answerOf(attempts[0]!);
    expect(answer.result).toBe("amount_mismatch");
    expect(await completionCalls([answer.trace_id], shopper.cartId)).toEqual([]);
    expect(await orderIdsForCart(shopper.cartId)).toEqual([]);
    // The shopper's return page says so and makes no order either.
    const page = await returnPage(shopper, prepared.checkout_attempt_id);
    expect(page.status).toBe(302);
    expect(page.headers.get("location")).toMatch(/^\/checkout\?payment_error=/);
    expect(await orderIdsForCart(shopper.cartId)).toEqual([]);
  });

  // Medusa's own webhook receives the same event and its provider does not compare amounts.
  // The storefront voids the authorization at once, so when Medusa acts on the event the
  // payment is already canceled. (Medusa may still complete the cart if it acts before
  // the void lands: see the README's known limitations.)
  it("a payment whose amount differs from the attempt is voided at once", async () => {
    const { capturable, prepared } = await paidWithAnotherAmount();
    expect(answerOf((await deliveredOk(capturable.id)).at(-1)!).result).toBe("amount_mismatch");
    const intent = await simAdmin<{ status: string; cancellation_reason: string | null }>(`payment_intents/${prepared.payment_intent_id}`);
    expect(intent.status).toBe("canceled");
  });
});
