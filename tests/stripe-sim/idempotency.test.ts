// Idempotency-Key semantics as Stripe documents them. Medusa creates each PaymentIntent
// with the payment session id as the key, and stripe-node keys every POST for its retries.
import Stripe from "stripe";
import { afterEach, describe, expect, test } from "vitest";
import { PUBLISHABLE_KEY, admin, rawApi, startTestSim, stripeClient, stripeError, type TestSim } from "./support.ts";

let sim: TestSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function intentCount(s: TestSim): Promise<number> {
  return (await admin<{ data: unknown[] }>(s, "GET", "/_sim/payment_intents")).data.length;
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const params: Stripe.PaymentIntentCreateParams = {
  amount: 1999,
  currency: "usd",
  capture_method: "manual",
  metadata: { session_id: "payses_1" },
};

describe("Idempotency-Key", () => {
  test("same idempotency key with same params replays the stored response and creates nothing new", async () => {
    sim = await startTestSim();
    const stripe = stripeClient(sim);
    const first = await stripe.paymentIntents.create(params, { idempotencyKey: "payses_1" });
    const second = await stripe.paymentIntents.create(params, { idempotencyKey: "payses_1" });
    expect(second.id).toBe(first.id);
    expect(second.client_secret).toBe(first.client_secret);
    expect(second.lastResponse.headers["idempotent-replayed"]).toBe("true");
    expect(first.lastResponse.headers["idempotent-replayed"]).toBeUndefined();
    expect(await intentCount(sim)).toBe(1);
    expect((await admin<{ data: unknown[] }>(sim, "GET", "/_sim/events")).data).toHaveLength(1);
  });

  test("the replay matches on parameters, not on their order in the body", async () => {
    sim = await startTestSim();
    const key = { "idempotency-key": "order-test" };
    const a = await rawApi(sim, "POST", "/v1/payment_intents", { amount: "1000", currency: "usd", "metadata[a]": "1" }, key);
    const b = await rawApi(sim, "POST", "/v1/payment_intents", { "metadata[a]": "1", currency: "usd", amount: "1000" }, key);
    expect(b.body.id).toBe(a.body.id);
    expect(b.headers.get("idempotent-replayed")).toBe("true");
    expect(b.headers.get("original-request")).toBe(a.headers.get("request-id"));
  });

  test("same idempotency key with different params is an idempotency_error", async () => {
    sim = await startTestSim();
    const stripe = stripeClient(sim);
    await stripe.paymentIntents.create(params, { idempotencyKey: "payses_2" });
    const err = await stripeError(stripe.paymentIntents.create({ ...params, amount: 2999 }, { idempotencyKey: "payses_2" }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(err.statusCode).toBe(400);
    expect(err.message).toMatch(/^Keys for idempotent requests can only be used with the same parameters they were first used with/);
    expect(await intentCount(sim)).toBe(1);
  });

  test("same idempotency key on another endpoint is an idempotency_error", async () => {
    sim = await startTestSim();
    const stripe = stripeClient(sim);
    await stripe.paymentIntents.create(params, { idempotencyKey: "shared" });
    const err = await stripeError(stripe.customers.create({ email: "a@example.com" }, { idempotencyKey: "shared" }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(err.message).toMatch(/can only be used for the same endpoint/);
  });

  test("keys are scoped to the API key that used them", async () => {
    sim = await startTestSim();
    await stripeClient(sim).paymentIntents.create(params, { idempotencyKey: "scoped" });
    const pm = await stripeClient(sim, PUBLISHABLE_KEY).paymentMethods.create(
      { type: "card", card: { number: "4242424242424242", exp_month: 1, exp_year: new Date().getFullYear() + 1, cvc: "123" } },
      { idempotencyKey: "scoped" },
    );
    expect(pm.id).toMatch(/^pm_/);
  });

  test("a card decline is stored and replayed; a validation error is not stored", async () => {
    sim = await startTestSim();
    const stripe = stripeClient(sim);
    const declined = { ...params, allowed_payment_method_types: ["card"], confirm: true, payment_method: "pm_card_chargeDeclined" };
    const first = await stripeError(stripe.paymentIntents.create(declined, { idempotencyKey: "declined" }));
    const replay = await stripeError(stripe.paymentIntents.create(declined, { idempotencyKey: "declined" }));
    expect(replay.code).toBe("card_declined");
    expect(replay.headers?.["idempotent-replayed"]).toBe("true");
    expect((replay.raw as { payment_intent: { id: string } }).payment_intent.id).toBe(
      (first.raw as { payment_intent: { id: string } }).payment_intent.id,
    );

    await stripeError(stripe.paymentIntents.create({ ...params, amount: 0 }, { idempotencyKey: "fixable" }));
    const fixed = await stripe.paymentIntents.create({ ...params, amount: 1000 }, { idempotencyKey: "fixable" });
    expect(fixed.amount).toBe(1000);
  });

  test("keys are forgotten after 24 hours", async () => {
    let now = Date.now();
    sim = await startTestSim({ clock: () => now });
    const stripe = stripeClient(sim);
    const first = await stripe.paymentIntents.create(params, { idempotencyKey: "day-old" });
    now += 23 * 60 * 60 * 1000;
    expect((await stripe.paymentIntents.create(params, { idempotencyKey: "day-old" })).id).toBe(first.id);
    now += 2 * 60 * 60 * 1000;
    const later = await stripe.paymentIntents.create({ ...params, amount: 5000 }, { idempotencyKey: "day-old" });
    expect(later.id).not.toBe(first.id);
  });

  test("a duplicate sent while the first request is still running gets 409 idempotency_key_in_use", async () => {
    sim = await startTestSim();
    await admin(sim, "POST", "/_sim/api/faults", { latency_ms: 300 });
    const stripe = stripeClient(sim);
    const first = stripe.paymentIntents.create(params, { idempotencyKey: "double-click" });
    await until("the first request to have created its intent", async () => (await intentCount(sim!)) === 1);
    const err = await stripeError(stripe.paymentIntents.create(params, { idempotencyKey: "double-click" }));
    expect(err.statusCode).toBe(409);
    expect(err.code).toBe("idempotency_key_in_use");
    const created = await first;
    await admin(sim, "POST", "/_sim/api/faults", { latency_ms: 0 });
    expect((await stripe.paymentIntents.create(params, { idempotencyKey: "double-click" })).id).toBe(created.id);
    expect(await intentCount(sim)).toBe(1);
  });

  test("a client that timed out after the server acted gets the same intent when it retries with its key", async () => {
    sim = await startTestSim();
    await admin(sim, "POST", "/_sim/api/faults", { latency_ms: 400 });
    const impatient = new Stripe("sk_test_simulator", { host: "127.0.0.1", port: sim.port, protocol: "http", timeout: 100, maxNetworkRetries: 0 });
    const err = await stripeError(impatient.paymentIntents.create(params, { idempotencyKey: "lost-response" }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    // The server finishes (and journals) the request after the client gave up.
    await until("the abandoned request to finish", async () =>
      (await admin<{ data: unknown[] }>(sim!, "GET", "/_sim/requests?path_prefix=/v1/payment_intents")).data.length === 1,
    );
    await admin(sim, "POST", "/_sim/api/faults", { latency_ms: 0 });
    const retried = await stripeClient(sim).paymentIntents.create(params, { idempotencyKey: "lost-response" });
    expect(await intentCount(sim)).toBe(1);
    expect(retried.lastResponse.headers["idempotent-replayed"]).toBe("true");
  });
});
