// The PaymentIntent API as the real stripe-node client (and through it Medusa's Stripe
// provider and the Worker) sees it: shapes, errors and the card state machine.
import Stripe from "stripe";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import {
  PUBLISHABLE_KEY,
  admin,
  rawApi,
  startTestSim,
  stripeClient,
  stripeError,
  type TestSim,
} from "./support.ts";

let sim: TestSim;
let stripe: Stripe;

beforeAll(async () => {
  sim = await startTestSim();
  stripe = stripeClient(sim);
});
afterAll(() => sim.close());
beforeEach(() => admin(sim, "POST", "/_sim/reset"));

// What Medusa's provider sends (stripe-base.js initiatePayment), minus undefined fields.
function medusaCreate(amount = 1999, extra: Partial<Stripe.PaymentIntentCreateParams> = {}) {
  return stripe.paymentIntents.create(
    {
      amount,
      currency: "usd",
      metadata: { checkout_attempt_id: "ca_1", session_id: "payses_1" },
      capture_method: "manual",
      expand: ["payment_method"],
      ...extra,
    },
    { idempotencyKey: `payses_${Math.random()}` },
  );
}

describe("creating a PaymentIntent", () => {
  test("returns Stripe's shape: ids, client secret, amounts, metadata, livemode false", async () => {
    const pi = await medusaCreate();
    expect(pi.id).toMatch(/^pi_[A-Za-z0-9]{24}$/);
    expect(pi.client_secret).toMatch(new RegExp(`^${pi.id}_secret_[A-Za-z0-9]+$`));
    expect(pi).toMatchObject({
      object: "payment_intent",
      amount: 1999,
      amount_capturable: 0,
      amount_received: 0,
      currency: "usd",
      status: "requires_payment_method",
      capture_method: "manual",
      confirmation_method: "automatic",
      metadata: { checkout_attempt_id: "ca_1", session_id: "payses_1" },
      payment_method: null,
      last_payment_error: null,
      next_action: null,
      latest_charge: null,
      livemode: false,
      canceled_at: null,
      cancellation_reason: null,
      customer: null,
      description: null,
      setup_future_usage: null,
      automatic_payment_methods: { enabled: true, allow_redirects: "always" },
      allowed_payment_method_types: null,
      payment_method_types: ["card"],
    });
    expect(pi.created).toBeCloseTo(Date.now() / 1000, -1);
  });

  test("the default capture method follows the request's API version (automatic_async since 2024-04-10)", async () => {
    const current = await stripe.paymentIntents.create({ amount: 1000, currency: "usd" });
    expect(current.capture_method).toBe("automatic_async");
    const old = new Stripe("sk_test_simulator", { host: "127.0.0.1", port: sim.port, protocol: "http", apiVersion: "2023-10-16" as Stripe.LatestApiVersion });
    const legacy = await old.paymentIntents.create({ amount: 1000, currency: "usd" });
    expect(legacy.capture_method).toBe("automatic");
  });

  test("allowed_payment_method_types pins the intent to cards instead of automatic payment methods", async () => {
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: "EUR", allowed_payment_method_types: ["card"] });
    expect(pi.currency).toBe("eur");
    expect(pi.automatic_payment_methods).toBeNull();
    expect(pi.allowed_payment_method_types).toEqual(["card"]);
    expect(pi.payment_method_types).toEqual(["card"]);
  });

  test("payment_method_types is the parameter before API 2026-09-30.endive and an unknown one since", async () => {
    const form = { amount: "1000", currency: "usd", "payment_method_types[0]": "card" };
    const medusa = await rawApi(sim, "POST", "/v1/payment_intents", form, { "stripe-version": "2024-04-10" });
    expect(medusa.body).toMatchObject({ payment_method_types: ["card"], automatic_payment_methods: null });
    const endive = await rawApi(sim, "POST", "/v1/payment_intents", form, { "stripe-version": "2026-10-28.endive" });
    expect(endive.status).toBe(400);
    expect(endive.body).toMatchObject({ error: { code: "parameter_unknown", param: "payment_method_types" } });
  });

  test("amount and currency are required; amount must be a positive integer", async () => {
    const missing = await stripeError(stripe.paymentIntents.create({ currency: "usd" } as Stripe.PaymentIntentCreateParams));
    expect(missing).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(missing).toMatchObject({ statusCode: 400, code: "parameter_missing", param: "amount", message: "Missing required param: amount." });
    const zero = await stripeError(stripe.paymentIntents.create({ amount: 0, currency: "usd" }));
    expect(zero).toMatchObject({ code: "parameter_invalid_integer", param: "amount" });
    const noCurrency = await stripeError(stripe.paymentIntents.create({ amount: 100 } as Stripe.PaymentIntentCreateParams));
    expect(noCurrency).toMatchObject({ code: "parameter_missing", param: "currency" });
  });

  test("an amount under the currency's minimum is amount_too_small", async () => {
    const err = await stripeError(stripe.paymentIntents.create({ amount: 49, currency: "usd" }));
    expect(err).toMatchObject({ code: "amount_too_small", param: "amount", message: "Amount must be at least $0.50 usd" });
  });

  test("unknown parameters are rejected, as Stripe does (parameter_unknown)", async () => {
    const err = await stripeError(
      stripe.paymentIntents.create({ amount: 1000, currency: "usd", colour: "red" } as Stripe.PaymentIntentCreateParams),
    );
    expect(err).toMatchObject({ statusCode: 400, code: "parameter_unknown", param: "colour", message: "Received unknown parameter: colour" });
  });

  test("nothing is created when validation fails", async () => {
    await stripeError(stripe.paymentIntents.create({ amount: -5, currency: "usd" }));
    expect((await admin<{ data: unknown[] }>(sim, "GET", "/_sim/payment_intents")).data).toHaveLength(0);
  });
});

