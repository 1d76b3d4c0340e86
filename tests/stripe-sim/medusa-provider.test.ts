// Medusa's own, unmodified Stripe provider (@medusajs/payment-stripe 2.21.2 with its
// stripe-node 15 and API version 2024-04-10) against the simulator: the calls a Medusa
// checkout makes, its webhook parsing of the simulator's signed deliveries, and the account
// holder / saved payment method calls of customer accounts (issue 11).
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
  createAccountHolder(input: unknown): Promise<Result>;
  updateAccountHolder(input: unknown): Promise<Result>;
  deleteAccountHolder(input: unknown): Promise<Result>;
  listPaymentMethods(input: unknown): Promise<{ id: string; data: Record<string, unknown> }[]>;
  savePaymentMethod(input: unknown): Promise<Result>;
  deletePaymentMethod(input: unknown): Promise<Result>;
};

// A Medusa customer as the provider's account-holder hooks receive it (CustomerDTO).
const MEDUSA_CUSTOMER = {
  id: "cus_01MEDUSA",
  email: "ada@example.com",
  first_name: "Ada",
  last_name: "Lovelace",
  company_name: null,
  phone: null,
  billing_address: {
    address_1: "1 St James's Square",
    address_2: null,
    city: "London",
    country_code: "gb",
    postal_code: "SW1Y 4JH",
    province: null,
  },
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

  test("createAccountHolder makes a Stripe customer from Medusa's (again with the same key: the same one), updateAccountHolder and deleteAccountHolder follow, with customer.* webhooks", async () => {
    const context = { customer: MEDUSA_CUSTOMER, idempotency_key: "acchld_1" };
    const holder = await provider.createAccountHolder({ context });
    expect(holder.id).toMatch(/^cus_/);
    expect(holder.data).toMatchObject({
      id: holder.id,
      email: "ada@example.com",
      name: "Ada Lovelace",
      phone: null,
      address: { line1: "1 St James's Square", line2: null, city: "London", postal_code: "SW1Y 4JH", state: null },
    });
    expect((await provider.createAccountHolder({ context })).id).toBe(holder.id);
    const account_holder = { data: holder.data };
    const updated = await provider.updateAccountHolder({
      context: { account_holder, customer: { ...MEDUSA_CUSTOMER, email: "ada@new.example", phone: "+44 20 7946 0000" }, idempotency_key: "acchld_u1" },
    });
    expect(updated.data).toMatchObject({ id: holder.id, email: "ada@new.example", phone: "+44 20 7946 0000" });
    expect(await provider.deleteAccountHolder({ context: { account_holder } })).toEqual({});
    await receiver.waitFor((r) => r.some((x) => x.event.type === "customer.deleted"), "customer.deleted");
    expect(receiver.received.map((r) => r.event.type)).toEqual(["customer.created", "customer.updated", "customer.deleted"]);
    const update = receiver.received[1]!.event;
    expect(update.data.previous_attributes).toEqual({ email: "ada@example.com", phone: null });
  });

  test("savePaymentMethod starts a SetupIntent for the account holder; once the browser confirms it, listPaymentMethods shows the card, an off-session initiatePayment pays with it, deletePaymentMethod detaches it", async () => {
    const holder = await provider.createAccountHolder({ context: { customer: MEDUSA_CUSTOMER, idempotency_key: "acchld_2" } });
    const account_holder = { data: holder.data };
    expect(await provider.listPaymentMethods({ context: { account_holder } })).toEqual([]);
    const saved = await provider.savePaymentMethod({ context: { account_holder, idempotency_key: "save_1" }, data: { metadata: { source: "account" } } });
    expect(saved.id).toMatch(/^seti_/);
    expect(saved.data).toMatchObject({ customer: holder.id, status: "requires_payment_method", usage: "off_session", metadata: { source: "account" } });
    // Medusa retries with the same idempotency key: the same SetupIntent.
    expect((await provider.savePaymentMethod({ context: { account_holder, idempotency_key: "save_1" }, data: { metadata: { source: "account" } } })).id).toBe(saved.id);
    // The browser confirms the SetupIntent (Stripe.js with the publishable key).
    const si = saved.data as { id: string; client_secret: string };
    const confirmed = await browser.setupIntents.confirm(si.id, { client_secret: si.client_secret, payment_method: "pm_card_mastercard" } as Stripe.SetupIntentConfirmParams);
    expect(confirmed.status).toBe("succeeded");

    const methods = await provider.listPaymentMethods({ context: { account_holder } });
    expect(methods).toHaveLength(1);
    expect(methods[0]!.data).toMatchObject({ id: methods[0]!.id, customer: holder.id, card: { brand: "mastercard", last4: "4444", exp_month: 12 } });

    const session = await provider.initiatePayment({
      amount: 19.99,
      currency_code: "usd",
      data: { session_id: "payses_saved", payment_method: methods[0]!.id, off_session: true, confirm: true },
      context: { idempotency_key: "payses_saved", account_holder },
    });
    expect(session.status).toBe("authorized");
    expect(session.data).toMatchObject({ status: "requires_capture", customer: holder.id, payment_method: { id: methods[0]!.id } });

    expect(await provider.deletePaymentMethod({ context: { idempotency_key: "delpm_1" }, data: { id: methods[0]!.id } })).toEqual({});
    expect(await provider.listPaymentMethods({ context: { account_holder } })).toEqual([]);
    await receiver.waitFor((r) => r.some((x) => x.event.type === "payment_method.detached"), "payment_method.detached");
    const types = receiver.received.map((r) => r.event.type);
    for (const type of ["setup_intent.created", "payment_method.attached", "setup_intent.succeeded", "payment_intent.amount_capturable_updated", "payment_method.detached"]) {
      expect(types).toContain(type);
    }
  });

  test("an off-session initiatePayment with a saved 3D Secure card makes the session an error carrying authentication_required", async () => {
    const holder = await provider.createAccountHolder({ context: { customer: MEDUSA_CUSTOMER, idempotency_key: "acchld_3" } });
    const account_holder = { data: holder.data };
    const saved = await provider.savePaymentMethod({ context: { account_holder, idempotency_key: "save_3ds" }, data: {} });
    const si = saved.data as { id: string; client_secret: string };
    const pending = await browser.setupIntents.confirm(si.id, { client_secret: si.client_secret, payment_method: "pm_card_authenticationRequired" } as Stripe.SetupIntentConfirmParams);
    expect(pending.status).toBe("requires_action");
    await fetch(`${sim.url}/v1/setup_intents/${si.id}/_authenticate`, {
      method: "POST",
      headers: { authorization: `Bearer ${SECRET_KEY}`, "content-type": "application/x-www-form-urlencoded" },
      body: "result=approve",
    });
    const [method] = await provider.listPaymentMethods({ context: { account_holder } });
    const session = await provider.initiatePayment({
      amount: 19.99,
      currency_code: "usd",
      data: { session_id: "payses_3ds", payment_method: method!.id, off_session: true, confirm: true },
      context: { idempotency_key: "payses_3ds", account_holder },
    });
    expect(session.status).toBe("error");
    expect(session.data).toMatchObject({ status: "requires_payment_method", last_payment_error: { code: "authentication_required" } });
  });
});
