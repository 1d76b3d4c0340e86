// Card PaymentMethods: created from raw card data (the Payment Element stand-in, publishable
// key) or from Stripe's `pm_card_*` test tokens. Like Stripe, each use of a test token
// mints a fresh `pm_...`, and the card's test behaviour travels with the PaymentMethod.

import { createHash } from "node:crypto";
import type { ParamObject } from "./form.ts";
import type { PaymentMethod } from "./objects.ts";
import { brandOf, luhnValid, outcomeForNumber, testCardByToken, type TestCard } from "./cards.ts";
import { cardError, invalidRequest, resourceMissing } from "./errors.ts";
import { previousAttributes } from "./events.ts";
import { newId } from "./ids.ts";
import { LIST_PARAMS, listPage } from "./lists.ts";
import { newestFirst } from "./store.ts";
import {
  applyMetadata,
  assertKnownParams,
  metadataParam,
  optionalEnum,
  optionalObject,
  optionalString,
  requiredString,
} from "./params.ts";
import { eventRequest, nowSeconds, type ApiContext, type ApiResult, type EventRequest, type Sim } from "./sim.ts";

type CardInput = { number: string; exp_month: number; exp_year: number; cvc: string | null };

function fingerprint(number: string): string {
  return createHash("sha256").update(number).digest("base64url").replace(/[-_]/g, "").slice(0, 16);
}

function billingDetails(params: ParamObject | undefined): PaymentMethod["billing_details"] {
  const address = params ? optionalObject(params, "address") : undefined;
  const field = (obj: ParamObject | undefined, name: string) =>
    (obj ? optionalString(obj, name) : undefined) ?? null;
  return {
    address: {
      city: field(address, "city"),
      country: field(address, "country"),
      line1: field(address, "line1"),
      line2: field(address, "line2"),
      postal_code: field(address, "postal_code"),
      state: field(address, "state"),
    },
    email: field(params, "email"),
    name: field(params, "name"),
    phone: field(params, "phone"),
    tax_id: null,
  };
}

function store(sim: Sim, input: CardInput, extra: ParamObject): PaymentMethod {
  const brand = brandOf(input.number);
  const pm: PaymentMethod = {
    id: newId("pm"),
    object: "payment_method",
    allow_redisplay: "unspecified",
    billing_details: billingDetails(optionalObject(extra, "billing_details")),
    card: {
      brand,
      checks: {
        address_line1_check: null,
        address_postal_code_check: null,
        cvc_check: input.cvc ? "pass" : null,
      },
      country: "US",
      display_brand: brand,
      exp_month: input.exp_month,
      exp_year: input.exp_year,
      fingerprint: fingerprint(input.number),
      funding: "credit",
      generated_from: null,
      last4: input.number.slice(-4),
      networks: { available: [brand], preferred: null },
      regulated_status: "unregulated",
      three_d_secure_usage: { supported: true },
      wallet: null,
    },
    created: nowSeconds(sim),
    customer: null,
    livemode: false,
    metadata: applyMetadata({}, metadataParam(extra)),
    type: "card",
  };
  sim.store.paymentMethods.set(pm.id, pm);
  sim.store.paymentMethodOutcomes.set(pm.id, outcomeForNumber(input.number));
  return pm;
}

function fromTestCard(sim: Sim, card: TestCard, extra: ParamObject): PaymentMethod {
  const year = new Date(sim.clock()).getUTCFullYear() + 3;
  const pm = store(sim, { number: card.number, exp_month: 12, exp_year: year, cvc: "123" }, extra);
  pm.card.funding = card.funding;
  return pm;
}

// Validation order and messages follow Stripe's card_error responses for bad card data.
function cardInput(sim: Sim, card: ParamObject): CardInput {
  const number = (optionalString(card, "number") ?? "").replace(/[\s-]/g, "");
  if (!luhnValid(number)) {
    throw cardError({ code: "incorrect_number", message: "Your card number is incorrect.", param: "number" });
  }
  const month = Number(optionalString(card, "exp_month"));
  if (!Number.isInteger(month) || month < 1 || month > 12) {
    throw cardError({ code: "invalid_expiry_month", message: "Your card's expiration month is invalid.", param: "exp_month" });
  }
  let year = Number(optionalString(card, "exp_year"));
  if (Number.isInteger(year) && year < 100) year += 2000;
  const now = new Date(sim.clock());
  const nowYear = now.getUTCFullYear();
  const expired = year < nowYear || (year === nowYear && month < now.getUTCMonth() + 1);
  if (!Number.isInteger(year) || expired || year > nowYear + 50) {
    throw cardError({ code: "invalid_expiry_year", message: "Your card's expiration year is invalid.", param: "exp_year" });
  }
  const cvc = optionalString(card, "cvc") ?? null;
  if (cvc !== null && !/^\d{3,4}$/.test(cvc)) {
    throw cardError({ code: "invalid_cvc", message: "Your card's security code is invalid.", param: "cvc" });
  }
  return { number, exp_month: month, exp_year: year, cvc };
}

