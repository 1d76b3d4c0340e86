// POST /webhooks/stripe inside workerd (checkout contract, section 3), with events signed
// here by the `stripe` package with the Worker's STRIPE_WEBHOOK_SECRET: a bad or missing
// signature is a 400 with nothing read or written (KV listed before and after, Medusa's
// requests counted at the stack's fault proxy by the trace id we send). Also the checkout
// attempt's lifecycle in KV (section 4) and the amount-mismatch alert line.
import { afterEach, describe, expect, it, vi } from "vitest";
import { ATTEMPT_TTL_SECONDS, AttemptTransitionError, readAttempt, transitionAttempt, type AttemptRecord } from "../../app/lib/checkout/attempts.server";
import { env } from "./env";
import { eventPayload, kvSnapshot, medusaRequestsFor, newAttempt, newTrace, nowSeconds, paymentIntent, postWebhook, randomId, sign } from "./stripe-events";

describe("the Stripe-Signature check", () => {
  it("a validly signed event is accepted: an unknown event type is answered 200 and ignored", async () => {
    const { traceId, traceparent } = newTrace();
    const payload = eventPayload("customer.created", { id: randomId("cus"), object: "customer" });
    const answer = await postWebhook(payload, await sign(payload), traceparent);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ received: true, ignored: true, trace_id: traceId });
    expect(await medusaRequestsFor(traceId)).toEqual([]);
  });

  it("a validly signed payment event is acted on (the control for the checks below: Medusa is called)", async () => {
    const attempt = await newAttempt();
    const { traceId, traceparent } = newTrace();
    const payload = eventPayload("payment_intent.amount_capturable_updated", paymentIntent(attempt));
    const answer = await postWebhook(payload, await sign(payload), traceparent);
    // Medusa doesn't know this cart: retrying can't help, so it is answered 200 and logged
    // for an operator; what matters here is that Medusa was asked.
    expect(answer.status).toBe(200);
    expect(answer.body.result).toBe("ignored");
    expect(await medusaRequestsFor(traceId)).toContainEqual(expect.objectContaining({ method: "POST", path: `/store/carts/${attempt.cart_id}/complete` }));
  });

  describe("is refused with 400 and nothing read or written", () => {
    async function expectRefusedWithoutEffects(make: (payload: string) => Promise<{ body: string; signature: string | null }>) {
      const attempt = await newAttempt();
      const payload = eventPayload("payment_intent.succeeded", paymentIntent(attempt, { status: "succeeded" }));
      const { body, signature } = await make(payload);
      const before = await kvSnapshot();
      const { traceId, traceparent } = newTrace();
      const answer = await postWebhook(body, signature, traceparent);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ error: { code: "invalid_signature" }, trace_id: traceId });
      expect(await kvSnapshot()).toEqual(before);
      expect(await readAttempt(env.CHECKOUT_ATTEMPTS, attempt.id)).toEqual(attempt);
      expect(await medusaRequestsFor(traceId)).toEqual([]);
    }

    it("a tampered body", async () => {
      await expectRefusedWithoutEffects(async (payload) => ({
        signature: await sign(payload),
        body: payload.replace(/"amount": (\d+)/, (_, amount: string) => `"amount": ${Number(amount) - 1000}`),
      }));
    });

    it("a signature made with another secret", async () => {
      await expectRefusedWithoutEffects(async (payload) => ({ body: payload, signature: await sign(payload, { secret: "whsec_not_the_endpoints_secret" }) }));
    });

    it("a stale timestamp (more than 300 s old)", async () => {
      await expectRefusedWithoutEffects(async (payload) => ({ body: payload, signature: await sign(payload, { timestamp: nowSeconds() - 301 }) }));
    });

    it("a missing Stripe-Signature header", async () => {
      await expectRefusedWithoutEffects(async (payload) => ({ body: payload, signature: null }));
    });

    it("a garbage Stripe-Signature header", async () => {
      await expectRefusedWithoutEffects(async (payload) => ({ body: payload, signature: "garbage" }));
      await expectRefusedWithoutEffects(async (payload) => ({ body: payload, signature: `t=${nowSeconds()},v1=not-hex-at-all` }));
    });
  });

  it("a signature up to 300 s old is still accepted", async () => {
    const { traceparent } = newTrace();
    const payload = eventPayload("customer.created", { id: randomId("cus"), object: "customer" });
    const answer = await postWebhook(payload, await sign(payload, { timestamp: nowSeconds() - 290 }), traceparent);
    expect(answer.status).toBe(200);
  });
});

