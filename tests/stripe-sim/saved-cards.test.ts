// Saved cards (issue 11): Customers and their events, attaching and detaching
// PaymentMethods, listing a customer's cards, SetupIntents, and paying with a saved card,
// as the real stripe-node client sees them.
import Stripe from "stripe";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import {
  PUBLISHABLE_KEY,
  admin,
  rawApi,
  simEvents,
  startTestSim,
  stripeClient,
  stripeError,
  type TestSim,
} from "./support.ts";

let sim: TestSim;
let stripe: Stripe;
let browser: Stripe;

beforeAll(async () => {
  sim = await startTestSim();
  stripe = stripeClient(sim);
  browser = stripeClient(sim, PUBLISHABLE_KEY);
});
afterAll(() => sim.close());
beforeEach(() => admin(sim, "POST", "/_sim/reset"));

const RETURN_URL = "https://shop.test/account/cards";

// A customer with one saved card (saved through a SetupIntent, as Medusa's savePaymentMethod does).
async function customerWithCard(card = "pm_card_visa"): Promise<{ customer: Stripe.Customer; pm: string }> {
  const customer = await stripe.customers.create({ email: "ada@example.com" });
  const si = await stripe.setupIntents.create({ customer: customer.id, payment_method: card, confirm: true, return_url: RETURN_URL });
  if (si.status !== "succeeded") throw new Error(`setup of ${card} ended ${si.status}`);
  return { customer, pm: String(si.payment_method) };
}

function payWith(customer: string | undefined, pm: string, extra: Partial<Stripe.PaymentIntentCreateParams> = {}) {
  return stripe.paymentIntents.create({
    amount: 1999,
    currency: "usd",
    capture_method: "manual",
    customer,
    payment_method: pm,
    confirm: true,
    ...extra,
  });
}

describe("customers", () => {
  test("create answers Stripe's full customer shape and emits customer.created", async () => {
    const customer = await stripe.customers.create({
      email: "ada@example.com",
      name: "Ada Lovelace",
      address: { city: "London", country: "GB", line1: "1 St James's Sq", postal_code: "SW1Y 4JH" },
    });
    expect(customer).toMatchObject({
      object: "customer",
      email: "ada@example.com",
      name: "Ada Lovelace",
      phone: null,
      address: { city: "London", country: "GB", line1: "1 St James's Sq", line2: null, postal_code: "SW1Y 4JH", state: null },
      balance: 0,
      currency: null,
      default_source: null,
      delinquent: false,
      invoice_settings: { default_payment_method: null },
      livemode: false,
      metadata: {},
      preferred_locales: [],
      tax_exempt: "none",
    });
    expect(customer.id).toMatch(/^cus_[A-Za-z0-9]{14}$/);
    const [event] = await simEvents(sim, "?type=customer.created");
    expect(event?.data.object).toMatchObject({ id: customer.id, email: "ada@example.com" });
  });

  test("update emits customer.updated with the old values of what changed in previous_attributes; an update changing nothing emits nothing", async () => {
    const customer = await stripe.customers.create({ email: "a@example.com", metadata: { tier: "gold" } });
    const updated = await stripe.customers.update(customer.id, { email: "b@example.com", metadata: { tier: "platinum", new: "1" } });
    expect(updated.email).toBe("b@example.com");
    await stripe.customers.update(customer.id, { email: "b@example.com" });
    const events = await simEvents(sim, "?type=customer.updated");
    expect(events).toHaveLength(1);
    expect(events[0]!.data.object).toMatchObject({ id: customer.id, email: "b@example.com" });
    expect(events[0]!.data.previous_attributes).toEqual({ email: "a@example.com", metadata: { tier: "gold", new: null } });
  });

  test("delete emits customer.deleted and detaches its cards; the deleted customer still retrieves as {deleted: true}, other calls 404", async () => {
    const { customer, pm } = await customerWithCard();
    expect(await stripe.customers.del(customer.id)).toEqual({ id: customer.id, object: "customer", deleted: true });
    const [event] = await simEvents(sim, "?type=customer.deleted");
    expect(event?.data.object).toMatchObject({ id: customer.id, object: "customer" });
    expect(await stripe.customers.retrieve(customer.id)).toEqual({ id: customer.id, object: "customer", deleted: true });
    expect(await stripeError(stripe.customers.update(customer.id, { name: "x" }))).toMatchObject({ statusCode: 404, code: "resource_missing" });
    expect(await stripeError(stripe.customers.del(customer.id))).toMatchObject({ statusCode: 404, code: "resource_missing" });
    expect((await stripe.paymentMethods.retrieve(pm)).customer).toBeNull();
  });
});

