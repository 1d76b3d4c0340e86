// Issue 10, section 3: the reconciler settles every attempt its webhook and return page
// left open, from Stripe's truth, through the cart's Durable Object. Against the real
// Medusa, the simulator and the production build; each test reads Medusa's orders and the
// simulator's PaymentIntents back. Sweeps here name their own attempts (`attempt_ids`) and
// move the sweep's clock (`as_of`, development only), so other files' attempts are never touched.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, inject, it } from "vitest";
import { shippingOptionId } from "../support/medusa.ts";
import { orderIdsForCart } from "../support/orders.ts";
import { eventually, until } from "../support/poll.ts";
import { postReconcile, reconcileToken, sweepOnly } from "../support/reconcile.ts";
import { shopperWithNotebook, TEXAS_ADDRESS, type Shopper } from "../support/shopper.ts";
import { confirmAsBrowser, readPaymentIntent, simAdmin, type Delivery } from "../support/stripe-sim.ts";
import { answerOf, deliveredOk, eventOf, holdingDeliveries, MEDUSA_HOOK, STOREFRONT_HOOK } from "../support/webhook-deliveries.ts";

const baseUrl = () => inject("stack").storefronts.preview!;

async function preparedShopper(email: string) {
  const shopper = await shopperWithNotebook(baseUrl());
  const prepared = await shopper.prepared({ email, shipping_address: TEXAS_ADDRESS, shipping_option_id: await shippingOptionId(shopper.cartId) });
  return { shopper, prepared };
}

async function returnPage(shopper: Shopper, attemptId: string) {
  const response = await shopper.request(`/checkout/complete?attempt=${attemptId}`);
  return { status: response.status, location: response.headers.get("location"), text: await response.text() };
}

describe("a paid attempt whose webhooks never arrive, and whose shopper closed the tab", () => {
  it("is left to its webhook for 5 minutes, then the reconciler makes its one order; late deliveries find it", async () => {
    const { shopper, prepared } = await preparedShopper("closed-tab@example.com");
    const attemptId = prepared.checkout_attempt_id;

    await holdingDeliveries(async () => {
      // Neither the storefront's webhook nor Medusa's own receives anything.
      expect((await confirmAsBrowser(prepared.client_secret, "pm_card_visa")).body.status).toBe("requires_capture");

      const early = await sweepOnly(baseUrl(), [attemptId], 1);
      expect(early).toMatchObject({ open: 1, due: 0, settled: [] });
      expect(await orderIdsForCart(shopper.cartId)).toEqual([]);

      const sweep = await sweepOnly(baseUrl(), [attemptId], 6);
      expect(sweep).toMatchObject({ open: 1, due: 1, still_open: 0, errors: [] });
      expect(sweep.settled).toEqual([expect.objectContaining({ attempt_id: attemptId, cart_id: shopper.cartId, action: "completed", status: "completed", done: true })]);
      const orderId = sweep.settled[0]!.order_id!;
      expect(await orderIdsForCart(shopper.cartId)).toEqual([orderId]);

      // Settled attempts leave the index: the next sweep doesn't see it.
      expect(await sweepOnly(baseUrl(), [attemptId], 11)).toMatchObject({ open: 0, due: 0, settled: [] });
    });

    // The held deliveries now arrive: the webhook answers with the same order, makes none.
    const capturable = await eventOf(prepared.payment_intent_id, "payment_intent.amount_capturable_updated");
    const deliveries = await deliveredOk(capturable.id);
    expect(answerOf(deliveries.at(-1)!).result).toBe("completed");
    const orders = await orderIdsForCart(shopper.cartId);
    expect(orders).toHaveLength(1);
    // The shopper who comes back later sees the order.
    const page = await returnPage(shopper, attemptId);
    expect(page.location).toBe(`/orders/${orders[0]}/confirmed`);
    expect((await readPaymentIntent(prepared.payment_intent_id)).status).toBe("requires_capture");
  });
});

