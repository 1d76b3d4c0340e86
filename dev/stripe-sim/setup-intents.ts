// SetupIntents for cards (https://docs.stripe.com/api/setup_intents): saving a card to a
// customer without paying, which Medusa's provider starts in `savePaymentMethod`
// (`setupIntents.create({customer, ...data})`) and the browser confirms with Stripe.js.
//
//   requires_payment_method --(payment_method)--> requires_confirmation
//     --confirm--> succeeded              (card attached to the intent's customer)
//               -> requires_action        (3D Secure card; next_action set)
//               -> requires_payment_method + last_setup_error   (decline: 402 card_error)
//   requires_action --authentication approved--> succeeded
//                   --authentication failed---> requires_payment_method
//                                                (setup_intent_authentication_failure)
//
// Events: setup_intent.created, .requires_action, .succeeded, .setup_failed, .canceled, and
// payment_method.attached when the card is saved to the customer.

import type { CardOutcome, Decline } from "./cards.ts";
import type { PaymentMethod, SetupIntent, SetupIntentStatus } from "./objects.ts";
import { readAuthenticationResult, readCardConfirmInput, type AuthenticationResult, type CardConfirmInput } from "./confirmation.ts";
import { paymentMethodSetup } from "./create-intent.ts";
import { cardError, invalidRequest, paramError, resourceMissing } from "./errors.ts";
import { alnum, newClientSecret, newId } from "./ids.ts";
import { allowedTypesParam, customerParam } from "./intent-params.ts";
import { LIST_PARAMS, listPage } from "./lists.ts";
import {
  applyMetadata,
  assertKnownParams,
  expandParam,
  metadataParam,
  optionalBoolean,
  optionalEnum,
  optionalObject,
  optionalString,
  optionalStringArray,
} from "./params.ts";
import { assertUsableBy, attachToCustomer } from "./payment-methods.ts";
import { newestFirst } from "./store.ts";
import { eventRequest, nowSeconds, type ApiContext, type ApiResult, type EventRequest, type Sim } from "./sim.ts";

const CONFIRMABLE: SetupIntentStatus[] = ["requires_payment_method", "requires_confirmation", "requires_action"];
const USAGES = ["off_session", "on_session"] as const;
const CANCELLATION_REASONS = ["abandoned", "duplicate", "requested_by_customer"] as const;

const CONFIRM_PARAMS = ["payment_method", "payment_method_data", "payment_method_options", "return_url", "use_stripe_sdk", "mandate_data", "expand"];
const CREATE_PARAMS = [
  ...CONFIRM_PARAMS, "allowed_payment_method_types", "payment_method_types", "automatic_payment_methods", "confirm",
  "customer", "description", "excluded_payment_method_types", "metadata", "payment_method_configuration", "usage",
];
const UPDATE_PARAMS = [
  "allowed_payment_method_types", "payment_method_types", "customer", "description", "excluded_payment_method_types",
  "expand", "metadata", "payment_method", "payment_method_configuration", "payment_method_data", "payment_method_options",
];

// What Stripe returns for a SetupIntent retrieved with the publishable key.
const PUBLISHABLE_FIELDS = [
  "id", "object", "automatic_payment_methods", "cancellation_reason", "client_secret", "created", "description",
  "excluded_payment_method_types", "last_setup_error", "livemode", "next_action", "payment_method",
  "payment_method_configuration_details", "payment_method_types", "status", "usage",
] as const;

const AUTHENTICATION_FAILURE =
  "The latest attempt to set up the payment method has failed because authentication failed.";

function unexpectedState(message: string, extra: Record<string, unknown> = {}) {
  return invalidRequest(message, { code: "setup_intent_unexpected_state", ...extra });
}

export function renderSetupIntent(ctx: ApiContext, si: SetupIntent, expand: string[] = []): Record<string, unknown> {
  const publishable = ctx.auth.mode === "publishable";
  const out: Record<string, unknown> = structuredClone(si);
  for (const path of expand) {
    const allowed = publishable ? path === "payment_method" : path === "payment_method" || path === "customer";
    if (!allowed) throw paramError(`This property cannot be expanded (${path}).`, "expand");
    const id = si[path as "payment_method" | "customer"];
    if (typeof id !== "string") continue;
    const target = path === "payment_method" ? ctx.sim.store.paymentMethods.get(id) : ctx.sim.store.customers.get(id);
    if (target) out[path] = structuredClone(target);
  }
  if (!publishable) return out;
  return Object.fromEntries(PUBLISHABLE_FIELDS.map((key) => [key, out[key]]));
}