describe("attaching and detaching PaymentMethods", () => {
  test("attach sets the customer and emits payment_method.attached; attaching again to the same customer changes nothing", async () => {
    const customer = await stripe.customers.create({});
    const pm = await stripe.paymentMethods.create({ type: "card", card: { token: "tok_visa" } });
    expect((await stripe.paymentMethods.attach(pm.id, { customer: customer.id })).customer).toBe(customer.id);
    expect((await stripe.paymentMethods.attach(pm.id, { customer: customer.id })).customer).toBe(customer.id);
    const events = await simEvents(sim, "?type=payment_method.attached");
    expect(events).toHaveLength(1);
    expect(events[0]!.data.object).toMatchObject({ id: pm.id, customer: customer.id });
  });

  test("attaching a PaymentMethod already attached to another customer is refused in Stripe's words", async () => {
    const { pm } = await customerWithCard();
    const other = await stripe.customers.create({});
    const err = await stripeError(stripe.paymentMethods.attach(pm, { customer: other.id }));
    expect(err).toMatchObject({ statusCode: 400, type: "StripeInvalidRequestError", message: "The payment method you provided has already been attached to a customer." });
  });

  test("detach emits payment_method.detached with the customer in previous_attributes; a detached card can't be attached or used again", async () => {
    const { customer, pm } = await customerWithCard();
    const detached = await stripe.paymentMethods.detach(pm);
    expect(detached.customer).toBeNull();
    const [event] = await simEvents(sim, "?type=payment_method.detached");
    expect(event?.data).toMatchObject({ object: { id: pm, customer: null }, previous_attributes: { customer: customer.id } });
    const reattach = await stripeError(stripe.paymentMethods.attach(pm, { customer: customer.id }));
    expect(reattach).toMatchObject({ statusCode: 400, message: expect.stringMatching(/was detached from a Customer\. It may not be used again/) });
    const reuse = await stripeError(payWith(customer.id, pm, { off_session: true }));
    expect(reuse).toMatchObject({ statusCode: 400, param: "payment_method", message: expect.stringMatching(/may not be used again/) });
    expect((await stripe.paymentIntents.list()).data).toHaveLength(0);
  });

  test("update emits payment_method.updated with previous_attributes, and allow_redisplay is kept", async () => {
    const { pm } = await customerWithCard();
    const updated = await stripe.paymentMethods.update(pm, { allow_redisplay: "always", metadata: { nickname: "work" } });
    expect(updated).toMatchObject({ allow_redisplay: "always", metadata: { nickname: "work" } });
    const [event] = await simEvents(sim, "?type=payment_method.updated");
    expect(event?.data.previous_attributes).toEqual({ allow_redisplay: "unspecified", metadata: { nickname: null } });
  });
});

