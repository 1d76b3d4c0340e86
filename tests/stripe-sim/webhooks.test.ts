// Events and signed webhook deliveries, and the admin controls that make delivery
// misbehave on demand (late, out of order, repeated, concurrent, failing).
import Stripe from "stripe";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import {
  WEBHOOK_SECRET,
  admin,
  deliveries,
  simEvents,
  startReceiver,
  startTestSim,
  stripeClient,
  waitIdle,
  type Receiver,
  type TestSim,
} from "./support.ts";

let sim: TestSim;
let receiver: Receiver;
let stripe: Stripe;

beforeEach(async () => {
  receiver = await startReceiver();
  sim = await startTestSim({ webhookEndpoints: [{ url: receiver.url, secret: WEBHOOK_SECRET }] });
  stripe = stripeClient(sim);
});
afterEach(async () => {
  await sim.close();
  await receiver.close();
});

const RETURN_URL = "https://shop.test/checkout/complete";

async function authorisedIntent(): Promise<Stripe.PaymentIntent> {
  const pi = await stripe.paymentIntents.create(
    { amount: 1999, currency: "usd", capture_method: "manual", metadata: { checkout_attempt_id: "ca_1", session_id: "payses_1" } },
    { idempotencyKey: "payses_1" },
  );
  return stripe.paymentIntents.confirm(pi.id, { payment_method: "pm_card_visa", return_url: RETURN_URL });
}

function types(received: { event: Stripe.Event }[]): string[] {
  return received.map((r) => r.event.type);
}

describe("events", () => {
  test("every state change is an event, signed so that constructEventAsync verifies it", async () => {
    const pi = await authorisedIntent();
    await stripe.paymentIntents.capture(pi.id);
    await receiver.waitFor((r) => r.length === 3, "3 events");
    expect(receiver.rejected).toEqual([]);
    expect(types(receiver.received).sort()).toEqual([
      "payment_intent.amount_capturable_updated",
      "payment_intent.created",
      "payment_intent.succeeded",
    ]);
    const created = receiver.received.find((r) => r.event.type === "payment_intent.created")!;
    expect(created.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(created.event).toMatchObject({
      object: "event",
      api_version: "2026-10-28.endive",
      livemode: false,
      request: { id: expect.stringMatching(/^req_/), idempotency_key: "payses_1" },
    });
    expect(created.event.id).toMatch(/^evt_[A-Za-z0-9]{24}$/);
  });

  test("data.object is the PaymentIntent as it was when the event happened", async () => {
    const pi = await authorisedIntent();
    await stripe.paymentIntents.capture(pi.id);
    await receiver.waitFor((r) => r.length === 3, "3 events");
    const at = (type: string) => receiver.received.find((r) => r.event.type === type)!.event.data.object as Stripe.PaymentIntent;
    expect(at("payment_intent.created")).toMatchObject({ status: "requires_payment_method", amount_capturable: 0 });
    expect(at("payment_intent.amount_capturable_updated")).toMatchObject({ status: "requires_capture", amount_capturable: 1999 });
    expect(at("payment_intent.succeeded")).toMatchObject({
      status: "succeeded",
      amount_received: 1999,
      metadata: { checkout_attempt_id: "ca_1", session_id: "payses_1" },
    });
  });

  test("declines, 3DS and cancellation emit payment_failed, requires_action and canceled", async () => {
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: "usd", capture_method: "manual" });
    await stripe.paymentIntents.confirm(pi.id, { payment_method: "pm_card_chargeDeclined", return_url: RETURN_URL }).catch(() => {});
    await stripe.paymentIntents.confirm(pi.id, { payment_method: "pm_card_threeDSecureRequired", return_url: RETURN_URL });
    await stripe.paymentIntents.cancel(pi.id);
    await receiver.waitFor((r) => r.length === 4, "4 events");
    const failed = receiver.received.find((r) => r.event.type === "payment_intent.payment_failed")!.event.data.object as Stripe.PaymentIntent;
    expect(failed.last_payment_error?.code).toBe("card_declined");
    expect(types(receiver.received).sort()).toEqual([
      "payment_intent.canceled",
      "payment_intent.created",
      "payment_intent.payment_failed",
      "payment_intent.requires_action",
    ]);
  });

  test("events are listed newest first and retrieved by id through the API", async () => {
    const pi = await authorisedIntent();
    const list = await stripe.events.list({ limit: 10 });
    expect(list.data.map((e) => e.type)).toEqual(["payment_intent.amount_capturable_updated", "payment_intent.created"]);
    const one = await stripe.events.retrieve(list.data[1]!.id);
    expect((one.data.object as Stripe.PaymentIntent).id).toBe(pi.id);
    const filtered = await stripe.events.list({ type: "payment_intent.created" });
    expect(filtered.data).toHaveLength(1);
  });

  test("the body is the raw pretty-printed JSON that was signed; a re-serialized body fails verification", async () => {
    await authorisedIntent();
    await receiver.waitFor((r) => r.length === 2, "2 events");
    const { raw, signature } = receiver.received[0]!;
    expect(raw).toContain('\n  "id": "evt_');
    const verifier = new Stripe("sk_test_simulator");
    await expect(verifier.webhooks.constructEventAsync(JSON.stringify(JSON.parse(raw)), signature, WEBHOOK_SECRET)).rejects.toThrow();
    await expect(verifier.webhooks.constructEventAsync(raw, signature, "whsec_other")).rejects.toThrow();
  });

  test("pending_webhooks counts endpoints that have not yet acknowledged the event", async () => {
    receiver.answer = () => ({ status: 500 });
    await stripe.paymentIntents.create({ amount: 1000, currency: "usd" });
    await receiver.waitFor((r) => r.length >= 1, "a failed attempt");
    const [event] = (await stripe.events.list()).data;
    expect(event!.pending_webhooks).toBe(1);
    receiver.answer = () => ({ status: 200 });
    await receiver.waitFor((r) => r.length >= 2, "the retry");
    await waitIdle(sim);
    expect((await stripe.events.retrieve(event!.id)).pending_webhooks).toBe(0);
  });
});