describe("API keys", () => {
  test("a wrong secret key is a 401 authentication error naming the masked key", async () => {
    const wrong = stripeClient(sim, "sk_test_wrongkey1234");
    const err = await stripeError(wrong.paymentIntents.create({ amount: 1000, currency: "usd" }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(err.statusCode).toBe(401);
    expect(err.message).toBe("Invalid API Key provided: sk_test_********1234");
  });

  test("a missing key is a 401 in Stripe's words", async () => {
    const response = await fetch(`${sim.url}/v1/payment_intents`, { method: "POST", body: "amount=1000&currency=usd" });
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe("invalid_request_error");
    expect(body.error.message).toMatch(/^You did not provide an API key/);
  });

  test("the publishable key cannot create PaymentIntents", async () => {
    const browser = stripeClient(sim, PUBLISHABLE_KEY);
    const err = await stripeError(browser.paymentIntents.create({ amount: 1000, currency: "usd" }));
    expect(err.statusCode).toBe(403);
    expect(err.message).toMatch(/cannot be made with a publishable API key/);
  });

  test("every answer carries a Request-Id header", async () => {
    const ok = await rawApi(sim, "POST", "/v1/payment_intents", { amount: "1000", currency: "usd" });
    const failed = await rawApi(sim, "GET", "/v1/payment_intents/pi_missing");
    expect(ok.headers.get("request-id")).toMatch(/^req_[A-Za-z0-9]{14}$/);
    expect(failed.headers.get("request-id")).toMatch(/^req_/);
  });
});

describe("retrieving", () => {
  test("an unknown id is a 404 resource_missing", async () => {
    const err = await stripeError(stripe.paymentIntents.retrieve("pi_doesnotexist"));
    expect(err).toMatchObject({ statusCode: 404, code: "resource_missing", param: "intent", message: "No such payment_intent: 'pi_doesnotexist'" });
  });

  test("expand[]=payment_method returns the PaymentMethod object (as Medusa's provider asks)", async () => {
    const pi = await medusaCreate(1999, { confirm: true, payment_method: "pm_card_visa", return_url: "https://shop.test/return" });
    const expanded = await stripe.paymentIntents.retrieve(pi.id, { expand: ["payment_method", "latest_charge"] });
    const pm = expanded.payment_method as Stripe.PaymentMethod;
    expect(pm.id).toMatch(/^pm_[A-Za-z0-9]{24}$/);
    expect(pm).toMatchObject({ object: "payment_method", type: "card", card: { brand: "visa", last4: "4242" } });
    expect((expanded.latest_charge as Stripe.Charge).object).toBe("charge");
  });

  test("with the publishable key it needs the client secret and shows the reduced view (no metadata)", async () => {
    const pi = await medusaCreate();
    const browser = stripeClient(sim, PUBLISHABLE_KEY);
    const seen = await browser.paymentIntents.retrieve(pi.id, { client_secret: pi.client_secret ?? "" });
    expect(seen).toMatchObject({ id: pi.id, amount: 1999, status: "requires_payment_method", client_secret: pi.client_secret });
    expect(seen).not.toHaveProperty("metadata");
    expect(seen).not.toHaveProperty("customer");
    const wrong = await stripeError(browser.paymentIntents.retrieve(pi.id, { client_secret: `${pi.id}_secret_wrong` }));
    expect(wrong).toMatchObject({ statusCode: 400, param: "client_secret" });
    const none = await stripeError(browser.paymentIntents.retrieve(pi.id));
    expect(none.statusCode).toBe(403);
  });

  test("an unsupported endpoint answers Stripe's unrecognized-URL 404", async () => {
    const response = await rawApi(sim, "GET", "/v1/subscriptions");
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ error: expect.objectContaining({ type: "invalid_request_error", message: expect.stringMatching(/^Unrecognized request URL \(GET: \/v1\/subscriptions\)/) }) });
  });
});