describe("listing a customer's cards", () => {
  async function threeCards(): Promise<{ customer: string; ids: string[] }> {
    const customer = await stripe.customers.create({});
    const ids: string[] = [];
    for (const token of ["tok_visa", "tok_mastercard", "tok_amex"]) {
      const pm = await stripe.paymentMethods.create({ type: "card", card: { token } });
      await stripe.paymentMethods.attach(pm.id, { customer: customer.id });
      ids.unshift(pm.id); // newest first
    }
    return { customer: customer.id, ids };
  }

  test("GET /v1/payment_methods?customer=&type=card answers Stripe's list envelope, newest first, paged with limit and starting_after", async () => {
    const { customer, ids } = await threeCards();
    const first = await stripe.paymentMethods.list({ customer, type: "card", limit: 2 });
    expect(first).toMatchObject({ object: "list", has_more: true, url: "/v1/payment_methods" });
    expect(first.data.map((pm) => pm.id)).toEqual(ids.slice(0, 2));
    const rest = await stripe.paymentMethods.list({ customer, type: "card", limit: 2, starting_after: ids[1] });
    expect(rest.data.map((pm) => pm.id)).toEqual(ids.slice(2));
    expect(rest.has_more).toBe(false);
    // stripe-node's auto-pagination walks the same cursor.
    const all: string[] = [];
    for await (const pm of stripe.paymentMethods.list({ customer, type: "card", limit: 1 })) all.push(pm.id);
    expect(all).toEqual(ids);
  });

  test("the list filters by type and customer; an unknown customer is a 404; a bad cursor or limit is refused", async () => {
    const { customer } = await threeCards();
    await stripe.paymentMethods.create({ type: "card", card: { token: "tok_visa" } }); // not attached
    expect((await stripe.paymentMethods.list({ customer, type: "sepa_debit" })).data).toEqual([]);
    expect((await stripe.paymentMethods.list({ customer })).data).toHaveLength(3);
    expect(await stripeError(stripe.paymentMethods.list({ customer: "cus_nope", type: "card" }))).toMatchObject({ statusCode: 404, code: "resource_missing", param: "customer" });
    expect(await stripeError(stripe.paymentMethods.list({ customer, starting_after: "pm_nope" }))).toMatchObject({ statusCode: 404, param: "starting_after" });
    expect(await stripeError(stripe.paymentMethods.list({ customer, limit: 101 }))).toMatchObject({ statusCode: 400, param: "limit" });
  });

  test("GET /v1/customers/:id/payment_methods pages the same way (Medusa's listPaymentMethods asks limit 100)", async () => {
    const { customer, ids } = await threeCards();
    const page = await stripe.customers.listPaymentMethods(customer, { limit: 1, starting_after: ids[0] });
    expect(page).toMatchObject({ object: "list", has_more: true, url: `/v1/customers/${customer}/payment_methods` });
    expect(page.data.map((pm) => pm.id)).toEqual([ids[1]]);
    expect((await stripe.customers.listPaymentMethods(customer, { limit: 100 })).data.map((pm) => pm.id)).toEqual(ids);
  });

  test("a saved card shows brand, last4, expiry and funding as Stripe returns them", async () => {
    const { customer } = await threeCards();
    const debit = await stripe.paymentMethods.create({ type: "card", card: { token: "tok_visa_debit" } });
    await stripe.paymentMethods.attach(debit.id, { customer });
    const year = new Date().getUTCFullYear() + 3;
    const cards = (await stripe.paymentMethods.list({ customer, type: "card" })).data.map((pm) => pm.card);
    expect(cards).toMatchObject([
      { brand: "visa", last4: "5556", exp_month: 12, exp_year: year, funding: "debit", display_brand: "visa" },
      { brand: "amex", last4: "0005", exp_month: 12, exp_year: year, funding: "credit" },
      { brand: "mastercard", last4: "4444", exp_month: 12, exp_year: year, funding: "credit" },
      { brand: "visa", last4: "4242", exp_month: 12, exp_year: year, funding: "credit" },
    ]);
    // A card typed into the Payment Element keeps the expiry it was given.
    const typed = await browser.paymentMethods.create({ type: "card", card: { number: "5555555555554444", exp_month: 7, exp_year: 2031, cvc: "123" } });
    expect(typed.card).toMatchObject({ brand: "mastercard", last4: "4444", exp_month: 7, exp_year: 2031 });
  });
});