describe("events that record, and events that are only acknowledged (contract section 3)", () => {
  it.for([
    { type: "payment_intent.canceled", changes: { status: "canceled", cancellation_reason: "abandoned" }, status: "canceled", reason: "abandoned" },
    { type: "payment_intent.payment_failed", changes: { status: "requires_payment_method", last_payment_error: { message: "Your card was declined." } }, status: "payment_failed", reason: "Your card was declined." },
  ])("$type is recorded on the attempt with Stripe's reason, and nothing is sent to Medusa", async ({ type, changes, status, reason }) => {
    const attempt = await newAttempt();
    const { traceId, traceparent } = newTrace();
    const payload = eventPayload(type, paymentIntent(attempt, changes));
    const answer = await postWebhook(payload, await sign(payload), traceparent);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ received: true, result: "recorded" });
    const recorded = await readAttempt(env.CHECKOUT_ATTEMPTS, attempt.id);
    expect(recorded?.status).toBe(status);
    expect(recorded?.history.at(-1)).toMatchObject({ status, trace_id: traceId, reason });
    expect(await medusaRequestsFor(traceId)).toEqual([]);
  });

  it("setup_intent.succeeded is acknowledged and changes nothing", async () => {
    const attempt = await newAttempt();
    const before = await kvSnapshot();
    const { traceId, traceparent } = newTrace();
    const payload = eventPayload("setup_intent.succeeded", { id: randomId("seti"), object: "setup_intent", status: "succeeded", metadata: { checkout_attempt_id: attempt.id } });
    const answer = await postWebhook(payload, await sign(payload), traceparent);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ received: true, trace_id: traceId });
    expect(await kvSnapshot()).toEqual(before);
    expect(await medusaRequestsFor(traceId)).toEqual([]);
  });
});

describe("a paid amount that differs from the attempt", () => {
  afterEach(() => vi.restoreAllMocks());

  it("makes no order, is answered 200 and logs an error line an operator can alert on", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: unknown) => void lines.push(String(line)));
    const attempt = await newAttempt();
    const { traceId, traceparent } = newTrace();
    const payload = eventPayload("payment_intent.succeeded", paymentIntent(attempt, { status: "succeeded", amount: attempt.amount + 100 }));
    const answer = await postWebhook(payload, await sign(payload), traceparent);
    expect(answer.status).toBe(200);
    expect(answer.body.result).toBe("amount_mismatch");
    expect(await medusaRequestsFor(traceId)).toEqual([]);
    const alert = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.step === "amount_check");
    expect(alert).toMatchObject({
      level: "error",
      trace_id: traceId,
      attempt_id: attempt.id,
      cart_id: attempt.cart_id,
      paid_amount: attempt.amount + 100,
      attempt_amount: attempt.amount,
    });
    const recorded = await readAttempt(env.CHECKOUT_ATTEMPTS, attempt.id);
    expect(recorded?.status).toBe("amount_mismatch");
    expect(recorded?.order_id).toBeNull();
  });
});