describe("delivery and retries", () => {
  test("an endpoint answering 5xx is retried with growing backoff until it answers 2xx", async () => {
    receiver.answer = (_event, nth) => ({ status: nth <= 2 ? 503 : 200 });
    await stripe.paymentIntents.create({ amount: 1000, currency: "usd" });
    await receiver.waitFor((r) => r.length === 3, "3 attempts");
    await waitIdle(sim);
    const attempts = await deliveries(sim);
    expect(attempts.map((a) => [a.attempt, a.status, a.ok])).toEqual([
      [1, 503, false],
      [2, 503, false],
      [3, 200, true],
    ]);
    const gaps = receiver.received.slice(1).map((r, i) => r.at - receiver.received[i]!.at);
    expect(gaps[0]).toBeGreaterThanOrEqual(45); // retryBaseMs 50
    expect(gaps[1]).toBeGreaterThanOrEqual(95); // doubled
  });

  test("delivery gives up after maxAttempts", async () => {
    await sim.close();
    sim = await startTestSim({ webhookEndpoints: [{ url: receiver.url, secret: WEBHOOK_SECRET }], retryBaseMs: 5, maxAttempts: 3 });
    stripe = stripeClient(sim);
    receiver.answer = () => ({ status: 500 });
    await stripe.paymentIntents.create({ amount: 1000, currency: "usd" });
    await receiver.waitFor((r) => r.length === 3, "3 attempts");
    await waitIdle(sim);
    expect((await deliveries(sim)).map((a) => a.attempt)).toEqual([1, 2, 3]);
  });

  test("a receiver slower than the delivery timeout counts as a failed attempt", async () => {
    await sim.close();
    sim = await startTestSim({ webhookEndpoints: [{ url: receiver.url, secret: WEBHOOK_SECRET }], deliveryTimeoutMs: 100, retryBaseMs: 20 });
    stripe = stripeClient(sim);
    receiver.answer = (_event, nth) => ({ status: 200, delayMs: nth === 1 ? 300 : 0 });
    await stripe.paymentIntents.create({ amount: 1000, currency: "usd" });
    await receiver.waitFor((r) => r.length === 2, "the slow attempt and its retry");
    await waitIdle(sim);
    const attempts = await deliveries(sim);
    expect(attempts[0]).toMatchObject({ attempt: 1, ok: false, status: null, error: "timed out after 100 ms" });
    expect(attempts[1]).toMatchObject({ attempt: 2, ok: true, status: 200 });
  });

  test("an endpoint subscribed to some event types receives only those", async () => {
    const picky = await startReceiver("whsec_picky");
    await admin(sim, "POST", "/_sim/webhook_endpoints", { url: picky.url, secret: "whsec_picky", events: ["payment_intent.succeeded"] });
    const pi = await authorisedIntent();
    await stripe.paymentIntents.capture(pi.id);
    await picky.waitFor((r) => r.length === 1, "the succeeded event");
    await waitIdle(sim);
    expect(types(picky.received)).toEqual(["payment_intent.succeeded"]);
    expect(receiver.received).toHaveLength(3);
    await picky.close();
  });

  test("endpoints are added and removed at runtime; a generated secret is returned", async () => {
    const { data } = await admin<{ data: { id: string }[] }>(sim, "GET", "/_sim/webhook_endpoints");
    await admin(sim, "DELETE", `/_sim/webhook_endpoints/${data[0]!.id}`);
    const extra = await admin<{ id: string; secret: string }>(sim, "POST", "/_sim/webhook_endpoints", { url: receiver.url });
    expect(extra.secret).toMatch(/^whsec_/);
    await stripe.paymentIntents.create({ amount: 1000, currency: "usd" });
    await receiver.waitFor((r) => r.length + receiver.rejected.length === 1, "one delivery");
    // Signed with the new endpoint's secret, so our receiver (old secret) rejects it.
    expect(receiver.rejected).toHaveLength(1);
  });
});

