// prepare-for-payment's orchestration (checkout contract, section 2) against a scripted
// Medusa (tests/support/scripted-medusa.ts) that fails any call in any way: the exact
// calls made, the compensations after each failure, and the answer the shopper gets.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ATTEMPT_TTL_SECONDS, attemptRecord } from "../../app/lib/checkout/attempts.server";
import type { CheckoutErrorBody, CheckoutSuccessBody } from "../../app/lib/checkout/contract";
import { prepareRequest } from "../../app/lib/checkout/contract";
import type { OpenAttempt } from "../../app/lib/checkout/open-attempts";
import { prepareForPayment, type PrepareDeps } from "../../app/lib/checkout/prepare/medusa-steps.server";
import type { CheckoutAnswer } from "../../app/lib/http/answer";
import { createLogger } from "../../app/lib/log.server";
import { createMedusaClient } from "../../app/lib/medusa/client.server";
import { createStripePaymentSession } from "../../app/lib/medusa/payment.server";
import { toMinorUnits } from "../../app/lib/money";
import { FAULT_KINDS, ScriptedKv, ScriptedMedusa, stripeProviderAmount, type Address, type FaultKind } from "../support/scripted-medusa.ts";

const TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
const TIMEOUT_MS = 40;

const TEXAS: Address = {
  first_name: "Ada", last_name: "Lovelace", company: null, address_1: "1100 Congress Ave", address_2: null,
  city: "Austin", postal_code: "78701", province: "us-tx", country_code: "us", phone: null,
};
const CALIFORNIA: Address = {
  first_name: "Grace", last_name: "Hopper", company: null, address_1: "100 Main St", address_2: null,
  city: "Los Angeles", postal_code: "90012", province: "us-ca", country_code: "us", phone: null,
};
const TEXAS_INPUT = { first_name: "Ada", last_name: "Lovelace", address_1: "1100 Congress Ave", city: "Austin", postal_code: "78701", province: "us-tx", country_code: "us" };
const SHIPPING_OPTIONS = [
  { id: "so_standard", name: "Standard Shipping", amount: 5 },
  { id: "so_express", name: "Express Shipping", amount: 15 },
  { id: "so_texas", name: "Texas Courier", amount: 12, provinces: ["us-tx"] },
  { id: "so_pickup", name: "Pickup", amount: 0 },
];
const TEE = { variant_id: "variant_tee_m", product_title: "Organic Cotton Tee", quantity: 2, unit_price: 19.99 };
const NOTEBOOK = { variant_id: "variant_notebook", product_title: "Dot Grid Notebook", quantity: 1, unit_price: 7.5 };
const PREVIOUS_ATTEMPT = "ca_PREVIOUSATTEMPT000000000000";

/** The shopper's submission as the route hands it over (parsed by the request schema). */
function submission(extra: Record<string, unknown> = {}) {
  return prepareRequest.parse({
    email: "grace@Example.COM",
    shipping_address: { first_name: "Grace", last_name: "Hopper", address_1: "100 Main St", city: "Los Angeles", postal_code: "90012", province: "us-ca", country_code: "us" },
    shipping_option_id: "so_standard",
    ...extra,
  });
}

let logLines: string[] = [];
beforeEach(() => {
  logLines = [];
  const capture = (line: unknown) => void logLines.push(String(line));
  vi.spyOn(console, "log").mockImplementation(capture);
  vi.spyOn(console, "error").mockImplementation(capture);
});
afterEach(() => vi.restoreAllMocks());