describe("the checkout attempt's lifecycle in KV", () => {
  const trace = () => newTrace().traceId;

  it("moves only along the allowed transitions, and nothing leaves completed", async () => {
    const attempt = await newAttempt();
    const kv = env.CHECKOUT_ATTEMPTS;
    await transitionAttempt(kv, attempt.id, "payment_pending", { trace_id: trace() });
    await transitionAttempt(kv, attempt.id, "payment_failed", { trace_id: trace(), reason: "Your card was declined." });
    await transitionAttempt(kv, attempt.id, "payment_pending", { trace_id: trace() });
    const completed = await transitionAttempt(kv, attempt.id, "completed", { trace_id: trace(), order_id: "order_01TEST" });
    for (const status of ["prepared", "payment_pending", "payment_failed", "canceled", "amount_mismatch", "expired"] as const) {
      await expect(transitionAttempt(kv, attempt.id, status, { trace_id: trace() })).rejects.toBeInstanceOf(AttemptTransitionError);
    }
    // Completing again is a no-op that keeps the first order.
    expect(await transitionAttempt(kv, attempt.id, "completed", { trace_id: trace(), order_id: "order_02OTHER" })).toEqual(completed);
    expect(await readAttempt(kv, attempt.id)).toEqual(completed);

    // Canceled and amount_mismatch are final too (except for expiry).
    const canceled = await newAttempt();
    await transitionAttempt(kv, canceled.id, "canceled", { trace_id: trace() });
    await expect(transitionAttempt(kv, canceled.id, "completed", { trace_id: trace(), order_id: "order_03" })).rejects.toBeInstanceOf(AttemptTransitionError);
    const mismatch = await newAttempt();
    await transitionAttempt(kv, mismatch.id, "amount_mismatch", { trace_id: trace() });
    await expect(transitionAttempt(kv, mismatch.id, "completed", { trace_id: trace(), order_id: "order_04" })).rejects.toBeInstanceOf(AttemptTransitionError);
    expect((await transitionAttempt(kv, mismatch.id, "expired", { trace_id: trace() })).status).toBe("expired");
  });

  it("keeps the history of every status with its time, trace id and reason", async () => {
    const attempt = await newAttempt();
    const kv = env.CHECKOUT_ATTEMPTS;
    const traces = [trace(), trace(), trace()];
    await transitionAttempt(kv, attempt.id, "payment_failed", { trace_id: traces[0]!, reason: "Your card was declined." });
    await transitionAttempt(kv, attempt.id, "payment_pending", { trace_id: traces[1]! });
    await transitionAttempt(kv, attempt.id, "completed", { trace_id: traces[2]!, order_id: "order_01HISTORY" });
    const record = (await readAttempt(kv, attempt.id))!;
    expect(record.history.map((entry) => entry.status)).toEqual(["prepared", "payment_failed", "payment_pending", "completed"]);
    expect(record.history.map((entry) => entry.trace_id)).toEqual([attempt.history[0]!.trace_id, ...traces]);
    expect(record.history[1]!.reason).toBe("Your card was declined.");
    const times = record.history.map((entry) => Date.parse(entry.at));
    expect(times.every((time, i) => Number.isFinite(time) && (i === 0 || time >= times[i - 1]!))).toBe(true);
    expect(record.trace_ids).toEqual([attempt.history[0]!.trace_id, ...traces]);
  });

  it("drops the personal data on completion, keeping status, order id and history", async () => {
    const attempt = await newAttempt();
    const kv = env.CHECKOUT_ATTEMPTS;
    await transitionAttempt(kv, attempt.id, "completed", { trace_id: trace(), order_id: "order_01PRIVACY" });
    const raw = (await kv.get(`attempt:${attempt.id}`))!;
    const record = JSON.parse(raw) as AttemptRecord;
    expect(record).toMatchObject({ status: "completed", order_id: "order_01PRIVACY", email: null, shipping_address: null, items: null, totals: null });
    expect(record.history.map((entry) => entry.status)).toEqual(["prepared", "completed"]);
    for (const personal of ["ada.lovelace@example.com", "Lovelace", "Congress", "78701", "Canvas Tote Bag"]) expect(raw).not.toContain(personal);
  });

  it("expires about 7 days after each write, longer than Stripe retries webhooks (3 days)", async () => {
    expect(ATTEMPT_TTL_SECONDS).toBeGreaterThan(3 * 24 * 60 * 60);
    const expiration = async (id: string) => {
      const { keys } = await env.CHECKOUT_ATTEMPTS.list({ prefix: `attempt:${id}` });
      expect(keys).toHaveLength(1);
      return keys[0]!.expiration!;
    };
    const attempt = await newAttempt();
    const sevenDays = 7 * 24 * 60 * 60;
    expect(Math.abs((await expiration(attempt.id)) - (nowSeconds() + sevenDays))).toBeLessThanOrEqual(5);
    await transitionAttempt(env.CHECKOUT_ATTEMPTS, attempt.id, "completed", { trace_id: trace(), order_id: "order_01TTL" });
    expect(Math.abs((await expiration(attempt.id)) - (nowSeconds() + sevenDays))).toBeLessThanOrEqual(5);
  });
});