describe("test controls", () => {
  test("hold, then deliver succeeded before created", async () => {
    await admin(sim, "POST", "/_sim/webhooks/hold");
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: "usd", allowed_payment_method_types: ["card"], confirm: true, payment_method: "pm_card_visa" });
    expect(pi.status).toBe("succeeded");
    await waitIdle(sim);
    expect(receiver.received).toHaveLength(0);
    const held = await admin<{ data: { event_type: string }[] }>(sim, "GET", "/_sim/webhooks/held");
    expect(held.data.map((h) => h.event_type)).toEqual(["payment_intent.created", "payment_intent.succeeded"]);
    await admin(sim, "POST", "/_sim/webhooks/release", { order: "reverse" });
    expect(types(receiver.received)).toEqual(["payment_intent.succeeded", "payment_intent.created"]);
  });

  test("release with event_ids sends exactly those events in that order and keeps holding the rest", async () => {
    await admin(sim, "POST", "/_sim/webhooks/hold");
    const pi = await authorisedIntent();
    await stripe.paymentIntents.capture(pi.id);
    const events = await simEvents(sim);
    const [created, , succeeded] = events;
    await admin(sim, "POST", "/_sim/webhooks/release", { event_ids: [succeeded!.id, created!.id] });
    expect(types(receiver.received)).toEqual(["payment_intent.succeeded", "payment_intent.created"]);
    expect((await admin<{ held: number; holding: boolean }>(sim, "GET", "/_sim/webhooks"))).toMatchObject({ held: 1, holding: true });
    await admin(sim, "POST", "/_sim/webhooks/release");
    expect(types(receiver.received)[2]).toBe("payment_intent.amount_capturable_updated");
  });

  test("duplicate sends the next event several times at once", async () => {
    await admin(sim, "POST", "/_sim/webhooks/duplicate", { events: 1, times: 5, concurrent: true });
    receiver.answer = () => ({ status: 200, delayMs: 100 });
    await stripe.paymentIntents.create({ amount: 1000, currency: "usd" });
    await receiver.waitFor((r) => r.length === 5, "5 copies");
    const ids = new Set(receiver.received.map((r) => r.event.id));
    expect(ids.size).toBe(1);
    const starts = (await deliveries(sim)).map((d) => Date.parse(d.started_at));
    // All five were in flight together: each answer took 100 ms, yet they started within 50 ms.
    expect(Math.max(...starts) - Math.min(...starts)).toBeLessThan(50);
    // Only the next event is duplicated.
    await stripe.paymentIntents.create({ amount: 1000, currency: "usd" });
    await receiver.waitFor((r) => r.length === 6, "one more");
    await waitIdle(sim);
    expect(receiver.received).toHaveLength(6);
  });

  test("fail_next makes the next attempts to an endpoint fail without reaching it; retries then arrive", async () => {
    const { data } = await admin<{ data: { id: string }[] }>(sim, "GET", "/_sim/webhook_endpoints");
    await admin(sim, "POST", "/_sim/webhooks/fail_next", { count: 2, endpoint_id: data[0]!.id });
    await stripe.paymentIntents.create({ amount: 1000, currency: "usd" });
    await receiver.waitFor((r) => r.length === 1, "the third attempt");
    await waitIdle(sim);
    const attempts = await deliveries(sim);
    expect(attempts.map((a) => [a.attempt, a.simulated_failure, a.ok])).toEqual([
      [1, true, false],
      [2, true, false],
      [3, false, true],
    ]);
  });

  test("fail_next with object_id fails only the deliveries about that object, retries included, until it is removed", async () => {
    const failing = await stripe.paymentIntents.create({ amount: 1000, currency: "usd" });
    const about = (id: string) => receiver.received.filter((x) => (x.event.data.object as Stripe.PaymentIntent).id === id);
    await receiver.waitFor(() => about(failing.id).length === 1, "the created event, before the rule");
    await admin(sim, "POST", "/_sim/webhooks/fail_next", { count: 100, object_id: failing.id });
    const state = await admin<{ fail_next: unknown[] }>(sim, "GET", "/_sim/webhooks");
    expect(state.fail_next).toEqual([{ count: 100, endpoint_id: null, object_id: failing.id }]);

    await stripe.paymentIntents.cancel(failing.id);
    const other = await stripe.paymentIntents.create({ amount: 2000, currency: "usd" });
    await receiver.waitFor(() => about(other.id).length === 1, "the other intent's event");
    const deadline = Date.now() + 5_000;
    while ((await deliveries(sim)).filter((a) => a.simulated_failure).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const failed = (await deliveries(sim)).filter((a) => a.simulated_failure);
    // The canceled event and its retries failed without reaching the endpoint.
    expect(failed.map((a) => [a.event_type, a.attempt]).slice(0, 3)).toEqual([
      ["payment_intent.canceled", 1],
      ["payment_intent.canceled", 2],
      ["payment_intent.canceled", 3],
    ]);
    expect(about(failing.id).map((x) => x.event.type)).toEqual(["payment_intent.created"]);

    // Removed: the next retry arrives.
    await admin(sim, "POST", "/_sim/webhooks/fail_next", { count: 0, object_id: failing.id });
    expect((await admin<{ fail_next: unknown[] }>(sim, "GET", "/_sim/webhooks")).fail_next).toEqual([]);
    await receiver.waitFor(() => about(failing.id).length === 2, "the canceled event, retried");
    expect(about(failing.id).map((x) => x.event.type)).toEqual(["payment_intent.created", "payment_intent.canceled"]);
  });

  test("an event can be redelivered on demand", async () => {
    await stripe.paymentIntents.create({ amount: 1000, currency: "usd" });
    await receiver.waitFor((r) => r.length === 1, "the first delivery");
    const [event] = await simEvents(sim);
    const result = await admin<{ data: { reason: string; ok: boolean }[] }>(sim, "POST", `/_sim/events/${event!.id}/redeliver`);
    expect(result.data).toMatchObject([{ reason: "redeliver", ok: true }]);
    expect(receiver.received.map((r) => r.event.id)).toEqual([event!.id, event!.id]);
  });

  test("trigger emits any event type for a PaymentIntent, e.g. succeeded while it is still unpaid", async () => {
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: "usd" });
    const event = await admin<{ id: string; type: string }>(sim, "POST", `/_sim/payment_intents/${pi.id}/trigger`, { type: "payment_intent.processing" });
    expect(event.type).toBe("payment_intent.processing");
    await receiver.waitFor((r) => r.some((x) => x.event.id === event.id), "the triggered event");
    const delivered = receiver.received.find((x) => x.event.id === event.id)!.event;
    expect((delivered.data.object as Stripe.PaymentIntent).id).toBe(pi.id);
    expect(delivered.request).toEqual({ id: null, idempotency_key: null });
  });

  test("delay holds each delivery back by the given time", async () => {
    await admin(sim, "POST", "/_sim/webhooks/delay", { ms: 200 });
    const sent = Date.now();
    await stripe.paymentIntents.create({ amount: 1000, currency: "usd" });
    await receiver.waitFor((r) => r.length === 1, "the delayed delivery");
    expect(receiver.received[0]!.at - sent).toBeGreaterThanOrEqual(190);
  });

  test("reset forgets intents, events, deliveries and controls, and restores the configured endpoints", async () => {
    await admin(sim, "POST", "/_sim/webhook_endpoints", { url: receiver.url, secret: "whsec_x" });
    await admin(sim, "POST", "/_sim/webhooks/hold");
    await stripe.paymentIntents.create({ amount: 1000, currency: "usd" });
    await admin(sim, "POST", "/_sim/reset");
    expect((await admin<{ data: unknown[] }>(sim, "GET", "/_sim/payment_intents")).data).toEqual([]);
    expect(await simEvents(sim)).toEqual([]);
    expect((await admin<{ data: unknown[] }>(sim, "GET", "/_sim/webhook_endpoints")).data).toHaveLength(1);
    expect(await admin(sim, "GET", "/_sim/webhooks")).toMatchObject({ holding: false, held: 0 });
    await stripe.paymentIntents.create({ amount: 1000, currency: "usd" });
    await receiver.waitFor((r) => r.length === 1, "delivery after reset");
  });
});
