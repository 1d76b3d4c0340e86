// One structured log line per request, a journal tests can query, and neither ever holds a
// full client secret or card number.
import { afterAll, beforeAll, expect, test } from "vitest";
import { PUBLISHABLE_KEY, admin, startTestSim, stripeClient, type TestSim } from "./support.ts";

let sim: TestSim;
beforeAll(async () => {
  sim = await startTestSim();
});
afterAll(() => sim.close());

test("one JSON log line per request, with no full client secret or card number anywhere", async () => {
  const stripe = stripeClient(sim);
  const browser = stripeClient(sim, PUBLISHABLE_KEY);
  const pi = await stripe.paymentIntents.create({ amount: 1000, currency: "usd", allowed_payment_method_types: ["card"] });
  const secret = pi.client_secret ?? "";
  const before = sim.logs.length;
  await browser.paymentIntents.retrieve(pi.id, { client_secret: secret });
  await browser.paymentMethods.create({
    type: "card",
    card: { number: "4000000000000002", exp_month: 12, exp_year: new Date().getFullYear() + 1, cvc: "123" },
  });
  const requestLines = sim.logs.slice(before).filter((l) => l.msg === "stripe-sim request");
  expect(requestLines).toHaveLength(2);
  expect(requestLines[0]).toMatchObject({ method: "GET", status: 200, key_type: "publishable", request_id: expect.stringMatching(/^req_/) });

  const journal = await admin<{ data: { params: Record<string, unknown> }[] }>(sim, "GET", "/_sim/requests");
  expect(journal.data.at(-1)?.params).toMatchObject({ card: { number: "…0002", cvc: "[redacted]" } });
  const everything = JSON.stringify(sim.logs) + JSON.stringify(journal);
  expect(everything).not.toContain(secret);
  expect(everything).not.toContain("4000000000000002");
  expect(everything).toContain(`${pi.id}_secret_[redacted]`);
});

test("the request journal shows what a client sent, e.g. Medusa's metadata and idempotency key", async () => {
  await stripeClient(sim).paymentIntents.create(
    { amount: 1999, currency: "usd", capture_method: "manual", metadata: { checkout_attempt_id: "ca_9", session_id: "payses_9" }, expand: ["payment_method"] },
    { idempotencyKey: "payses_9" },
  );
  const journal = await admin<{ data: { idempotency_key: string; params: Record<string, unknown> }[] }>(
    sim,
    "GET",
    "/_sim/requests?method=POST&path_prefix=/v1/payment_intents",
  );
  expect(journal.data.at(-1)).toMatchObject({
    idempotency_key: "payses_9",
    params: { amount: "1999", metadata: { checkout_attempt_id: "ca_9", session_id: "payses_9" }, expand: ["payment_method"] },
  });
});
