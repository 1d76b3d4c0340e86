// Medusa's own, unmodified Stripe provider (@medusajs/payment-stripe 2.21.2 with its
// stripe-node 15 and API version 2024-04-10) against the simulator: the calls a Medusa
// checkout makes, and its webhook parsing of the simulator's signed deliveries.
// Needs dev/medusa's dependencies; skipped (with a note) where they are not installed.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type Stripe from "stripe";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import {
  PUBLISHABLE_KEY,
  SECRET_KEY,
  WEBHOOK_SECRET,
  admin,
  startReceiver,
  startTestSim,
  stripeClient,
  type Receiver,
  type TestSim,
} from "./support.ts";

const MEDUSA_PACKAGE = fileURLToPath(new URL("../../dev/medusa/package.json", import.meta.url));
const PROVIDER_DIR = fileURLToPath(new URL("../../dev/medusa/node_modules/@medusajs/payment-stripe", import.meta.url));
const installed = existsSync(PROVIDER_DIR);

type Result = { id?: string; status?: string; data?: Record<string, unknown> };
type WebhookResult = { action: string; data?: { session_id: string; amount: number } };
type Provider = {
  stripe_: unknown;
  initiatePayment(input: unknown): Promise<Result>;
  authorizePayment(input: unknown): Promise<Result>;
  updatePayment(input: unknown): Promise<Result>;
  capturePayment(input: unknown): Promise<Result>;
  cancelPayment(input: unknown): Promise<Result>;
  refundPayment(input: unknown): Promise<Result>;
  retrievePayment(input: unknown): Promise<Result>;
  getWebhookActionAndData(input: unknown): Promise<WebhookResult>;
};

let sim: TestSim;
let receiver: Receiver;
let provider: Provider;
let browser: Stripe;

describe.skipIf(!installed)("Medusa's Stripe provider against the simulator", () => {
  beforeAll(async () => {
    receiver = await startReceiver();
    sim = await startTestSim({ webhookEndpoints: [{ url: receiver.url, secret: WEBHOOK_SECRET }] });
    const medusaRequire = createRequire(MEDUSA_PACKAGE);
    const { StripeProviderService } = medusaRequire("@medusajs/payment-stripe/dist/services") as {
      StripeProviderService: new (cradle: object, options: object) => Provider;
    };
    // The provider builds `new Stripe(apiKey)` with no host option: swap in its own
    // stripe-node copy pointed at the simulator (as dev/medusa's stripe-simulated module does).
    const ProviderStripe = createRequire(medusaRequire.resolve("@medusajs/payment-stripe"))("stripe") as new (
      key: string,
      config: object,
    ) => unknown;
    provider = new StripeProviderService({}, { apiKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET });
    provider.stripe_ = new ProviderStripe(SECRET_KEY, { host: "127.0.0.1", port: sim.port, protocol: "http", maxNetworkRetries: 0 });
    browser = stripeClient(sim, PUBLISHABLE_KEY);
  });
  afterAll(async () => {
    await sim.close();
    await receiver.close();
  });
  beforeEach(async () => {
    await admin(sim, "POST", "/_sim/reset");
    receiver.received.length = 0;
  });

  async function initiate(sessionId: string) {
    return provider.initiatePayment({
      amount: 19.99,
      currency_code: "usd",
      data: { session_id: sessionId, metadata: { checkout_attempt_id: "ca_medusa" } },
      context: { idempotency_key: sessionId },
    });
  }

  // What the Payment Element does in the shopper's browser.
  async function payInBrowser(session: Result, card = "pm_card_visa") {
    const data = session.data as { id: string; client_secret: string };
    return browser.paymentIntents.confirm(data.id, { client_secret: data.client_secret, payment_method: card } as Stripe.PaymentIntentConfirmParams);
  }

  test("initiatePayment creates a manual-capture intent with the session id as idempotency key and in metadata", async () => {
    const session = await initiate("payses_m1");
    expect(session.status).toBe("pending");
    expect(session.data).toMatchObject({ amount: 1999, currency: "usd", capture_method: "manual", status: "requires_payment_method" });
    expect(session.data?.client_secret).toMatch(/_secret_/);
    const { data: requests } = await admin<{ data: { idempotency_key: string; params: Record<string, unknown> }[] }>(sim, "GET", "/_sim/requests?method=POST");
    expect(requests[0]).toMatchObject({
      idempotency_key: "payses_m1",
      params: { metadata: { checkout_attempt_id: "ca_medusa", session_id: "payses_m1" }, expand: ["payment_method"] },
    });
    // Medusa retries a session creation with the same key: same intent.
    expect((await initiate("payses_m1")).id).toBe(session.id);
  });

  test("after the browser pays, authorizePayment reports authorized, then capturePayment captures (twice is harmless)", async () => {
    const session = await initiate("payses_m2");
    await payInBrowser(session);
    const authorized = await provider.authorizePayment({ data: session.data });
    expect(authorized.status).toBe("authorized");
    const captured = await provider.capturePayment({ data: session.data, context: { idempotency_key: "capture_1" } });
    expect(captured.data).toMatchObject({ status: "succeeded", amount_received: 1999 });
    // A second capture hits payment_intent_unexpected_state; the provider accepts the intent in the error.
    const again = await provider.capturePayment({ data: session.data, context: { idempotency_key: "capture_2" } });
    expect(again.data).toMatchObject({ status: "succeeded" });
    await provider.refundPayment({ amount: 5, data: session.data, context: { idempotency_key: "refund_1" } });
    const refunds = await admin<{ data: { path: string; status: number }[] }>(sim, "GET", "/_sim/requests?path_prefix=/v1/refunds");
    expect(refunds.data).toMatchObject([{ status: 200 }]);
  });

  test("a declined card makes the session an error; a changed total updates the amount", async () => {
    const session = await initiate("payses_m3");
    const updated = await provider.updatePayment({ data: session.data, amount: 25.5, currency_code: "usd", context: {} });
    expect(updated.data).toMatchObject({ amount: 2550 });
    await payInBrowser({ data: updated.data }, "pm_card_chargeDeclined").catch(() => {});
    expect((await provider.authorizePayment({ data: session.data })).status).toBe("error");
  });

  test("cancelPayment cancels, and cancelling again returns the canceled intent from the error", async () => {
    const session = await initiate("payses_m4");
    expect((await provider.cancelPayment({ data: session.data, context: {} })).data).toMatchObject({ status: "canceled" });
    expect((await provider.cancelPayment({ data: session.data, context: {} })).data).toMatchObject({ status: "canceled" });
  });

  test("the provider verifies the simulator's signed webhooks (stripe-node 15) and maps them to Medusa actions", async () => {
    const session = await initiate("payses_m5");
    await payInBrowser(session);
    await provider.capturePayment({ data: session.data, context: {} });
    await receiver.waitFor((r) => r.length === 3, "created, amount_capturable_updated, succeeded");
    const actionFor = async (type: string) => {
      const delivery = receiver.received.find((r) => r.event.type === type)!;
      return provider.getWebhookActionAndData({
        data: JSON.parse(delivery.raw) as unknown,
        rawData: Buffer.from(delivery.raw),
        headers: { "stripe-signature": delivery.signature },
      });
    };
    expect(await actionFor("payment_intent.amount_capturable_updated")).toEqual({
      action: "authorized",
      data: { session_id: "payses_m5", amount: 19.99 },
    });
    expect(await actionFor("payment_intent.succeeded")).toEqual({ action: "captured", data: { session_id: "payses_m5", amount: 19.99 } });
    expect((await actionFor("payment_intent.created")).action).toBe("pending");
  });
});