/** A scripted shop with one cart, and the dependencies prepare-for-payment runs with. */
function shopWith(cart: "prepared" | "fresh" | "empty" | "completed", options: { currency?: string; unitPrice?: number } = {}) {
  const shop = new ScriptedMedusa({ shippingOptions: SHIPPING_OPTIONS });
  const items = [{ ...TEE, ...(options.unitPrice === undefined ? {} : { unit_price: options.unitPrice, quantity: 1 }) }];
  const id = `cart_${cart}`;
  if (cart === "prepared") {
    // As a previous prepare left it: details, the Texas-only option, a collection with a session.
    shop.addCart({
      id, items, email: "ada@example.com", shipping_address: TEXAS, billing_address: TEXAS,
      metadata: { checkout_attempt_id: PREVIOUS_ATTEMPT, gift_note: "keep" }, shipping_option_ids: ["so_texas"], with_payment_collection: true,
    });
  } else {
    shop.addCart({ id, items: cart === "empty" ? [] : items, currency_code: options.currency, completed_at: cart === "completed" ? "2026-01-01T00:00:00.000Z" : null });
  }
  const kv = new ScriptedKv(shop.calls);
  const logger = createLogger(TRACE_ID, "/api/carts/:id/prepare-for-payment");
  const medusa = createMedusaClient({ baseUrl: "http://medusa.test", publishableKey: "pk_test_scripted", timeoutMs: TIMEOUT_MS, logger, fetch: shop.fetch });
  const collectionId = shop.cart(id).payment_collection?.id ?? "(none)";
  const indexed: OpenAttempt[] = [];
  const paths = {
    cart: `/store/carts/${id}`,
    shipping: `/store/carts/${id}/shipping-methods`,
    collections: "/store/payment-collections",
    sessions: `/store/payment-collections/${collectionId}/payment-sessions`,
  };
  return { shop, kv, id, paths, run: (input = submission(), cartId = id) => prepareForPayment(
        {
          medusa,
          attempts: kv.asBinding(),
          logger,
          openAttempts: indexOf(indexed),
          customer: null,
          createSession: (collection, attempt, options) => createStripePaymentSession(medusa, collection, attempt, options),
        },
        cartId,
        input,
      ), indexed };
}

/** The reconciler's index of open attempts: what prepare added to it. */
function indexOf(indexed: OpenAttempt[]): PrepareDeps["openAttempts"] {
  return {
    add: async (entry) => {
      indexed.push(entry);
    },
  };
}

function success(answer: CheckoutAnswer): CheckoutSuccessBody {
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body as CheckoutSuccessBody;
}
function failure(answer: CheckoutAnswer): CheckoutErrorBody["error"] {
  expect(answer.status, JSON.stringify(answer.body)).not.toBe(200);
  return (answer.body as CheckoutErrorBody).error;
}

/** What prepare-for-payment may change on a cart, as Medusa holds it. */
function detailsOf(cart: ReturnType<ScriptedMedusa["cart"]>) {
  const address = (value: typeof cart.shipping_address) => {
    if (!value) return null;
    const { id: _id, ...fields } = value;
    return fields;
  };
  return {
    email: cart.email,
    shipping_address: address(cart.shipping_address),
    billing_address: address(cart.billing_address),
    metadata: cart.metadata,
    shipping_options: cart.shipping_methods.map((method) => method.shipping_option_id),
  };
}
const PREPARED_DETAILS = {
  email: "ada@example.com",
  shipping_address: TEXAS,
  billing_address: TEXAS,
  metadata: { checkout_attempt_id: PREVIOUS_ATTEMPT, gift_note: "keep" },
  shipping_options: ["so_texas"],
};

const STATUS_OF = { backend_error: 502, backend_timeout: 504, shipping_option_unavailable: 422 } as const;
function expectedCode(step: string, kind: FaultKind): keyof typeof STATUS_OF {
  if (kind === "timeout") return "backend_timeout";
  if (kind === "http_4xx" && step === "add_shipping_method") return "shipping_option_unavailable";
  return "backend_error";
}

