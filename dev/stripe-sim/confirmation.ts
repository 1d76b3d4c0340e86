// Confirming a PaymentIntent: the state machine of
// https://docs.stripe.com/payments/paymentintents/lifecycle for cards.
//
//   requires_payment_method / requires_confirmation / requires_action
//     --confirm--> succeeded            (capture_method automatic | automatic_async)
//               -> requires_capture     (capture_method manual)
//               -> requires_action      (3D Secure card; next_action set)
//               -> requires_payment_method + last_payment_error   (decline: 402 card_error)
//   requires_action --authentication approved--> succeeded | requires_capture
//                   --authentication failed---> requires_payment_method
//                                                (payment_intent_authentication_failure)

import type { ParamObject } from "./form.ts";
import type { CardOutcome, Decline } from "./cards.ts";
import type { PaymentIntent, PaymentMethod } from "./objects.ts";
import { createCharge } from "./charges.ts";
import { cardError, invalidRequest, paramError, unexpectedState } from "./errors.ts";
import { alnum, newId } from "./ids.ts";
import { renderIntent } from "./intent-view.ts";
import {
  optionalBoolean,
  optionalEnum,
  optionalObject,
  optionalString,
} from "./params.ts";
import { assertUsableBy, attachToCustomer, createPaymentMethod, resolvePaymentMethod } from "./payment-methods.ts";
import { eventRequest, type ApiContext, type EventRequest, type Sim } from "./sim.ts";

export const CONFIRMABLE = ["requires_payment_method", "requires_confirmation", "requires_action"];

const AUTHENTICATION_FAILURE =
  "The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.";

// A 3DS card confirmed off-session (no customer present to authenticate) is declined.
const AUTHENTICATION_REQUIRED: Decline = {
  code: "authentication_required",
  decline_code: "authentication_required",
  message: "Your card was declined. This transaction requires authentication.",
};

/** What a PaymentIntent's and a SetupIntent's confirmation both read: the card and where to come back to. */
export type CardConfirmInput = {
  paymentMethod: PaymentMethod | null;
  returnUrl: string | undefined;
  useStripeSdk: boolean;
};

export type ConfirmInput = CardConfirmInput & {
  offSession: boolean;
  errorOnRequiresAction: boolean;
};

/** `payment_method` or `payment_method_data` (not both), `return_url`, `use_stripe_sdk`: on create(confirm=true) and on /confirm, of either intent. */
export function readCardConfirmInput(ctx: ApiContext, params: ParamObject): CardConfirmInput {
  const pmId = optionalString(params, "payment_method");
  const pmData = optionalObject(params, "payment_method_data");
  if (pmId && pmData) {
    throw paramError("You cannot provide both payment_method and payment_method_data.", "payment_method_data");
  }
  const returnUrl = optionalString(params, "return_url");
  if (returnUrl !== undefined && !/^[a-z][a-z0-9+.-]*:/i.test(returnUrl)) {
    throw paramError("Not a valid URL", "return_url", "url_invalid");
  }
  return {
    paymentMethod: pmId ? resolvePaymentMethod(ctx, pmId) : pmData ? createPaymentMethod(ctx, pmData) : null,
    returnUrl,
    useStripeSdk: optionalBoolean(params, "use_stripe_sdk") ?? false,
  };
}

// Parameters that mean the same on create(confirm=true) and on /confirm of a PaymentIntent.
export function readConfirmInput(ctx: ApiContext, params: ParamObject): ConfirmInput {
  const offSessionRaw = params.off_session;
  // off_session is a boolean, or "one_off"/"recurring" (legacy values Stripe still accepts).
  const offSession =
    offSessionRaw === "one_off" || offSessionRaw === "recurring"
      ? true
      : (optionalBoolean(params, "off_session") ?? false);
  return {
    ...readCardConfirmInput(ctx, params),
    offSession,
    errorOnRequiresAction: optionalBoolean(params, "error_on_requires_action") ?? false,
  };
}

function assertConfirmable(ctx: ApiContext, intent: PaymentIntent): void {
  if (CONFIRMABLE.includes(intent.status)) return;
  const message =
    intent.status === "succeeded"
      ? "You cannot confirm this PaymentIntent because it has already succeeded after being previously confirmed."
      : `You cannot confirm this PaymentIntent because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be confirmed: ${CONFIRMABLE.join(", ")}.`;
  throw unexpectedState(message, { payment_intent: renderIntent(ctx, intent) });
}