function respond(ctx: ApiContext, si: SetupIntent): ApiResult {
  return { status: 200, body: renderSetupIntent(ctx, si, expandParam(ctx.params)) };
}

function find(ctx: ApiContext): SetupIntent {
  const si = ctx.sim.store.setupIntents.get(ctx.id);
  if (ctx.auth.mode === "publishable") {
    if (!si || si.client_secret !== ctx.auth.clientSecret) {
      throw invalidRequest(
        "The client_secret provided does not match any associated SetupIntent on this account. Ensure the publishable key used belongs to the same account that created the SetupIntent.",
        { code: "setup_intent_invalid_parameter", param: "client_secret" },
      );
    }
    return si;
  }
  if (!si) throw resourceMissing("setupintent", ctx.id, "intent");
  return si;
}

// Every reason to refuse a confirmation, before anything changes.
function checkConfirmation(ctx: ApiContext, si: SetupIntent, input: CardConfirmInput): PaymentMethod {
  if (!CONFIRMABLE.includes(si.status)) {
    throw unexpectedState(
      si.status === "succeeded"
        ? "You cannot confirm this SetupIntent because it has already succeeded after being previously confirmed."
        : `You cannot confirm this SetupIntent because it has a status of ${si.status}. Only a SetupIntent with one of the following statuses may be confirmed: ${CONFIRMABLE.join(", ")}.`,
      { setup_intent: renderSetupIntent(ctx, si) },
    );
  }
  const pm = input.paymentMethod ?? (si.payment_method ? (ctx.sim.store.paymentMethods.get(si.payment_method) ?? null) : null);
  if (!pm) {
    throw unexpectedState(
      "You cannot confirm this SetupIntent because it's missing a payment method. To confirm the SetupIntent, either update it with a payment method and confirm it again, or confirm it again directly with a payment method.",
      { setup_intent: renderSetupIntent(ctx, si) },
    );
  }
  // "Payment methods attached to other Customers cannot be used with this SetupIntent."
  assertUsableBy(ctx.sim, pm, si.customer, "SetupIntent");
  if (!si.payment_method_types.includes(pm.type)) {
    throw invalidRequest(
      `The PaymentMethod provided (${pm.type}) is not allowed for this SetupIntent. Please attach a PaymentMethod of one of the following types: ${si.payment_method_types.join(", ")}.`,
      { code: "setup_intent_invalid_parameter", param: "payment_method" },
    );
  }
  const redirects = si.automatic_payment_methods?.enabled && si.automatic_payment_methods.allow_redirects !== "never";
  if (ctx.auth.mode === "secret" && redirects && !input.returnUrl) {
    throw invalidRequest(
      "This SetupIntent is configured to accept payment methods enabled in your Dashboard, because some of these payment methods might redirect your customer off of your page, you must provide a `return_url`. If you don't want to accept redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` and `automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and Payment Intents.",
    );
  }
  return pm;
}

function runConfirmation(ctx: ApiContext, si: SetupIntent, input: CardConfirmInput, pm: PaymentMethod): void {
  si.payment_method = pm.id;
  si.last_setup_error = null;
  si.next_action = null;
  si.latest_attempt = newId("setatt");
  const outcome: CardOutcome = ctx.sim.store.paymentMethodOutcomes.get(pm.id) ?? { kind: "succeed" };
  if (outcome.kind === "succeed") return succeed(ctx.sim, si, pm, eventRequest(ctx));
  if (outcome.kind === "decline") return decline(ctx, si, pm, outcome.decline);
  requireAction(ctx, si, input);
}

function succeed(sim: Sim, si: SetupIntent, pm: PaymentMethod, request: EventRequest | null): void {
  sim.store.intentInternals.delete(si.id);
  si.status = "succeeded";
  si.next_action = null;
  // "If present, the SetupIntent's payment method will be attached to the Customer on successful setup."
  if (si.customer) attachToCustomer(sim, pm, si.customer, request);
  sim.emit("setup_intent.succeeded", si, request);
}

// Card errors on setup look like a decline on payment, with the SetupIntent in the error.
function decline(ctx: ApiContext, si: SetupIntent, pm: PaymentMethod, d: Decline): never {
  si.status = "requires_payment_method";
  si.payment_method = null;
  si.last_setup_error = {
    type: "card_error",
    code: d.code,
    decline_code: d.decline_code,
    message: d.message,
    doc_url: `https://docs.stripe.com/error-codes/${d.code.replaceAll("_", "-")}`,
    payment_method: structuredClone(pm),
  };
  ctx.sim.emit("setup_intent.setup_failed", si, eventRequest(ctx));
  throw cardError({
    code: d.code,
    decline_code: d.decline_code,
    message: d.message,
    setup_intent: renderSetupIntent(ctx, si),
    payment_method: structuredClone(pm),
  });
}