describe("confirming with test cards", () => {
  const confirmOpts = { return_url: "https://shop.test/checkout/complete" };

  test("pm_card_visa with capture_method manual is authorised: requires_capture, amount_capturable set", async () => {
    const pi = await medusaCreate();
    const confirmed = await stripe.paymentIntents.confirm(pi.id, { payment_method: "pm_card_visa", ...confirmOpts });
    expect(confirmed).toMatchObject({ status: "requires_capture", amount_capturable: 1999, amount_received: 0, next_action: null });
    expect(confirmed.payment_method).toMatch(/^pm_/);
    expect(confirmed.latest_charge).toMatch(/^ch_/);
  });

  test("an authorised intent is captured in full, or partially with amount_to_capture", async () => {
    const full = await medusaCreate();
    await stripe.paymentIntents.confirm(full.id, { payment_method: "pm_card_visa", ...confirmOpts });
    expect(await stripe.paymentIntents.capture(full.id)).toMatchObject({ status: "succeeded", amount_received: 1999, amount_capturable: 0 });

    const partial = await medusaCreate(5000);
    await stripe.paymentIntents.confirm(partial.id, { payment_method: "pm_card_visa", ...confirmOpts });
    const tooMuch = await stripeError(stripe.paymentIntents.capture(partial.id, { amount_to_capture: 6000 }));
    expect(tooMuch).toMatchObject({ statusCode: 400, param: "amount_to_capture" });
    expect(await stripe.paymentIntents.capture(partial.id, { amount_to_capture: 3000 })).toMatchObject({ status: "succeeded", amount_received: 3000 });
  });

  test("automatic capture succeeds at once; the card number 4242... works like pm_card_visa", async () => {
    const pi = await stripe.paymentIntents.create({ amount: 1200, currency: "usd", allowed_payment_method_types: ["card"] });
    const pm = await stripeClient(sim, PUBLISHABLE_KEY).paymentMethods.create({
      type: "card",
      card: { number: "4242424242424242", exp_month: 12, exp_year: new Date().getFullYear() + 2, cvc: "123" },
    });
    const confirmed = await stripe.paymentIntents.confirm(pi.id, { payment_method: pm.id });
    expect(confirmed).toMatchObject({ status: "succeeded", amount_received: 1200, payment_method: pm.id });
  });

  test("a declined card is a 402 card_declined, and the intent goes back to requires_payment_method with last_payment_error", async () => {
    const pi = await medusaCreate();
    const err = await stripeError(stripe.paymentIntents.confirm(pi.id, { payment_method: "pm_card_chargeDeclined", ...confirmOpts }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(err).toMatchObject({
      statusCode: 402,
      type: "StripeCardError",
      code: "card_declined",
      decline_code: "generic_decline",
      message: "Your card was declined.",
    });
    expect(err.payment_intent).toMatchObject({ id: pi.id, status: "requires_payment_method" });
    const after = await stripe.paymentIntents.retrieve(pi.id);
    expect(after).toMatchObject({
      status: "requires_payment_method",
      payment_method: null,
      last_payment_error: { type: "card_error", code: "card_declined", decline_code: "generic_decline", message: "Your card was declined." },
    });
    // Another card can still pay the same intent.
    expect(await stripe.paymentIntents.confirm(pi.id, { payment_method: "pm_card_visa", ...confirmOpts })).toMatchObject({
      status: "requires_capture",
      last_payment_error: null,
    });
  });

  test("create with confirm=true and a declined card still creates the intent, carried in the error (Medusa reads error.raw.payment_intent)", async () => {
    const err = await stripeError(medusaCreate(1999, { confirm: true, payment_method: "pm_card_chargeDeclined", ...confirmOpts }));
    const raw = err.raw as { payment_intent?: { id: string; status: string } };
    expect(raw.payment_intent?.status).toBe("requires_payment_method");
    expect((await stripe.paymentIntents.retrieve(raw.payment_intent?.id ?? "")).last_payment_error?.code).toBe("card_declined");
  });

  test("a 3D Secure card requires action; approving the challenge authorises the payment", async () => {
    const pi = await medusaCreate();
    const pending = await stripe.paymentIntents.confirm(pi.id, { payment_method: "pm_card_threeDSecureRequired", use_stripe_sdk: true, ...confirmOpts });
    expect(pending.status).toBe("requires_action");
    expect(pending.next_action?.type).toBe("use_stripe_sdk");
    const done = await rawApi(sim, "POST", `/v1/payment_intents/${pi.id}/_authenticate`, { result: "approve" });
    expect(done.body).toMatchObject({ status: "requires_capture", amount_capturable: 1999, next_action: null });
  });

  test("answering the challenge of an intent canceled meanwhile is payment_intent_unexpected_state, carrying the intent", async () => {
    const pi = await medusaCreate();
    await stripe.paymentIntents.confirm(pi.id, { payment_method: "pm_card_threeDSecureRequired", use_stripe_sdk: true, ...confirmOpts });
    await stripe.paymentIntents.cancel(pi.id);
    const late = await rawApi(sim, "POST", `/v1/payment_intents/${pi.id}/_authenticate`, { result: "approve" });
    expect(late.status).toBe(400);
    expect(late.body).toMatchObject({
      error: { type: "invalid_request_error", code: "payment_intent_unexpected_state", payment_intent: { id: pi.id, status: "canceled" } },
    });
  });

  test("a failed 3D Secure challenge returns the intent to requires_payment_method with payment_intent_authentication_failure", async () => {
    const pi = await medusaCreate();
    await stripe.paymentIntents.confirm(pi.id, { payment_method: "pm_card_authenticationRequired", use_stripe_sdk: true, ...confirmOpts });
    const failed = await rawApi(sim, "POST", `/v1/payment_intents/${pi.id}/_authenticate`, { result: "fail" });
    expect(failed.body).toMatchObject({
      status: "requires_payment_method",
      payment_method: null,
      last_payment_error: { code: "payment_intent_authentication_failure" },
    });
  });

  test("a server-side 3DS confirmation with a return_url redirects to a page that sends the customer back like Stripe", async () => {
    const pi = await medusaCreate();
    const pending = await stripe.paymentIntents.confirm(pi.id, { payment_method: "pm_card_threeDSecureRequired", ...confirmOpts });
    expect(pending.next_action?.type).toBe("redirect_to_url");
    const url = pending.next_action?.redirect_to_url?.url ?? "";
    expect(url.startsWith(sim.url)).toBe(true);
    const page = await fetch(url);
    expect(await page.text()).toContain("Authentication required");
    const answer = await fetch(url, { method: "POST", body: "result=approve", headers: { "content-type": "application/x-www-form-urlencoded" }, redirect: "manual" });
    expect(answer.status).toBe(303);
    const back = new URL(answer.headers.get("location") ?? "");
    expect(back.origin + back.pathname).toBe("https://shop.test/checkout/complete");
    expect(Object.fromEntries(back.searchParams)).toEqual({
      payment_intent: pi.id,
      payment_intent_client_secret: pi.client_secret,
      redirect_status: "succeeded",
    });
    expect((await stripe.paymentIntents.retrieve(pi.id)).status).toBe("requires_capture");
  });

  test("a 3DS card confirmed off-session is declined with authentication_required", async () => {
    const pi = await medusaCreate();
    const err = await stripeError(stripe.paymentIntents.confirm(pi.id, { payment_method: "pm_card_authenticationRequired", off_session: true }));
    expect(err).toMatchObject({ statusCode: 402, code: "authentication_required" });
  });

  test("confirming without a return_url is refused for automatic payment methods, as Stripe does for server-side confirmation", async () => {
    const pi = await medusaCreate();
    const err = await stripeError(stripe.paymentIntents.confirm(pi.id, { payment_method: "pm_card_visa" }));
    expect(err.statusCode).toBe(400);
    expect(err.message).toMatch(/you must provide a `return_url`/);
  });

  test("confirming a succeeded or canceled intent is payment_intent_unexpected_state", async () => {
    const paid = await stripe.paymentIntents.create({ amount: 1000, currency: "usd", allowed_payment_method_types: ["card"], confirm: true, payment_method: "pm_card_visa" });
    expect(paid.status).toBe("succeeded");
    const again = await stripeError(stripe.paymentIntents.confirm(paid.id, { payment_method: "pm_card_visa" }));
    expect(again).toMatchObject({ statusCode: 400, code: "payment_intent_unexpected_state" });
    expect(again.payment_intent?.status).toBe("succeeded");

    const canceled = await medusaCreate();
    await stripe.paymentIntents.cancel(canceled.id);
    const onCanceled = await stripeError(stripe.paymentIntents.confirm(canceled.id, { payment_method: "pm_card_visa", ...confirmOpts }));
    expect(onCanceled).toMatchObject({ code: "payment_intent_unexpected_state" });
  });
});

describe("cancel, update and refund", () => {
  test("cancel works before payment and after authorisation, with the reason", async () => {
    const open = await medusaCreate();
    expect(await stripe.paymentIntents.cancel(open.id, { cancellation_reason: "abandoned" })).toMatchObject({
      status: "canceled",
      cancellation_reason: "abandoned",
      canceled_at: expect.any(Number),
    });
    const authorised = await medusaCreate();
    await stripe.paymentIntents.confirm(authorised.id, { payment_method: "pm_card_visa", return_url: "https://shop.test/r" });
    expect(await stripe.paymentIntents.cancel(authorised.id)).toMatchObject({ status: "canceled", amount_capturable: 0 });
  });

  test("cancelling a succeeded intent is refused with the intent in the error (Medusa checks error.payment_intent.status)", async () => {
    const paid = await stripe.paymentIntents.create({ amount: 1000, currency: "usd", allowed_payment_method_types: ["card"], confirm: true, payment_method: "pm_card_visa" });
    const err = await stripeError(stripe.paymentIntents.cancel(paid.id));
    expect(err).toMatchObject({ statusCode: 400, code: "payment_intent_unexpected_state" });
    expect(err.payment_intent?.status).toBe("succeeded");
    const canceled = await medusaCreate();
    await stripe.paymentIntents.cancel(canceled.id);
    expect((await stripeError(stripe.paymentIntents.cancel(canceled.id))).payment_intent?.status).toBe("canceled");
  });

  test("capturing an intent that is not authorised is refused with the intent in the error", async () => {
    const pi = await medusaCreate();
    const err = await stripeError(stripe.paymentIntents.capture(pi.id));
    expect(err).toMatchObject({ code: "payment_intent_unexpected_state" });
    expect(err.payment_intent?.status).toBe("requires_payment_method");
  });

  test("update changes the amount before payment (Medusa's updatePayment) but not once authorised", async () => {
    const pi = await medusaCreate();
    expect(await stripe.paymentIntents.update(pi.id, { amount: 2599, expand: ["payment_method"] })).toMatchObject({ amount: 2599 });
    await stripe.paymentIntents.confirm(pi.id, { payment_method: "pm_card_visa", return_url: "https://shop.test/r" });
    const err = await stripeError(stripe.paymentIntents.update(pi.id, { amount: 100 }));
    expect(err).toMatchObject({ code: "payment_intent_unexpected_state" });
    expect(err.message).toMatch(/amount could not be updated because it has a status of requires_capture/);
  });

  test("metadata updates merge, and an empty value removes a key", async () => {
    const pi = await medusaCreate();
    const updated = await stripe.paymentIntents.update(pi.id, { metadata: { extra: "1", checkout_attempt_id: "" } });
    expect(updated.metadata).toEqual({ session_id: "payses_1", extra: "1" });
  });

  test("a captured payment can be refunded once in full (charge_already_refunded afterwards)", async () => {
    const paid = await stripe.paymentIntents.create({ amount: 1000, currency: "usd", allowed_payment_method_types: ["card"], confirm: true, payment_method: "pm_card_visa" });
    const refund = await stripe.refunds.create({ payment_intent: paid.id, amount: 400 });
    expect(refund).toMatchObject({ object: "refund", amount: 400, status: "succeeded", payment_intent: paid.id });
    await stripe.refunds.create({ payment_intent: paid.id });
    const again = await stripeError(stripe.refunds.create({ payment_intent: paid.id }));
    expect(again.code).toBe("charge_already_refunded");
  });

  test("after a partial capture, the released rest counts as refunded, and a refund without an amount refunds what is left of the capture", async () => {
    const pi = await medusaCreate(4599);
    await stripe.paymentIntents.confirm(pi.id, { payment_method: "pm_card_visa", return_url: "https://shop.test/r" });
    const captured = await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 3000 });
    expect(captured).toMatchObject({ status: "succeeded", amount_received: 3000 });
    const charge = () => stripe.charges.retrieve(String(captured.latest_charge));
    expect(await charge()).toMatchObject({ amount: 4599, amount_captured: 3000, amount_refunded: 1599, refunded: false });

    expect(await stripe.refunds.create({ payment_intent: pi.id, amount: 1000 })).toMatchObject({ amount: 1000 });
    expect(await charge()).toMatchObject({ amount_refunded: 2599, refunded: false });
    // "The rest": the 2000 of the capture not refunded yet (it was 401 before this fix).
    expect(await stripe.refunds.create({ payment_intent: pi.id })).toMatchObject({ amount: 2000, status: "succeeded" });
    expect(await charge()).toMatchObject({ amount_refunded: 4599, refunded: true });
    expect((await stripeError(stripe.refunds.create({ payment_intent: pi.id }))).code).toBe("charge_already_refunded");
  });

  test("several partial refunds of a full capture, then the rest; a refund over what is left is refused and changes nothing", async () => {
    const paid = await stripe.paymentIntents.create({ amount: 4599, currency: "usd", allowed_payment_method_types: ["card"], confirm: true, payment_method: "pm_card_visa" });
    const charge = () => stripe.charges.retrieve(String(paid.latest_charge));
    await stripe.refunds.create({ payment_intent: paid.id, amount: 1000 });
    await stripe.refunds.create({ charge: String(paid.latest_charge), amount: 1000 });
    const over = await stripeError(stripe.refunds.create({ payment_intent: paid.id, amount: 2600 }));
    expect(over).toMatchObject({ statusCode: 400, param: "amount" });
    expect(over.message).toBe("Refund amount (2600) is greater than unrefunded amount on charge (2599)");
    expect(await charge()).toMatchObject({ amount_captured: 4599, amount_refunded: 2000, refunded: false });
    expect(await stripe.refunds.create({ payment_intent: paid.id })).toMatchObject({ amount: 2599 });
    expect(await charge()).toMatchObject({ amount_refunded: 4599, refunded: true });
  });

  test("a partial capture's rest can't be refunded as if it had been captured", async () => {
    const pi = await medusaCreate(4599);
    await stripe.paymentIntents.confirm(pi.id, { payment_method: "pm_card_visa", return_url: "https://shop.test/r" });
    await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 3000 });
    expect((await stripeError(stripe.refunds.create({ payment_intent: pi.id, amount: 3001 }))).param).toBe("amount");
    expect(await stripe.refunds.create({ payment_intent: pi.id, amount: 3000 })).toMatchObject({ amount: 3000 });
  });

  test("an authorization that was never captured is refused a refund (the simulator's reading; the storefront cancels authorizations instead)", async () => {
    const pi = await medusaCreate();
    await stripe.paymentIntents.confirm(pi.id, { payment_method: "pm_card_visa", return_url: "https://shop.test/r" });
    const err = await stripeError(stripe.refunds.create({ payment_intent: pi.id }));
    expect(err).toMatchObject({ statusCode: 400, param: "payment_intent" });
    expect((await stripe.paymentIntents.retrieve(pi.id)).status).toBe("requires_capture");
  });

  test("customers: create, update, list payment methods, delete (Medusa's account holder)", async () => {
    const customer = await stripe.customers.create({ email: "a@example.com", name: "Ada" });
    expect(customer.id).toMatch(/^cus_/);
    expect((await stripe.customers.update(customer.id, { phone: "+1555" })).phone).toBe("+1555");
    const pi = await stripe.paymentIntents.create({
      amount: 1000, currency: "usd", customer: customer.id, setup_future_usage: "off_session",
      allowed_payment_method_types: ["card"], confirm: true, payment_method: "pm_card_visa",
    });
    const methods = await stripe.customers.listPaymentMethods(customer.id, { limit: 100 });
    expect(methods.data.map((m) => m.id)).toEqual([pi.payment_method]);
    await stripe.paymentMethods.detach(String(pi.payment_method));
    expect((await stripe.customers.del(customer.id)).deleted).toBe(true);
  });
});