describe("SetupIntents", () => {
  test("create answers Stripe's shape (usage off_session, card options) and emits setup_intent.created; unknown ids and parameters are refused", async () => {
    const customer = await stripe.customers.create({});
    const si = await stripe.setupIntents.create({ customer: customer.id, metadata: { reason: "account" } });
    expect(si.id).toMatch(/^seti_[A-Za-z0-9]{24}$/);
    expect(si.client_secret).toMatch(new RegExp(`^${si.id}_secret_[A-Za-z0-9]+$`));
    expect(si).toMatchObject({
      object: "setup_intent",
      customer: customer.id,
      status: "requires_payment_method",
      usage: "off_session",
      payment_method: null,
      last_setup_error: null,
      next_action: null,
      latest_attempt: null,
      livemode: false,
      metadata: { reason: "account" },
      automatic_payment_methods: { enabled: true, allow_redirects: "always" },
      payment_method_types: ["card"],
      payment_method_options: { card: { request_three_d_secure: "automatic" } },
    });
    expect((await stripe.setupIntents.retrieve(si.id)).id).toBe(si.id);
    const [event] = await simEvents(sim, "?type=setup_intent.created");
    expect(event?.data.object).toMatchObject({ id: si.id });
    expect(await stripeError(stripe.setupIntents.retrieve("seti_nope"))).toMatchObject({ statusCode: 404, code: "resource_missing" });
    expect(await stripeError(stripe.setupIntents.create({ customer: customer.id, amount: 5 } as Stripe.SetupIntentCreateParams))).toMatchObject({ statusCode: 400, code: "parameter_unknown", param: "amount" });
    expect(await stripeError(stripe.setupIntents.create({ customer: "cus_nope" }))).toMatchObject({ statusCode: 404, param: "customer" });
  });

  test("requires_payment_method → requires_confirmation → succeeded: the card is attached to the customer, with setup_intent.succeeded and payment_method.attached", async () => {
    const customer = await stripe.customers.create({});
    const si = await stripe.setupIntents.create({ customer: customer.id, payment_method: "pm_card_mastercard" });
    expect(si.status).toBe("requires_confirmation");
    const done = await stripe.setupIntents.confirm(si.id, { return_url: RETURN_URL });
    expect(done).toMatchObject({ status: "succeeded", next_action: null, last_setup_error: null });
    expect(done.latest_attempt).toMatch(/^setatt_/);
    const pm = await stripe.paymentMethods.retrieve(String(done.payment_method));
    expect(pm).toMatchObject({ customer: customer.id, card: { brand: "mastercard", last4: "4444" } });
    expect((await simEvents(sim)).map((e) => e.type)).toEqual(["customer.created", "setup_intent.created", "payment_method.attached", "setup_intent.succeeded"]);
  });

  test("server-side confirmation of an automatic-payment-methods SetupIntent needs a return_url; confirming twice is setup_intent_unexpected_state", async () => {
    const si = await stripe.setupIntents.create({ payment_method: "pm_card_visa" });
    const noReturn = await stripeError(stripe.setupIntents.confirm(si.id));
    expect(noReturn).toMatchObject({ statusCode: 400, message: expect.stringMatching(/you must provide a `return_url`/) });
    await stripe.setupIntents.confirm(si.id, { return_url: RETURN_URL });
    const again = await stripeError(stripe.setupIntents.confirm(si.id, { return_url: RETURN_URL }));
    expect(again).toMatchObject({ statusCode: 400, code: "setup_intent_unexpected_state" });
    expect((again.raw as { setup_intent?: { status: string } }).setup_intent?.status).toBe("succeeded");
  });

  test("a 3D Secure card requires action; approving saves it, failing returns the intent to requires_payment_method with setup_intent_authentication_failure", async () => {
    const customer = await stripe.customers.create({});
    const si = await stripe.setupIntents.create({ customer: customer.id, payment_method: "pm_card_authenticationRequired", confirm: true, use_stripe_sdk: true, return_url: RETURN_URL });
    expect(si).toMatchObject({ status: "requires_action", next_action: { type: "use_stripe_sdk" } });
    const approved = await rawApi(sim, "POST", `/v1/setup_intents/${si.id}/_authenticate`, { result: "approve" });
    expect(approved.body).toMatchObject({ status: "succeeded", next_action: null });
    expect((await stripe.customers.listPaymentMethods(customer.id)).data.map((pm) => pm.id)).toEqual([si.payment_method]);

    const second = await stripe.setupIntents.create({ customer: customer.id, payment_method: "pm_card_threeDSecure2Required", confirm: true, use_stripe_sdk: true, return_url: RETURN_URL });
    const failed = await rawApi(sim, "POST", `/v1/setup_intents/${second.id}/_authenticate`, { result: "fail" });
    expect(failed.body).toMatchObject({ status: "requires_payment_method", payment_method: null, last_setup_error: { code: "setup_intent_authentication_failure" } });
    expect((await stripe.customers.listPaymentMethods(customer.id)).data).toHaveLength(1);
    expect((await simEvents(sim, "?type=setup_intent.setup_failed"))[0]?.data.object).toMatchObject({ id: second.id });
    expect(await simEvents(sim, "?type=setup_intent.requires_action")).toHaveLength(2);
  });

  test("a server-side 3DS setup with a return_url redirects to the hosted page, which sends the customer back with setup_intent parameters", async () => {
    const customer = await stripe.customers.create({});
    const si = await stripe.setupIntents.create({ customer: customer.id, payment_method: "pm_card_threeDSecureRequired", confirm: true, return_url: RETURN_URL });
    expect(si.next_action?.type).toBe("redirect_to_url");
    const url = si.next_action?.redirect_to_url?.url ?? "";
    expect(await (await fetch(url)).text()).toContain("saving a card");
    const answer = await fetch(url, { method: "POST", body: "result=approve", headers: { "content-type": "application/x-www-form-urlencoded" }, redirect: "manual" });
    const back = new URL(answer.headers.get("location") ?? "");
    expect(Object.fromEntries(back.searchParams)).toEqual({ setup_intent: si.id, setup_intent_client_secret: si.client_secret, redirect_status: "succeeded" });
    expect((await stripe.setupIntents.retrieve(si.id)).status).toBe("succeeded");
  });

  test("a declined card is a 402 card_error carrying the SetupIntent, which goes back to requires_payment_method with last_setup_error; nothing is saved", async () => {
    const customer = await stripe.customers.create({});
    const si = await stripe.setupIntents.create({ customer: customer.id, allowed_payment_method_types: ["card"] });
    const err = await stripeError(stripe.setupIntents.confirm(si.id, { payment_method: "pm_card_chargeDeclinedInsufficientFunds" }));
    expect(err).toMatchObject({ statusCode: 402, type: "StripeCardError", code: "card_declined", decline_code: "insufficient_funds" });
    expect((err.raw as { setup_intent?: unknown }).setup_intent).toMatchObject({ id: si.id, status: "requires_payment_method", last_setup_error: { code: "card_declined" } });
    expect((await stripe.customers.listPaymentMethods(customer.id)).data).toEqual([]);
    expect(await simEvents(sim, "?type=setup_intent.setup_failed")).toHaveLength(1);
  });

  test("a card attached to another customer is refused on a SetupIntent", async () => {
    const { pm } = await customerWithCard();
    const other = await stripe.customers.create({});
    const si = await stripe.setupIntents.create({ customer: other.id, allowed_payment_method_types: ["card"] });
    const err = await stripeError(stripe.setupIntents.confirm(si.id, { payment_method: pm }));
    expect(err).toMatchObject({ statusCode: 400, param: "payment_method", message: expect.stringMatching(/belongs to the Customer cus_.*on the SetupIntent\.$/) });
    expect((await stripe.setupIntents.retrieve(si.id)).status).toBe("requires_payment_method");
  });

  test("with the publishable key: retrieve and confirm need the client secret and show the reduced view", async () => {
    const customer = await stripe.customers.create({});
    const si = await stripe.setupIntents.create({ customer: customer.id, metadata: { secret: "x" } });
    const seen = await browser.setupIntents.retrieve(si.id, { client_secret: si.client_secret } as Stripe.SetupIntentRetrieveParams);
    expect(seen).toMatchObject({ id: si.id, status: "requires_payment_method", usage: "off_session" });
    expect(seen).not.toHaveProperty("customer");
    expect(seen).not.toHaveProperty("metadata");
    const wrong = await stripeError(browser.setupIntents.retrieve(si.id, { client_secret: `${si.id}_secret_wrong` } as Stripe.SetupIntentRetrieveParams));
    expect(wrong).toMatchObject({ statusCode: 400, code: "setup_intent_invalid_parameter" });
    const done = await browser.setupIntents.confirm(si.id, { client_secret: si.client_secret, payment_method: "pm_card_visa" } as Stripe.SetupIntentConfirmParams);
    expect(done.status).toBe("succeeded");
    expect(await stripeError(browser.setupIntents.create({ customer: customer.id }))).toMatchObject({ statusCode: 403 });
  });

  test("cancel before success emits setup_intent.canceled; a succeeded SetupIntent can't be canceled; list filters by customer", async () => {
    const customer = await stripe.customers.create({});
    const open = await stripe.setupIntents.create({ customer: customer.id });
    expect(await stripe.setupIntents.cancel(open.id, { cancellation_reason: "abandoned" })).toMatchObject({ status: "canceled", cancellation_reason: "abandoned" });
    expect(await simEvents(sim, "?type=setup_intent.canceled")).toHaveLength(1);
    const done = await stripe.setupIntents.create({ customer: customer.id, payment_method: "pm_card_visa", confirm: true, return_url: RETURN_URL });
    expect(await stripeError(stripe.setupIntents.cancel(done.id))).toMatchObject({ statusCode: 400, code: "setup_intent_unexpected_state" });
    await stripe.setupIntents.create({});
    expect((await stripe.setupIntents.list({ customer: customer.id })).data.map((si) => si.id)).toEqual([done.id, open.id]);
  });
});