// `payment_method_data` on confirm, or the body of POST /v1/payment_methods.
export function createPaymentMethod(ctx: ApiContext, data: ParamObject): PaymentMethod {
  const type = requiredString(data, "type");
  if (type !== "card") {
    throw invalidRequest(
      `The simulator only supports PaymentMethods of type card (got ${type}).`,
      { code: "payment_method_invalid_parameter", param: "type" },
    );
  }
  const card = optionalObject(data, "card");
  if (!card) throw invalidRequest("Missing required param: card.", { code: "parameter_missing", param: "card" });
  const token = optionalString(card, "token");
  if (token) {
    const testCard = testCardByToken(token);
    if (!testCard) throw resourceMissing("token", token, "card[token]");
    return fromTestCard(ctx.sim, testCard, data);
  }
  if (ctx.auth.mode === "secret") {
    // Stripe test mode refuses raw numbers from servers unless the account is enabled for it.
    throw invalidRequest(
      "Sending credit card numbers directly to the Stripe API is generally unsafe. We suggest you use test tokens that map to the test card you are using, see https://stripe.com/docs/testing.",
      {},
      402,
    );
  }
  return store(ctx.sim, cardInput(ctx.sim, card), data);
}

// A `payment_method` parameter: an existing `pm_...` or a `pm_card_*` test token.
export function resolvePaymentMethod(ctx: ApiContext, id: string): PaymentMethod {
  const testCard = testCardByToken(id);
  if (testCard) return fromTestCard(ctx.sim, testCard, {});
  const pm = ctx.sim.store.paymentMethods.get(id);
  if (!pm) throw resourceMissing("PaymentMethod", id, "payment_method");
  return pm;
}

function find(ctx: ApiContext): PaymentMethod {
  const pm = ctx.sim.store.paymentMethods.get(ctx.id);
  if (!pm) throw resourceMissing("PaymentMethod", ctx.id, "payment_method");
  return pm;
}

const CONSUMED =
  "The provided PaymentMethod was previously used with a PaymentIntent without Customer attachment, shared with a connected account without Customer attachment, or was detached from a Customer. It may not be used again. To use a PaymentMethod multiple times, you must attach it to a Customer first.";

/**
 * Whether an intent of `customer` may use `pm`, checked when a Payment- or SetupIntent is
 * confirmed with it: a PaymentMethod attached to a customer only works on that customer's
 * intents, and a detached one not at all. The message is Stripe's (as seen in stripe-node
 * users' reports) for a customerless intent; the simulator uses it for another customer's too.
 */
export function assertUsableBy(sim: Sim, pm: PaymentMethod, customer: string | null, intentKind: "PaymentIntent" | "SetupIntent"): void {
  if (sim.store.consumedPaymentMethods.has(pm.id)) {
    throw invalidRequest(CONSUMED, { param: "payment_method" });
  }
  if (pm.customer && pm.customer !== customer) {
    throw invalidRequest(
      `The \`payment_method\` parameter supplied ${pm.id} belongs to the Customer ${pm.customer}. Please include the Customer in the \`customer\` parameter on the ${intentKind}.`,
      { param: "payment_method" },
    );
  }
}

/** Attaches `pm` to `customer` (no-op if it already is) with Stripe's `payment_method.attached` event. */
export function attachToCustomer(sim: Sim, pm: PaymentMethod, customer: string, request: EventRequest | null): void {
  if (pm.customer === customer) return;
  pm.customer = customer;
  sim.emit("payment_method.attached", pm, request);
}

export function handleCreatePaymentMethod(ctx: ApiContext): ApiResult {
  assertKnownParams(ctx.params, ["type", "card", "billing_details", "metadata", "expand", "allow_redisplay"]);
  const pm = createPaymentMethod(ctx, ctx.params);
  pm.allow_redisplay = optionalEnum(ctx.params, "allow_redisplay", ALLOW_REDISPLAY) ?? "unspecified";
  return { status: 200, body: pm };
}