describe("listing by creation time (the reconciler's uncaptured-authorization check)", () => {
  // Its own simulator with a clock the test moves, so intents are created seconds apart.
  const start = Date.parse("2026-12-01T12:00:00Z");
  let now = start;
  let timed: TestSim;
  let client: Stripe;
  beforeAll(async () => {
    timed = await startTestSim({ clock: () => now });
    client = stripeClient(timed);
  });
  afterAll(() => timed.close());

  /** Four intents created 10 s apart, at t, t+10, t+20, t+30 (seconds); returns t and the ids, oldest first. */
  async function fourIntents() {
    await admin(timed, "POST", "/_sim/reset");
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      now = start + i * 10_000;
      ids.push((await client.paymentIntents.create({ amount: 1000 + i, currency: "usd" })).id);
    }
    return { t: Math.floor(start / 1000), ids };
  }
  const listed = async (params: Stripe.PaymentIntentListParams) => (await client.paymentIntents.list(params)).data.map((pi) => pi.id);

  test("created[gte]/[lte] bound the list inclusively, [gt]/[lt] exclusively; newest first, as Stripe", async () => {
    const { t, ids } = await fourIntents();
    expect(await listed({ created: { gte: t + 10, lte: t + 20 } })).toEqual([ids[2], ids[1]]);
    expect(await listed({ created: { gt: t + 10, lt: t + 30 } })).toEqual([ids[2]]);
    expect(await listed({ created: { gte: t + 10 } })).toEqual([ids[3], ids[2], ids[1]]);
    expect(await listed({ created: { lt: t + 10 } })).toEqual([ids[0]]);
    expect(await listed({ created: { gte: t + 31 } })).toEqual([]);
    expect(await listed({})).toEqual([...ids].reverse());
  });

  test("an integer created is that exact second", async () => {
    const { t, ids } = await fourIntents();
    expect(await listed({ created: t + 20 })).toEqual([ids[2]]);
    expect(await listed({ created: t + 21 })).toEqual([]);
  });

  test("pages within the filter: limit, has_more and starting_after", async () => {
    const { t, ids } = await fourIntents();
    const first = await client.paymentIntents.list({ created: { gte: t, lte: t + 20 }, limit: 2 });
    expect(first.data.map((pi) => pi.id)).toEqual([ids[2], ids[1]]);
    expect(first.has_more).toBe(true);
    const second = await client.paymentIntents.list({ created: { gte: t, lte: t + 20 }, limit: 2, starting_after: ids[1] });
    expect(second.data.map((pi) => pi.id)).toEqual([ids[0]]);
    expect(second.has_more).toBe(false);
  });

  test("a malformed filter is refused in Stripe's words instead of listing everything", async () => {
    await fourIntents();
    const unknownBound = await stripeError(rawList({ created: { since: "1" } }));
    expect(unknownBound).toMatchObject({ statusCode: 400, code: "parameter_unknown", param: "created[since]" });
    const notAnInteger = await stripeError(rawList({ created: { gte: "yesterday" } }));
    expect(notAnInteger).toMatchObject({ statusCode: 400, code: "parameter_invalid_integer", param: "created[gte]" });
    expect(notAnInteger.message).toBe("Invalid integer: yesterday");
    const exactNotAnInteger = await stripeError(rawList({ created: "soon" }));
    expect(exactNotAnInteger).toMatchObject({ statusCode: 400, code: "parameter_invalid_integer", param: "created" });
  });

  /** A list request with parameters stripe-node's types would not let through (it sends them as given). */
  function rawList(params: Record<string, unknown>) {
    return client.paymentIntents.list(params as Stripe.PaymentIntentListParams);
  }
});