describe("a paid attempt every webhook delivery of which fails, to the storefront and to Medusa, and whose shopper closed the tab", () => {
  it("gets its one order from the reconciler alone; the deliveries that finally arrive find it", async () => {
    const { shopper, prepared } = await preparedShopper("every-delivery-fails@example.com");
    const { checkout_attempt_id: attemptId, payment_intent_id: intentId } = prepared;
    const cartId = shopper.cartId;
    const attemptsOf = async (eventId: string) => (await simAdmin<{ data: Delivery[] }>(`deliveries?event_id=${eventId}`)).data;
    let capturable: { id: string } | undefined;
    // Every delivery of every event about this payment fails (a connection error), retries included.
    await simAdmin("webhooks/fail_next", { count: 1000, object_id: intentId });
    try {
      expect((await confirmAsBrowser(prepared.client_secret, "pm_card_visa")).body.status).toBe("requires_capture");
      capturable = await eventOf(intentId, "payment_intent.amount_capturable_updated");
      const tried = await eventually(
        () => attemptsOf(capturable!.id),
        (attempts) => [STOREFRONT_HOOK, MEDUSA_HOOK].every((hook) => attempts.some((a) => new URL(a.endpoint_url).pathname === hook && a.attempt >= 2)),
      );
      expect(tried.length).toBeGreaterThanOrEqual(4);
      expect(tried.every((a) => a.simulated_failure && !a.ok)).toBe(true);
      expect(await orderIdsForCart(cartId)).toEqual([]);

      // The first sweep after the webhook's 5 minutes makes the order.
      const sweep = await sweepOnly(baseUrl(), [attemptId], 6);
      expect(sweep.settled).toEqual([expect.objectContaining({ attempt_id: attemptId, action: "completed", status: "completed", done: true })]);
      expect(await orderIdsForCart(cartId)).toEqual([sweep.settled[0]!.order_id]);
      expect((await attemptsOf(capturable.id)).filter((a) => a.ok)).toEqual([]);
    } finally {
      await simAdmin("webhooks/fail_next", { count: 0, object_id: intentId });
    }
    // Stripe's next retry (here: a redelivery) reaches the storefront: the same order, no other.
    await simAdmin(`events/${capturable!.id}/redeliver`, {});
    const delivered = await deliveredOk(capturable!.id);
    expect(answerOf(delivered.filter((a) => a.ok).at(-1)!).result).toBe("completed");
    const orders = await orderIdsForCart(cartId);
    expect(orders).toHaveLength(1);
    expect((await returnPage(shopper, attemptId)).location).toBe(`/orders/${orders[0]}/confirmed`);
    expect((await readPaymentIntent(intentId)).status).toBe("requires_capture");
  });
});

describe("an abandoned prepared attempt", () => {
  it("stays open within the payment window, then its PaymentIntent is canceled and it is expired; the cart can still be paid", async () => {
    const { shopper, prepared } = await preparedShopper("abandoned@example.com");
    const attemptId = prepared.checkout_attempt_id;

    const within = await sweepOnly(baseUrl(), [attemptId], 30);
    expect(within.settled).toEqual([expect.objectContaining({ attempt_id: attemptId, action: "still_open", done: false })]);
    expect((await readPaymentIntent(prepared.payment_intent_id)).status).toBe("requires_payment_method");

    const after = await sweepOnly(baseUrl(), [attemptId], 61);
    expect(after.settled).toEqual([expect.objectContaining({ attempt_id: attemptId, action: "expired", status: "expired", done: true })]);
    const intent = await readPaymentIntent(prepared.payment_intent_id);
    expect(intent.status).toBe("canceled");
    expect(intent.cancellation_reason).toBe("abandoned");
    expect(await orderIdsForCart(shopper.cartId)).toEqual([]);
    // A second sweep changes nothing (the attempt left the index).
    expect(await sweepOnly(baseUrl(), [attemptId], 62)).toMatchObject({ open: 0, settled: [] });

    // The shopper who comes back to it is sent to checkout with what happened.
    const page = await returnPage(shopper, attemptId);
    expect(page.status).toBe(302);
    const back = new URL(page.location!, baseUrl());
    expect(back.pathname).toBe("/checkout");
    expect(back.searchParams.get("payment_error")).toBe("This checkout wasn't paid in time, so its payment was canceled and nothing was charged. Please check out again.");

    // The shopper comes back: a new prepare, a new payment, one order.
    const again = await shopper.prepared({ email: "abandoned@example.com", shipping_address: TEXAS_ADDRESS, shipping_option_id: await shippingOptionId(shopper.cartId) });
    expect(again.checkout_attempt_id).not.toBe(attemptId);
    await shopper.confirmPayment(inject("stack").stripeSimUrl, again);
    const cartId = shopper.cartId;
    const { orderId } = await shopper.waitForOrder(again.checkout_attempt_id);
    expect(await orderIdsForCart(cartId)).toEqual([orderId]);
  });
});