function requireAction(ctx: ApiContext, si: SetupIntent, input: CardConfirmInput): void {
  const token = alnum(32);
  ctx.sim.store.intentInternals.set(si.id, { authenticationToken: token, returnUrl: input.returnUrl ?? null });
  const url = `${ctx.origin}/3ds/${token}`;
  const inPage = ctx.auth.mode === "publishable" || input.useStripeSdk;
  si.status = "requires_action";
  si.next_action = !inPage && input.returnUrl
    ? { type: "redirect_to_url", redirect_to_url: { url, return_url: input.returnUrl } }
    : { type: "use_stripe_sdk", use_stripe_sdk: { type: "three_d_secure_redirect", stripe_js: url, source: newId("src") } };
  ctx.sim.emit("setup_intent.requires_action", si, eventRequest(ctx));
}

// The customer's answer to the 3DS challenge (Stripe.js dialog, hosted page or `_authenticate`).
export function completeSetupAuthentication(
  sim: Sim,
  si: SetupIntent,
  result: AuthenticationResult,
  request: EventRequest | null,
  render?: (si: SetupIntent) => Record<string, unknown>,
): void {
  if (si.status !== "requires_action") {
    throw unexpectedState(
      `This SetupIntent is not awaiting authentication: it has a status of ${si.status}.`,
      render ? { setup_intent: render(si) } : {},
    );
  }
  const pm = si.payment_method ? sim.store.paymentMethods.get(si.payment_method) : undefined;
  if (!pm) throw unexpectedState("This SetupIntent has no payment method to authenticate.");
  if (result === "approve") return succeed(sim, si, pm, request);
  sim.store.intentInternals.delete(si.id);
  si.status = "requires_payment_method";
  si.payment_method = null;
  si.next_action = null;
  si.last_setup_error = {
    type: "invalid_request_error",
    code: "setup_intent_authentication_failure",
    message: AUTHENTICATION_FAILURE,
    doc_url: "https://docs.stripe.com/error-codes/setup-intent-authentication-failure",
    payment_method: structuredClone(pm),
  };
  sim.emit("setup_intent.setup_failed", si, request);
}

export function handleCreateSetupIntent(ctx: ApiContext): ApiResult {
  const p = ctx.params;
  assertKnownParams(p, CREATE_PARAMS);
  const confirm = optionalBoolean(p, "confirm") ?? false;
  if (!confirm) {
    for (const name of ["return_url", "use_stripe_sdk", "mandate_data"]) {
      if (p[name] !== undefined) throw paramError(`You can only provide \`${name}\` when \`confirm\` is true.`, name);
    }
  }
  const id = newId("seti");
  const si: SetupIntent = {
    id,
    object: "setup_intent",
    ...paymentMethodSetup(ctx),
    application: null,
    cancellation_reason: null,
    client_secret: newClientSecret(id),
    created: nowSeconds(ctx.sim),
    customer: customerParam(ctx),
    customer_account: null,
    description: optionalString(p, "description") ?? null,
    excluded_payment_method_types: optionalStringArray(p, "excluded_payment_method_types") ?? null,
    flow_directions: null,
    last_setup_error: null,
    latest_attempt: null,
    livemode: false,
    managed_payments: null,
    mandate: null,
    metadata: applyMetadata({}, metadataParam(p)),
    next_action: null,
    on_behalf_of: null,
    payment_method: null,
    payment_method_options: optionalObject(p, "payment_method_options") ?? {
      card: { mandate_options: null, network: null, request_three_d_secure: "automatic" },
    },
    single_use_mandate: null,
    status: "requires_payment_method",
    usage: optionalEnum(p, "usage", USAGES) ?? "off_session",
  };
  const input = readCardConfirmInput(ctx, p);
  if (confirm && !input.paymentMethod) {
    throw paramError("You must provide a `payment_method` or `payment_method_data` when `confirm` is true.", "payment_method");
  }
  if (input.paymentMethod && !confirm) {
    assertUsableBy(ctx.sim, input.paymentMethod, si.customer, "SetupIntent");
    si.payment_method = input.paymentMethod.id;
    si.status = "requires_confirmation";
  }
  const pm = confirm ? checkConfirmation(ctx, si, input) : null;
  ctx.sim.store.setupIntents.set(id, si);
  ctx.sim.emit("setup_intent.created", si, eventRequest(ctx));
  if (pm) runConfirmation(ctx, si, input, pm);
  return respond(ctx, si);
}