describe("prepare-for-payment against a scripted Medusa", () => {
  it("on success makes exactly: read, update, shipping method, payment session, verify read, then the attempt write", async () => {
    const { shop, kv, run, paths, id, indexed } = shopWith("prepared");
    const answer = success(await run());
    // Known to the reconciler (its log line comes before the payment session's, see below).
    expect(indexed).toEqual([{ attempt_id: answer.checkout_attempt_id, cart_id: id, created_at: expect.any(String) }]);
    expect(shop.requests()).toEqual([
      `GET ${paths.cart}`,
      `POST ${paths.cart}`,
      `POST ${paths.shipping}`,
      `POST ${paths.sessions}`,
      `GET ${paths.cart}`,
      `KV put attempt:${answer.checkout_attempt_id}`,
    ]);
    const [, update, shipping, session] = shop.calls;
    // Billing defaults to the shipping address; the attempt id goes to cart metadata and,
    // as the only thing besides Medusa's own, to the PaymentIntent's metadata.
    expect(update!.body).toEqual({
      email: "grace@example.com",
      shipping_address: CALIFORNIA,
      billing_address: CALIFORNIA,
      metadata: { checkout_attempt_id: answer.checkout_attempt_id },
    });
    expect(shipping!.body).toEqual({ option_id: "so_standard" });
    expect(session!.body).toEqual({ provider_id: "pp_stripe_stripe", data: { metadata: { checkout_attempt_id: answer.checkout_attempt_id } } });
    // Every Medusa call carries the request's trace id.
    expect(new Set(shop.calls.filter((call) => !call.call.startsWith("KV")).map((call) => call.requestId))).toEqual(new Set([TRACE_ID]));

    const cart = shop.cart(id);
    expect(answer).toMatchObject({ amount: stripeProviderAmount(cart.total, "usd"), currency_code: "usd", trace_id: TRACE_ID });
    expect(answer.client_secret).toMatch(/^pi_\w+_secret_\w+$/);
    expect(detailsOf(cart)).toEqual({
      email: "grace@example.com",
      shipping_address: CALIFORNIA,
      billing_address: CALIFORNIA,
      metadata: { checkout_attempt_id: answer.checkout_attempt_id, gift_note: "keep" },
      shipping_options: ["so_standard"],
    });

    const stored = kv.entries.get(`attempt:${answer.checkout_attempt_id}`)!;
    expect(stored.expirationTtl).toBeGreaterThanOrEqual(3 * 24 * 60 * 60);
    expect(stored.expirationTtl).toBe(ATTEMPT_TTL_SECONDS);
    expect(attemptRecord.parse(JSON.parse(stored.value))).toMatchObject({
      id: answer.checkout_attempt_id, cart_id: id, status: "prepared", amount: answer.amount, currency_code: "usd",
      payment_intent_id: answer.payment_intent_id, email: "grace@example.com", trace_ids: [TRACE_ID],
      // Like the totals, in minor units: the tee's 19.99 is 1999 cents.
      items: [{ title: "Organic Cotton Tee", variant_id: "variant_tee_m", quantity: 2, unit_price: 1999 }],
    });
  });

  it("on a cart without a payment collection, gets or creates it before the session", async () => {
    const { shop, run, paths } = shopWith("fresh");
    const answer = success(await run());
    const collectionId = shop.cart("cart_fresh").payment_collection!.id;
    expect(shop.requests()).toEqual([
      `GET ${paths.cart}`,
      `POST ${paths.cart}`,
      `POST ${paths.shipping}`,
      `POST ${paths.collections}`,
      `POST /store/payment-collections/${collectionId}/payment-sessions`,
      `GET ${paths.cart}`,
      `KV put attempt:${answer.checkout_attempt_id}`,
    ]);
    expect(shop.calls[3]!.body).toEqual({ cart_id: "cart_fresh" });
  });

  it("logs one line per step with the trace id, and never the client secret or the full email", async () => {
    const { run } = shopWith("prepared");
    const answer = success(await run());
    const lines = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.every((line) => line.trace_id === TRACE_ID)).toBe(true);
    const steps = lines.filter((line) => line.msg === line.step).map((line) => line.step);
    expect(steps).toEqual(["read_cart", "update_cart", "add_shipping_method", "index_attempt", "create_payment_session", "verify_amount", "write_attempt"]);
    const all = logLines.join("\n");
    expect(all).not.toContain(answer.client_secret);
    expect(all).not.toContain("_secret_");
    expect(all).not.toContain("grace@");
  });

  describe("a failed read of the cart changes nothing", () => {
    it.each(FAULT_KINDS)("%s: no write, no rollback", async (kind) => {
      const { shop, kv, run, paths } = shopWith("prepared");
      shop.fail({ method: "GET", path: paths.cart, kind });
      const error = failure(await run());
      expect(error).toMatchObject({ code: kind === "timeout" ? "backend_timeout" : "backend_error", step: "read_cart" });
      expect(error.rolled_back).toBeUndefined();
      expect(shop.requests()).toEqual([`GET ${paths.cart}`]);
      expect(kv.entries.size).toBe(0);
    });

    it("an unknown cart is cart_not_found", async () => {
      const { shop, run } = shopWith("prepared");
      const answer = await run(submission(), "cart_unknown");
      expect(answer.status).toBe(404);
      expect(failure(answer)).toMatchObject({ code: "cart_not_found", step: "read_cart" });
      expect(shop.requests()).toEqual(["GET /store/carts/cart_unknown"]);
    });
  });

  describe("a failure at any step restores the cart as it was and says so", () => {
    type Case = { step: string; fault: (paths: ReturnType<typeof shopWith>["paths"]) => { method: string; path: string; nth?: number } };
    const steps: Case[] = [
      { step: "update_cart", fault: (paths) => ({ method: "POST", path: paths.cart }) },
      { step: "add_shipping_method", fault: (paths) => ({ method: "POST", path: paths.shipping }) },
      { step: "create_payment_session", fault: (paths) => ({ method: "POST", path: paths.sessions }) },
      { step: "verify_amount", fault: (paths) => ({ method: "GET", path: paths.cart, nth: 2 }) },
    ];
    const cases = steps.flatMap((step) => FAULT_KINDS.map((kind) => ({ ...step, kind })));

    it.each(cases)("$step fails with $kind: compensations in reverse, the answer names the step", async ({ step, fault, kind }) => {
      const { shop, kv, run, paths, id } = shopWith("prepared");
      shop.fail({ ...fault(paths), kind });
      const error = failure(await run());
      const code = expectedCode(step, kind);
      // A write that timed out may still land after the restore: never "rolled back".
      const unconfirmed = kind === "timeout" && step !== "verify_amount";
      expect(error).toMatchObject({ code, step, rolled_back: !unconfirmed, left_changed: unconfirmed ? ["unconfirmed_write"] : [] });
      if (code === "shipping_option_unavailable") expect(error.fields).toHaveProperty("shipping_option_id");

      // The calls up to and including the failed one, then the compensations.
      const forward = [`GET ${paths.cart}`, `POST ${paths.cart}`, `POST ${paths.shipping}`, `POST ${paths.sessions}`, `GET ${paths.cart}`];
      const upTo = forward.slice(0, steps.findIndex((candidate) => candidate.step === step) + 2);
      expect(shop.requests()).toEqual([...upTo, `POST ${paths.cart}`, `POST ${paths.shipping}`, `GET ${paths.cart}`]);
      // Details first (an address change drops the Texas-only option), then the option.
      expect(shop.calls[upTo.length]!.body).toEqual({
        email: "ada@example.com",
        shipping_address: TEXAS,
        billing_address: TEXAS,
        metadata: { checkout_attempt_id: PREVIOUS_ATTEMPT },
      });
      expect(shop.calls[upTo.length + 1]!.body).toEqual({ option_id: "so_texas" });
      expect(kv.entries.size).toBe(0);
      expect(detailsOf(shop.cart(id))).toEqual(PREPARED_DETAILS);
    });

    it("write_attempt fails: the cart is restored and no client secret is handed out", async () => {
      const { shop, kv, run, paths, id } = shopWith("prepared");
      kv.failPuts = new Error("KV is unavailable");
      const answer = await run();
      expect(answer.status).toBe(502);
      expect(JSON.stringify(answer.body)).not.toContain("_secret_");
      expect(failure(answer)).toMatchObject({ code: "backend_error", step: "write_attempt", rolled_back: true, left_changed: [] });
      expect(shop.requests()).toEqual([
        `GET ${paths.cart}`, `POST ${paths.cart}`, `POST ${paths.shipping}`, `POST ${paths.sessions}`, `GET ${paths.cart}`,
        expect.stringMatching(/^KV put attempt:ca_/),
        `POST ${paths.cart}`, `POST ${paths.shipping}`, `GET ${paths.cart}`,
      ]);
      expect(detailsOf(shop.cart(id))).toEqual(PREPARED_DETAILS);
    });

    it("a payment session without a client secret is a backend_error, rolled back", async () => {
      const { shop, run, paths, id } = shopWith("prepared");
      shop.omitClientSecret = true;
      const error = failure(await run());
      expect(error).toMatchObject({ code: "backend_error", step: "create_payment_session", rolled_back: true, left_changed: [] });
      expect(shop.requests()).toEqual([
        `GET ${paths.cart}`, `POST ${paths.cart}`, `POST ${paths.shipping}`, `POST ${paths.sessions}`,
        `POST ${paths.cart}`, `POST ${paths.shipping}`, `GET ${paths.cart}`,
      ]);
      expect(detailsOf(shop.cart(id))).toEqual(PREPARED_DETAILS);
    });
  });

  describe("on a fresh cart, left_changed names exactly what Medusa can't undo", () => {
    // Medusa can't unset an email or an address, nor delete a shipping method.
    const cases: { step: string; kind: FaultKind; fault: (paths: ReturnType<typeof shopWith>["paths"]) => { method: string; path: string }; left: string[] }[] = [
      { step: "update_cart", kind: "http_5xx", fault: (p) => ({ method: "POST", path: p.cart }), left: [] },
      { step: "update_cart", kind: "timeout", fault: (p) => ({ method: "POST", path: p.cart }), left: ["email", "shipping_address", "billing_address", "unconfirmed_write"] },
      { step: "add_shipping_method", kind: "http_4xx", fault: (p) => ({ method: "POST", path: p.shipping }), left: ["email", "shipping_address", "billing_address"] },
      { step: "add_shipping_method", kind: "malformed", fault: (p) => ({ method: "POST", path: p.shipping }), left: ["email", "shipping_address", "billing_address", "shipping_method"] },
      { step: "create_payment_session", kind: "connection", fault: (p) => ({ method: "POST", path: p.collections }), left: ["email", "shipping_address", "billing_address", "shipping_method"] },
    ];
    it.each(cases)("$step fails with $kind: left_changed is $left", async ({ step, kind, fault, left }) => {
      const { shop, run, paths, id } = shopWith("fresh");
      shop.fail({ ...fault(paths), kind });
      const error = failure(await run());
      expect(error).toMatchObject({ code: expectedCode(step, kind), step, rolled_back: left.length === 0, left_changed: left });
      // Nothing to re-post but the attempt id, which is removed ("" deletes a metadata key).
      const restore = shop.calls.findIndex((call, index) => index > 1 && call.call === `POST ${paths.cart}`);
      expect(shop.calls[restore]!.body).toEqual({ metadata: { checkout_attempt_id: "" } });
      expect(shop.requests().slice(restore)).toEqual([`POST ${paths.cart}`, `GET ${paths.cart}`]);
      expect(shop.cart(id).metadata).toEqual({});
    });
  });

  describe("when the rollback itself fails", () => {
    it("a failed restore is reported as not rolled back, naming what stayed changed", async () => {
      const { shop, run, paths } = shopWith("prepared");
      shop.fail({ method: "POST", path: paths.shipping, kind: "http_5xx" });
      shop.fail({ method: "POST", path: paths.cart, nth: 2, kind: "http_5xx" });
      const error = failure(await run());
      // Still in California, so the Texas-only option can't come back either.
      expect(error).toMatchObject({
        code: "backend_error", step: "add_shipping_method", rolled_back: false,
        left_changed: ["email", "shipping_address", "billing_address", "metadata", "shipping_method"],
      });
    });

    it("a failed read-back is reported as unknown, never as rolled back", async () => {
      const { shop, run, paths } = shopWith("prepared");
      shop.fail({ method: "POST", path: paths.cart, kind: "http_5xx" });
      shop.fail({ method: "GET", path: paths.cart, nth: 2, kind: "timeout" });
      const error = failure(await run());
      expect(error).toMatchObject({ code: "backend_error", step: "update_cart", rolled_back: false, left_changed: ["unknown"] });
    });
  });

  describe("the amount charged is the cart's fresh total", () => {
    it("a cart changed while the session was created gets one new session for the new total", async () => {
      const { shop, kv, run, paths, id } = shopWith("prepared");
      shop.after({ method: "POST", path: paths.sessions, nth: 1 }, (medusa) => medusa.addItem(id, NOTEBOOK));
      const answer = success(await run());
      expect(shop.requests()).toEqual([
        `GET ${paths.cart}`, `POST ${paths.cart}`, `POST ${paths.shipping}`,
        `POST ${paths.sessions}`, `GET ${paths.cart}`,
        `POST ${paths.sessions}`, `GET ${paths.cart}`,
        `KV put attempt:${answer.checkout_attempt_id}`,
      ]);
      const total = shop.cart(id).total;
      expect(answer.amount).toBe(stripeProviderAmount(total, "usd"));
      // 2 x 19.99 + 7.50 + 5.00 shipping, 7.25% California tax
      expect(answer.amount).toBe(5628);
      expect(JSON.parse(kv.entries.get(`attempt:${answer.checkout_attempt_id}`)!.value)).toMatchObject({ amount: 5628 });
    });

    it("a cart that changes again during the redo is cart_changed, rolled back, with no attempt", async () => {
      const { shop, kv, run, paths, id } = shopWith("prepared");
      shop.after({ method: "POST", path: paths.sessions, nth: 1 }, (medusa) => medusa.addItem(id, NOTEBOOK));
      shop.after({ method: "POST", path: paths.sessions, nth: 2 }, (medusa) => medusa.addItem(id, NOTEBOOK));
      const answer = await run();
      expect(answer.status).toBe(409);
      expect(failure(answer)).toMatchObject({ code: "cart_changed", step: "verify_amount", rolled_back: true, left_changed: [] });
      expect(shop.requests()).toEqual([
        `GET ${paths.cart}`, `POST ${paths.cart}`, `POST ${paths.shipping}`,
        `POST ${paths.sessions}`, `GET ${paths.cart}`, `POST ${paths.sessions}`, `GET ${paths.cart}`,
        `POST ${paths.cart}`, `POST ${paths.shipping}`, `GET ${paths.cart}`,
      ]);
      expect(kv.entries.size).toBe(0);
    });

    it("an expected_total that differs from the fresh total is total_changed with the new amount, before any payment", async () => {
      const { shop, run, paths, id } = shopWith("prepared");
      const answer = await run(submission({ expected_total: 4287 }));
      expect(answer.status).toBe(409);
      // 2 x 19.99 + 5.00 shipping = 44.98, 7.25% California tax: 48.24105
      expect(failure(answer)).toMatchObject({ code: "total_changed", amount: 4824, step: "add_shipping_method", rolled_back: true, left_changed: [] });
      expect(shop.requests()).toEqual([
        `GET ${paths.cart}`, `POST ${paths.cart}`, `POST ${paths.shipping}`,
        `POST ${paths.cart}`, `POST ${paths.shipping}`, `GET ${paths.cart}`,
      ]);
      expect(detailsOf(shop.cart(id))).toEqual(PREPARED_DETAILS);
    });

    it("the expected_total the shopper saw is accepted when it is the fresh total", async () => {
      const { run } = shopWith("prepared");
      expect(success(await run(submission({ expected_total: 4824 }))).amount).toBe(4824);
    });

    it("a confirmed total that moves while preparing is total_changed with the moved amount", async () => {
      const { shop, run, paths, id } = shopWith("prepared");
      shop.after({ method: "POST", path: paths.sessions, nth: 1 }, (medusa) => medusa.addItem(id, NOTEBOOK));
      const answer = await run(submission({ expected_total: 4824 }));
      expect(failure(answer)).toMatchObject({ code: "total_changed", amount: 5628, step: "verify_amount", rolled_back: true });
    });

    // Medusa's totals are unrounded major units; Stripe gets the provider's getSmallestUnit.
    it.each([
      { currency: "usd", unitPrice: 19.99, total: 21.639175, amount: 2164 },
      { currency: "usd", unitPrice: 2, total: 2.165, amount: 217 },
      // 67.115 * 100 is 6711.499999999999 in floating point: half up must still give 6712.
      { currency: "usd", unitPrice: 62, total: 67.115, amount: 6712 },
      { currency: "jpy", unitPrice: 1999, total: 2163.9175, amount: 2164 },
      { currency: "jpy", unitPrice: 1998, total: 2162.835, amount: 2163 },
      { currency: "kwd", unitPrice: 19.99, total: 21.639175, amount: 21640 },
      { currency: "kwd", unitPrice: 2, total: 2.165, amount: 2170 },
    ])("$currency total $total is charged as $amount minor units, as Medusa's Stripe provider sends it", async ({ currency, unitPrice, total, amount }) => {
      const { shop, kv, run, id } = shopWith("fresh", { currency, unitPrice });
      const answer = success(await run(submission({ shipping_address: TEXAS_INPUT, shipping_option_id: "so_pickup" })));
      expect(shop.cart(id).total).toBe(total);
      expect(stripeProviderAmount(total, currency)).toBe(amount);
      expect(answer).toMatchObject({ amount, currency_code: currency });
      expect(toMinorUnits(total, currency)).toBe(amount);
      const record = attemptRecord.parse(JSON.parse(kv.entries.get(`attempt:${answer.checkout_attempt_id}`)!.value));
      expect(record).toMatchObject({ amount, currency_code: currency, totals: { total: amount } });
    });
  });

  describe("carts that can't be paid are refused before any write", () => {
    it("a completed cart is cart_completed", async () => {
      const { shop, run, paths } = shopWith("completed");
      const answer = await run();
      expect(answer.status).toBe(409);
      expect(failure(answer)).toMatchObject({ code: "cart_completed", step: "read_cart" });
      expect(shop.requests()).toEqual([`GET ${paths.cart}`]);
    });

    it("an empty cart is invalid_request", async () => {
      const { shop, run, paths } = shopWith("empty");
      const answer = await run();
      expect(answer.status).toBe(400);
      expect(failure(answer)).toMatchObject({ code: "invalid_request", step: "read_cart" });
      expect(shop.requests()).toEqual([`GET ${paths.cart}`]);
    });

    it("a country the cart's region doesn't serve is invalid_request, named per address, before any write", async () => {
      const { shop, run, paths } = shopWith("prepared");
      const error = failure(
        await run(submission({ shipping_address: { ...TEXAS_INPUT, country_code: "ca", province: undefined }, billing_address: { ...TEXAS_INPUT, country_code: "fr", province: undefined } })),
      );
      expect(error).toMatchObject({
        code: "invalid_request",
        fields: { "shipping_address.country_code": expect.any(String), "billing_address.country_code": expect.any(String) },
      });
      expect(shop.requests()).toEqual([`GET ${paths.cart}`]);
    });

    it("a payment collection that is not the cart's own is invalid_request", async () => {
      const { shop, run, paths } = shopWith("prepared");
      const error = failure(await run(submission({ payment_collection_id: "pay_col_SOMEONEELSE" })));
      expect(error).toMatchObject({ code: "invalid_request", fields: { payment_collection_id: expect.any(String) } });
      expect(shop.requests()).toEqual([`GET ${paths.cart}`]);
    });
  });
});