describe("paying with a saved card", () => {
  test("off-session with the customer: authorised without a return_url, and saving again emits no second payment_method.attached", async () => {
    const { customer, pm } = await customerWithCard();
    const pi = await payWith(customer.id, pm, { off_session: true, setup_future_usage: undefined });
    expect(pi).toMatchObject({ status: "requires_capture", payment_method: pm, customer: customer.id });
    const again = await stripe.paymentIntents.create({
      amount: 500, currency: "usd", customer: customer.id, payment_method: pm, confirm: true,
      setup_future_usage: "off_session", allowed_payment_method_types: ["card"],
    });
    expect(again.status).toBe("succeeded");
    expect(await simEvents(sim, "?type=payment_method.attached")).toHaveLength(1);
  });

  test("setup_future_usage on a paid intent saves the card with payment_method.attached", async () => {
    const customer = await stripe.customers.create({});
    const pi = await stripe.paymentIntents.create({
      amount: 1000, currency: "usd", customer: customer.id, setup_future_usage: "off_session",
      allowed_payment_method_types: ["card"], confirm: true, payment_method: "pm_card_amex",
    });
    const [event] = await simEvents(sim, "?type=payment_method.attached");
    expect(event?.data.object).toMatchObject({ id: pi.payment_method, customer: customer.id, card: { brand: "amex" } });
  });

  test("a card of another customer, or a saved card on an intent without its customer, is refused with Stripe's error and changes nothing", async () => {
    const { customer, pm } = await customerWithCard();
    const other = await stripe.customers.create({});
    const noCustomer = await stripeError(payWith(undefined, pm, { off_session: true }));
    expect(noCustomer).toMatchObject({
      statusCode: 400,
      type: "StripeInvalidRequestError",
      param: "payment_method",
      message: `The \`payment_method\` parameter supplied ${pm} belongs to the Customer ${customer.id}. Please include the Customer in the \`customer\` parameter on the PaymentIntent.`,
    });
    const otherIntent = await stripe.paymentIntents.create({ amount: 1999, currency: "usd", customer: other.id, allowed_payment_method_types: ["card"] });
    const err = await stripeError(stripe.paymentIntents.confirm(otherIntent.id, { payment_method: pm }));
    expect(err).toMatchObject({ statusCode: 400, param: "payment_method" });
    expect(await stripe.paymentIntents.retrieve(otherIntent.id)).toMatchObject({ status: "requires_payment_method", payment_method: null, latest_charge: null });
    expect((await stripe.paymentIntents.list()).data).toHaveLength(1);
  });

  test("a saved card set on an intent of another customer (create or update without confirming) is refused the same way", async () => {
    const { pm } = await customerWithCard();
    const other = await stripe.customers.create({});
    const created = await stripeError(stripe.paymentIntents.create({ amount: 1999, currency: "usd", customer: other.id, payment_method: pm }));
    expect(created).toMatchObject({ statusCode: 400, param: "payment_method" });
    expect((await stripe.paymentIntents.list()).data).toHaveLength(0);
    const intent = await stripe.paymentIntents.create({ amount: 1999, currency: "usd" });
    const updated = await stripeError(stripe.paymentIntents.update(intent.id, { payment_method: pm }));
    expect(updated).toMatchObject({ statusCode: 400, param: "payment_method" });
    expect((await stripe.paymentIntents.retrieve(intent.id)).payment_method).toBeNull();
  });

  test("a saved 3D Secure card asks for authentication again on-session, and is declined authentication_required off-session", async () => {
    // Saving the 3DS card itself needs authentication: approved, as the shopper would.
    const customer = await stripe.customers.create({});
    const si = await stripe.setupIntents.create({ customer: customer.id, payment_method: "pm_card_authenticationRequired", confirm: true, use_stripe_sdk: true, return_url: RETURN_URL });
    await rawApi(sim, "POST", `/v1/setup_intents/${si.id}/_authenticate`, { result: "approve" });
    const pm = String(si.payment_method);
    expect((await stripe.paymentMethods.retrieve(pm)).customer).toBe(customer.id);
    const onSession = await payWith(customer.id, pm, { return_url: RETURN_URL, use_stripe_sdk: true });
    expect(onSession).toMatchObject({ status: "requires_action", next_action: { type: "use_stripe_sdk" } });
    const offSession = await stripeError(payWith(customer.id, pm, { off_session: true }));
    expect(offSession).toMatchObject({ statusCode: 402, code: "authentication_required", decline_code: "authentication_required" });
    const failed = (offSession.raw as { payment_intent: Stripe.PaymentIntent }).payment_intent;
    // Stripe's recipe: bring the customer back on-session with last_payment_error.payment_method.
    expect(failed).toMatchObject({ status: "requires_payment_method", last_payment_error: { code: "authentication_required", payment_method: { id: pm } } });
  });

  test("from the browser (publishable key + client secret) a saved card pays its customer's intent and is refused on another's", async () => {
    const { customer, pm } = await customerWithCard();
    const mine = await stripe.paymentIntents.create({ amount: 1999, currency: "usd", customer: customer.id, capture_method: "manual" });
    const paid = await browser.paymentIntents.confirm(mine.id, { client_secret: mine.client_secret, payment_method: pm } as Stripe.PaymentIntentConfirmParams);
    expect(paid).toMatchObject({ status: "requires_capture", payment_method: pm });
    const theirs = await stripe.paymentIntents.create({ amount: 1999, currency: "usd", capture_method: "manual" });
    const err = await stripeError(browser.paymentIntents.confirm(theirs.id, { client_secret: theirs.client_secret, payment_method: pm } as Stripe.PaymentIntentConfirmParams));
    expect(err).toMatchObject({ statusCode: 400, param: "payment_method" });
  });
});