export function handleRetrieveSetupIntent(ctx: ApiContext): ApiResult {
  assertKnownParams(ctx.params, ["expand", "client_secret"]);
  return respond(ctx, find(ctx));
}

export function handleUpdateSetupIntent(ctx: ApiContext): ApiResult {
  const p = ctx.params;
  assertKnownParams(p, UPDATE_PARAMS);
  const si = find(ctx);
  if (si.status === "succeeded" || si.status === "canceled") {
    throw unexpectedState(`You cannot update this SetupIntent because it has a status of ${si.status}.`, { setup_intent: renderSetupIntent(ctx, si) });
  }
  const metadata = applyMetadata(si.metadata, metadataParam(p));
  const customer = p.customer !== undefined ? customerParam(ctx) : si.customer;
  const types = allowedTypesParam(ctx);
  const input = p.payment_method !== undefined || p.payment_method_data !== undefined ? readCardConfirmInput(ctx, p) : null;
  if (input?.paymentMethod) assertUsableBy(ctx.sim, input.paymentMethod, customer, "SetupIntent");
  si.metadata = metadata;
  si.customer = customer;
  if (types) {
    si.allowed_payment_method_types = types;
    si.payment_method_types = types;
    si.automatic_payment_methods = null;
  }
  if (p.description !== undefined) si.description = optionalString(p, "description") ?? null;
  if (p.payment_method_options !== undefined) si.payment_method_options = optionalObject(p, "payment_method_options") ?? {};
  if (input?.paymentMethod) {
    si.payment_method = input.paymentMethod.id;
    si.status = "requires_confirmation";
    si.next_action = null;
    ctx.sim.store.intentInternals.delete(si.id);
  }
  return respond(ctx, si);
}

export function handleConfirmSetupIntent(ctx: ApiContext): ApiResult {
  const allowed = ctx.auth.mode === "publishable" ? [...CONFIRM_PARAMS, "client_context", "expected_payment_method_type"] : CONFIRM_PARAMS;
  assertKnownParams(ctx.params, allowed);
  const si = find(ctx);
  const input = readCardConfirmInput(ctx, ctx.params);
  const pm = checkConfirmation(ctx, si, input);
  if (ctx.params.payment_method_options !== undefined) si.payment_method_options = optionalObject(ctx.params, "payment_method_options") ?? {};
  runConfirmation(ctx, si, input, pm);
  return respond(ctx, si);
}

export function handleCancelSetupIntent(ctx: ApiContext): ApiResult {
  assertKnownParams(ctx.params, ["cancellation_reason", "expand"]);
  const si = find(ctx);
  const reason = optionalEnum(ctx.params, "cancellation_reason", CANCELLATION_REASONS);
  if (!CONFIRMABLE.includes(si.status)) {
    throw unexpectedState(
      `You cannot cancel this SetupIntent because it has a status of ${si.status}. Only a SetupIntent with one of the following statuses may be canceled: ${CONFIRMABLE.join(", ")}.`,
      { setup_intent: renderSetupIntent(ctx, si) },
    );
  }
  ctx.sim.store.intentInternals.delete(si.id);
  si.status = "canceled";
  si.cancellation_reason = reason ?? null;
  si.next_action = null;
  ctx.sim.emit("setup_intent.canceled", si, eventRequest(ctx));
  return respond(ctx, si);
}

export function handleListSetupIntents(ctx: ApiContext): ApiResult {
  assertKnownParams(ctx.params, [...LIST_PARAMS, "customer", "payment_method"]);
  const customer = optionalString(ctx.params, "customer");
  const paymentMethod = optionalString(ctx.params, "payment_method");
  const all = newestFirst(ctx.sim.store.setupIntents.values()).filter(
    (si) => (!customer || si.customer === customer) && (!paymentMethod || si.payment_method === paymentMethod),
  );
  const page = listPage(ctx.params, all, "/v1/setup_intents", "setupintent");
  return { status: 200, body: { ...page, data: page.data.map((si) => renderSetupIntent(ctx, si)) } };
}

// Simulator-only: the answer to a SetupIntent's 3DS challenge (the Stripe.js stand-in's dialog).
export function handleAuthenticateSetupIntent(ctx: ApiContext): ApiResult {
  assertKnownParams(ctx.params, ["result", "expand"]);
  const si = find(ctx);
  completeSetupAuthentication(ctx.sim, si, readAuthenticationResult(ctx.params), eventRequest(ctx), (current) => renderSetupIntent(ctx, current));
  return respond(ctx, si);
}