// Stripe.js refuses to confirm an intent whose currency or capture method differs from
// what the deferred-intent Payment Element was created with. The stand-in sends its
// Elements options as `client_context[...]` so the check happens here, in one place.
function assertMatchesElements(ctx: ApiContext, intent: PaymentIntent): void {
  const clientContext = optionalObject(ctx.params, "client_context");
  if (!clientContext) return;
  const currency = optionalString(clientContext, "currency");
  if (currency && currency.toLowerCase() !== intent.currency) {
    throw paramError(
      `The currency provided to Elements (${currency.toLowerCase()}) does not match the currency of this PaymentIntent (${intent.currency}).`,
      "currency",
    );
  }
  const captureMethod = optionalString(clientContext, "capture_method");
  const normalize = (m: string) => (m === "automatic_async" ? "automatic" : m);
  if (captureMethod && normalize(captureMethod) !== normalize(intent.capture_method)) {
    throw paramError(
      `The captureMethod provided to Elements (${captureMethod}) does not match the capture_method of this PaymentIntent (${intent.capture_method}).`,
      "capture_method",
    );
  }
}

function outcomeOf(sim: Sim, pm: PaymentMethod): CardOutcome {
  return sim.store.paymentMethodOutcomes.get(pm.id) ?? { kind: "succeed" };
}

export function confirmIntent(ctx: ApiContext, intent: PaymentIntent, input: ConfirmInput): void {
  runConfirmation(ctx, intent, input, checkConfirmation(ctx, intent, input));
}

// Every reason to refuse a confirmation, checked before anything changes (so a create with
// confirm=true that is refused creates nothing).
export function checkConfirmation(ctx: ApiContext, intent: PaymentIntent, input: ConfirmInput): PaymentMethod {
  assertConfirmable(ctx, intent);
  if (ctx.auth.mode === "publishable") assertMatchesElements(ctx, intent);

  const pm =
    input.paymentMethod ??
    (intent.payment_method ? (ctx.sim.store.paymentMethods.get(intent.payment_method) ?? null) : null);
  if (!pm) {
    throw unexpectedState(
      "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the PaymentIntent, either update it with a payment method and confirm it again, or confirm it again directly with a payment method.",
      { payment_intent: renderIntent(ctx, intent) },
    );
  }
  // A saved card works only on its own customer's intents.
  assertUsableBy(ctx.sim, pm, intent.customer, "PaymentIntent");
  if (!intent.payment_method_types.includes(pm.type)) {
    throw invalidRequest(
      `The PaymentMethod provided (${pm.type}) is not allowed for this PaymentIntent. Please attach a PaymentMethod of one of the following types: ${intent.payment_method_types.join(", ")}. Alternatively, update the allowed_payment_method_types for this PaymentIntent to include "${pm.type}".`,
      { code: "payment_intent_invalid_parameter", param: "payment_method" },
    );
  }
  // Intents on automatic payment methods may need a redirect, so a server-side confirmation
  // must say where the customer comes back to (Stripe.js always knows).
  const redirects = intent.automatic_payment_methods?.enabled && intent.automatic_payment_methods.allow_redirects !== "never";
  if (ctx.auth.mode === "secret" && redirects && !input.returnUrl && !input.offSession) {
    throw invalidRequest(
      "This PaymentIntent is configured to accept payment methods enabled in your Dashboard, because some of these payment methods might redirect your customer off of your page, you must provide a `return_url`. If you don't want to accept redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` and `automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and Payment Intents.",
    );
  }
  return pm;
}

export function runConfirmation(ctx: ApiContext, intent: PaymentIntent, input: ConfirmInput, pm: PaymentMethod): void {
  intent.payment_method = pm.id;
  intent.last_payment_error = null;
  intent.next_action = null;
  const request = eventRequest(ctx);
  const outcome = outcomeOf(ctx.sim, pm);

  if (outcome.kind === "succeed") return settle(ctx.sim, intent, pm, request);
  if (outcome.kind === "decline") return decline(ctx, intent, pm, outcome.decline);
  if (input.offSession || input.errorOnRequiresAction) {
    return decline(ctx, intent, pm, AUTHENTICATION_REQUIRED);
  }
  requireAction(ctx, intent, input);
}