const ALLOW_REDISPLAY = ["always", "limited", "unspecified"] as const;

export function handleRetrievePaymentMethod(ctx: ApiContext): ApiResult {
  assertKnownParams(ctx.params, ["expand"]);
  return { status: 200, body: find(ctx) };
}

// https://docs.stripe.com/api/payment_methods/attach: attaching again to the same customer
// answers the PaymentMethod; to another customer it is refused.
export function handleAttachPaymentMethod(ctx: ApiContext): ApiResult {
  assertKnownParams(ctx.params, ["customer", "expand"]);
  const pm = find(ctx);
  const customer = requiredString(ctx.params, "customer");
  if (!ctx.sim.store.customers.has(customer)) throw resourceMissing("customer", customer, "customer");
  if (ctx.sim.store.consumedPaymentMethods.has(pm.id)) throw invalidRequest(CONSUMED);
  if (pm.customer && pm.customer !== customer) {
    throw invalidRequest("The payment method you provided has already been attached to a customer.");
  }
  attachToCustomer(ctx.sim, pm, customer, eventRequest(ctx));
  return { status: 200, body: pm };
}

// A detached PaymentMethod can't be used or attached again; `payment_method.detached`
// carries the customer it had in `previous_attributes`.
export function handleDetachPaymentMethod(ctx: ApiContext): ApiResult {
  assertKnownParams(ctx.params, ["expand"]);
  const pm = find(ctx);
  if (!pm.customer) {
    throw invalidRequest(`The payment method you provided is not attached to a customer so detachment is impossible.`);
  }
  const customer = pm.customer;
  pm.customer = null;
  ctx.sim.store.consumedPaymentMethods.add(pm.id);
  ctx.sim.emit("payment_method.detached", pm, eventRequest(ctx), { customer });
  return { status: 200, body: pm };
}

export function handleUpdatePaymentMethod(ctx: ApiContext): ApiResult {
  assertKnownParams(ctx.params, ["billing_details", "metadata", "expand", "allow_redisplay"]);
  const pm = find(ctx);
  const before = structuredClone(pm);
  const billing = ctx.params.billing_details !== undefined ? billingDetails(optionalObject(ctx.params, "billing_details")) : pm.billing_details;
  const metadata = applyMetadata(pm.metadata, metadataParam(ctx.params));
  const allowRedisplay = optionalEnum(ctx.params, "allow_redisplay", ALLOW_REDISPLAY);
  pm.billing_details = billing;
  pm.metadata = metadata;
  if (allowRedisplay) pm.allow_redisplay = allowRedisplay;
  const previous = previousAttributes(before, pm);
  if (previous) ctx.sim.emit("payment_method.updated", pm, eventRequest(ctx), previous);
  return { status: 200, body: pm };
}

// A customer's PaymentMethods, newest first, optionally of one `type` / `allow_redisplay`.
export function listCustomerPaymentMethods(ctx: ApiContext, customer: string, url: string): ApiResult {
  if (!ctx.sim.store.customers.has(customer)) throw resourceMissing("customer", customer, "customer");
  const type = optionalString(ctx.params, "type");
  const allowRedisplay = optionalEnum(ctx.params, "allow_redisplay", ALLOW_REDISPLAY);
  const all = newestFirst(
    [...ctx.sim.store.paymentMethods.values()].filter(
      (pm) => pm.customer === customer && (!type || pm.type === type) && (!allowRedisplay || pm.allow_redisplay === allowRedisplay),
    ),
  );
  return { status: 200, body: listPage(ctx.params, all, url, "payment_method") };
}

// GET /v1/payment_methods?customer=cus_...&type=card. Without `customer` Stripe lists the
// account's Treasury PaymentMethods, of which the simulated account has none.
export function handleListPaymentMethods(ctx: ApiContext): ApiResult {
  assertKnownParams(ctx.params, [...LIST_PARAMS, "customer", "type", "allow_redisplay"]);
  const customer = optionalString(ctx.params, "customer");
  if (!customer) {
    optionalEnum(ctx.params, "allow_redisplay", ALLOW_REDISPLAY);
    return { status: 200, body: { object: "list", data: [], has_more: false, url: "/v1/payment_methods" } };
  }
  return listCustomerPaymentMethods(ctx, customer, "/v1/payment_methods");
}