describe("the reconciler, the webhook and the return page at once on one paid attempt", () => {
  it("make exactly one order, and all three report that one", async () => {
    const { shopper, prepared } = await preparedShopper("all-at-once@example.com");
    const attemptId = prepared.checkout_attempt_id;
    // The return page that finds the order clears the cart cookie.
    const cartId = shopper.cartId;
    let racing: Promise<[Awaited<ReturnType<typeof sweepOnly>>, Awaited<ReturnType<typeof returnPage>>]> | undefined;
    await holdingDeliveries(async () => {
      expect((await confirmAsBrowser(prepared.client_secret, "pm_card_visa")).body.status).toBe("requires_capture");
      // The held deliveries go out as this block ends, while the sweep and the return page run.
      racing = Promise.all([sweepOnly(baseUrl(), [attemptId], 6), returnPage(shopper, attemptId)]);
    });
    const [sweep, page] = await racing!;
    const orders = await orderIdsForCart(cartId);
    expect(orders).toHaveLength(1);
    const capturable = await eventOf(prepared.payment_intent_id, "payment_intent.amount_capturable_updated");
    expect(answerOf((await deliveredOk(capturable.id)).at(-1)!).result).toBe("completed");
    // Whichever came first made the order; the sweep either made it or found it made.
    expect(sweep.settled).toEqual([expect.objectContaining({ attempt_id: attemptId, status: "completed", order_id: orders[0], done: true })]);
    // The return page either redirected to the order or was still finishing; now it redirects.
    if (page.status !== 200) expect(page.location).toBe(`/orders/${orders[0]}/confirmed`);
    expect((await returnPage(shopper, attemptId)).location).toBe(`/orders/${orders[0]}/confirmed`);
    expect(await orderIdsForCart(cartId)).toEqual(orders);
  });
});

describe("a sweep stopped part way (a Worker restart, or its limit)", () => {
  it("leaves what it didn't reach in the index, and the next sweep settles it", async () => {
    const one = await preparedShopper("first-abandoned@example.com");
    const two = await preparedShopper("second-abandoned@example.com");
    const ids = [one.prepared.checkout_attempt_id, two.prepared.checkout_attempt_id];

    const first = await sweepOnly(baseUrl(), ids, 61, 1);
    expect(first).toMatchObject({ open: 2, due: 2, deferred: 1 });
    expect(first.settled).toEqual([expect.objectContaining({ attempt_id: ids[0], action: "expired" })]);
    expect((await readPaymentIntent(two.prepared.payment_intent_id)).status).toBe("requires_payment_method");

    const second = await sweepOnly(baseUrl(), ids, 61, 1);
    expect(second).toMatchObject({ open: 1, due: 1, deferred: 0 });
    expect(second.settled).toEqual([expect.objectContaining({ attempt_id: ids[1], action: "expired" })]);
    expect((await readPaymentIntent(one.prepared.payment_intent_id)).status).toBe("canceled");
    expect((await readPaymentIntent(two.prepared.payment_intent_id)).status).toBe("canceled");
  });
});

describe("POST /ops/reconcile refuses what isn't an operator's sweep", () => {
  it("without the token: 401, and nothing is swept", async () => {
    const { prepared } = await preparedShopper("no-token@example.com");
    const id = prepared.checkout_attempt_id;
    for (const token of [null, "not-the-token", `${reconcileToken()}x`]) {
      const answer = await postReconcile(baseUrl(), { attempt_ids: [id], as_of: new Date(Date.now() + 2 * 3_600_000).toISOString() }, token);
      expect(answer.status).toBe(401);
      expect(answer.body.error).toMatchObject({ code: "unauthorized" });
    }
    expect((await readPaymentIntent(prepared.payment_intent_id)).status).toBe("requires_payment_method");
  });

  it.each([
    ["an id that is not an attempt's", { attempt_ids: ["cart_123"] }, /attempt_ids\.0: must be checkout attempt ids/],
    ["an unknown field", { attempt_ids: ["ca_000000000000000000000000"], everything: true }, /unknown field "everything"/],
    ["a time that is not ISO 8601", { as_of: "tomorrow" }, /as_of: must be an ISO 8601 time/],
    ["a limit of 0", { limit: 0 }, /limit: must be 1 to 500/],
    ["a body that is not JSON", "{", /must be JSON/],
  ])("%s: 400 with what to fix", async (_name, body, message) => {
    const answer = await postReconcile(baseUrl(), body);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: "invalid_request", message: expect.stringMatching(message) });
  });
});

describe("the Cron Trigger", () => {
  it("runs a sweep through the Worker's scheduled handler and logs its report", async () => {
    const logFile = path.join(path.dirname(inject("stack").workerConfig), "vite-preview.log");
    const before = readFileSync(logFile, "utf8").length;
    const response = await fetch(new URL("/cdn-cgi/handler/scheduled?cron=*/5+*+*+*+*", baseUrl()));
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    const line = await until("the sweep's report in the storefront's log", async () => {
      const lines = readFileSync(logFile, "utf8").slice(before).split("\n").filter((text) => text.includes('"msg":"reconcile sweep"'));
      return lines.length > 0 ? (JSON.parse(lines[0]!.slice(lines[0]!.indexOf("{"))) as Record<string, unknown>) : undefined;
    });
    expect(line).toMatchObject({ level: expect.stringMatching(/info|error/), step: "reconcile", route: "scheduled */5 * * * *", open: expect.any(Number), due: expect.any(Number) });
  });
});