// Money moves: authorised and, unless capture is manual, captured at once.
function settle(sim: Sim, intent: PaymentIntent, pm: PaymentMethod, request: EventRequest | null): void {
  const manual = intent.capture_method === "manual";
  const charge = createCharge(sim, intent, pm.id, { captured: !manual });
  intent.latest_charge = charge.id;
  intent.next_action = null;
  sim.store.intentInternals.delete(intent.id);
  // setup_future_usage saves the card to the intent's customer once the payment is authorised.
  if (intent.setup_future_usage && intent.customer) attachToCustomer(sim, pm, intent.customer, request);
  if (manual) {
    intent.status = "requires_capture";
    intent.amount_capturable = intent.amount;
    sim.emit("payment_intent.amount_capturable_updated", intent, request);
  } else {
    intent.status = "succeeded";
    intent.amount_received = intent.amount;
    sim.emit("payment_intent.succeeded", intent, request);
  }
}

function decline(ctx: ApiContext, intent: PaymentIntent, pm: PaymentMethod, d: Decline): never {
  const charge = createCharge(ctx.sim, intent, pm.id, { decline: d });
  intent.status = "requires_payment_method";
  intent.payment_method = null;
  intent.latest_charge = charge.id;
  intent.last_payment_error = {
    type: "card_error",
    code: d.code,
    decline_code: d.decline_code,
    message: d.message,
    doc_url: `https://docs.stripe.com/error-codes/${d.code.replaceAll("_", "-")}`,
    charge: charge.id,
    payment_method: structuredClone(pm),
  };
  ctx.sim.emit("payment_intent.payment_failed", intent, eventRequest(ctx));
  throw cardError({
    code: d.code,
    decline_code: d.decline_code,
    message: d.message,
    charge: charge.id,
    payment_intent: renderIntent(ctx, intent),
    payment_method: structuredClone(pm),
  });
}

function requireAction(ctx: ApiContext, intent: PaymentIntent, input: ConfirmInput): void {
  const token = alnum(32);
  ctx.sim.store.intentInternals.set(intent.id, {
    authenticationToken: token,
    returnUrl: input.returnUrl ?? null,
  });
  const url = `${ctx.origin}/3ds/${token}`;
  // Stripe.js (and callers passing use_stripe_sdk) handle the challenge in-page; a server
  // confirmation with a return_url gets a page to redirect the customer to.
  const returnUrl = input.returnUrl;
  const inPage = ctx.auth.mode === "publishable" || input.useStripeSdk;
  intent.status = "requires_action";
  intent.next_action = !inPage && returnUrl
    ? { type: "redirect_to_url", redirect_to_url: { url, return_url: returnUrl } }
    : {
        type: "use_stripe_sdk",
        use_stripe_sdk: { type: "three_d_secure_redirect", stripe_js: url, source: newId("src") },
      };
  ctx.sim.emit("payment_intent.requires_action", intent, eventRequest(ctx));
}

export type AuthenticationResult = "approve" | "fail";

export function readAuthenticationResult(params: ParamObject): AuthenticationResult {
  return optionalEnum(params, "result", ["approve", "fail"]) ?? "approve";
}

// The customer's answer to the 3DS challenge (the Stripe.js modal or the hosted page).
export function completeAuthentication(
  sim: Sim,
  intent: PaymentIntent,
  result: AuthenticationResult,
  request: EventRequest | null,
  /** The API's view of the intent, which Stripe puts in its error (none on the hosted page). */
  render?: (intent: PaymentIntent) => Record<string, unknown>,
): void {
  if (intent.status !== "requires_action") {
    throw unexpectedState(
      `This PaymentIntent is not awaiting authentication: it has a status of ${intent.status}.`,
      render ? { payment_intent: render(intent) } : {},
    );
  }
  const pm = intent.payment_method ? sim.store.paymentMethods.get(intent.payment_method) : undefined;
  if (!pm) throw unexpectedState("This PaymentIntent has no payment method to authenticate.");
  if (result === "approve") return settle(sim, intent, pm, request);
  sim.store.intentInternals.delete(intent.id);
  intent.status = "requires_payment_method";
  intent.payment_method = null;
  intent.next_action = null;
  intent.last_payment_error = {
    type: "invalid_request_error",
    code: "payment_intent_authentication_failure",
    message: AUTHENTICATION_FAILURE,
    doc_url: "https://docs.stripe.com/error-codes/payment-intent-authentication-failure",
    payment_method: structuredClone(pm),
  };
  sim.emit("payment_intent.payment_failed", intent, request);
}
