// The other /v1/payment_intents endpoints: retrieve and list, confirm (also Stripe.js with
// the publishable key + client_secret), cancel, capture (both called by Medusa's provider),
// and the simulator's 3DS answer. Create and update live in create-intent.ts and
// update-intent.ts.

import type { PaymentIntentStatus } from "./objects.ts";
import {
  CONFIRMABLE,
  completeAuthentication,
  confirmIntent,
  readAuthenticationResult,
  readConfirmInput,
} from "./confirmation.ts";
import { invalidRequest, paramError, unexpectedState, unknownParam } from "./errors.ts";
import type { ParamObject } from "./form.ts";
import { CAPTURE_METHODS, CONFIRM_PARAMS, SETUP_FUTURE_USAGE, shippingParam } from "./intent-params.ts";
import { findIntent, renderIntent, respondWithIntent } from "./intent-view.ts";
import {
  applyMetadata,
  assertKnownParams,
  metadataParam,
  optionalEnum,
  optionalInteger,
  optionalString,
} from "./params.ts";
import { newestFirst } from "./store.ts";
import { eventRequest, nowSeconds, type ApiContext, type ApiResult } from "./sim.ts";

const CANCELLATION_REASONS = ["duplicate", "fraudulent", "requested_by_customer", "abandoned"] as const;
const CANCELABLE: PaymentIntentStatus[] = ["requires_payment_method", "requires_capture", "requires_confirmation", "requires_action", "processing"];

export function handleRetrieveIntent(ctx: ApiContext): ApiResult {
  assertKnownParams(ctx.params, ["expand", "client_secret"]);
  return respondWithIntent(ctx, findIntent(ctx));
}

export function handleListIntents(ctx: ApiContext): ApiResult {
  assertKnownParams(ctx.params, ["limit", "starting_after", "ending_before", "customer", "expand", "created"]);
  const limit = Math.min(optionalInteger(ctx.params, "limit", 1) ?? 10, 100);
  const customer = optionalString(ctx.params, "customer");
  const createdMatches = createdFilter(ctx.params);
  let all = newestFirst(ctx.sim.store.paymentIntents.values()).filter((pi) => (!customer || pi.customer === customer) && createdMatches(pi.created));
  const after = optionalString(ctx.params, "starting_after");
  const before = optionalString(ctx.params, "ending_before");
  if (after) all = all.slice(all.findIndex((pi) => pi.id === after) + 1);
  if (before) all = all.slice(0, Math.max(0, all.findIndex((pi) => pi.id === before)));
  const page = before ? all.slice(-limit) : all.slice(0, limit);
  return {
    status: 200,
    body: { object: "list", data: page.map((pi) => renderIntent(ctx, pi)), has_more: all.length > page.length, url: "/v1/payment_intents" },
  };
}

const CREATED_BOUNDS = ["gt", "gte", "lt", "lte"] as const;

/**
 * Stripe's `created` list filter: an integer (created at exactly that second) or a hash of
 * `gt`/`gte`/`lt`/`lte` bounds, all of which must hold. Anything else is refused in Stripe's
 * words, so a malformed filter fails here rather than listing everything.
 */
function createdFilter(params: ParamObject): (created: number) => boolean {
  const value = params.created;
  if (value === undefined || value === "") return () => true;
  if (typeof value === "string") {
    const exact = timestamp(value, "created");
    return (created) => created === exact;
  }
  if (Array.isArray(value)) throw paramError("Invalid hash", "created");
  for (const key of Object.keys(value)) {
    if (!(CREATED_BOUNDS as readonly string[]).includes(key)) throw unknownParam(`created[${key}]`);
  }
  const bound = (key: (typeof CREATED_BOUNDS)[number]) => {
    const raw = value[key];
    if (raw === undefined || raw === "") return undefined;
    if (typeof raw !== "string") throw paramError("Invalid integer", `created[${key}]`, "parameter_invalid_integer");
    return timestamp(raw, `created[${key}]`);
  };
  const [gt, gte, lt, lte] = CREATED_BOUNDS.map(bound);
  return (created) =>
    (gt === undefined || created > gt) && (gte === undefined || created >= gte) && (lt === undefined || created < lt) && (lte === undefined || created <= lte);
}

function timestamp(raw: string, param: string): number {
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw paramError(`Invalid integer: ${raw}`, param, "parameter_invalid_integer");
  return Number(raw);
}

export function handleConfirmIntent(ctx: ApiContext): ApiResult {
  const allowed = ctx.auth.mode === "publishable"
    ? [...CONFIRM_PARAMS, "client_context", "expected_payment_method_type"]
    : CONFIRM_PARAMS;
  assertKnownParams(ctx.params, allowed);
  const intent = findIntent(ctx);
  if (intent.confirmation_method === "manual" && ctx.auth.mode === "publishable") {
    throw invalidRequest("This PaymentIntent has confirmation_method manual and can only be confirmed with your secret key.");
  }
  const input = readConfirmInput(ctx, ctx.params);
  const setupFutureUsage = optionalEnum(ctx.params, "setup_future_usage", SETUP_FUTURE_USAGE);
  const captureMethod = optionalEnum(ctx.params, "capture_method", CAPTURE_METHODS);
  if (CONFIRMABLE.includes(intent.status)) {
    if (setupFutureUsage) intent.setup_future_usage = setupFutureUsage;
    if (captureMethod) intent.capture_method = captureMethod;
    if (ctx.params.receipt_email !== undefined) intent.receipt_email = optionalString(ctx.params, "receipt_email") ?? null;
    if (ctx.params.shipping !== undefined) intent.shipping = shippingParam(ctx);
  }
  confirmIntent(ctx, intent, input);
  return respondWithIntent(ctx, intent);
}

export function handleCancelIntent(ctx: ApiContext): ApiResult {
  assertKnownParams(ctx.params, ["cancellation_reason", "expand"]);
  const intent = findIntent(ctx);
  const reason = optionalEnum(ctx.params, "cancellation_reason", CANCELLATION_REASONS);
  if (!CANCELABLE.includes(intent.status)) {
    throw unexpectedState(
      `You cannot cancel this PaymentIntent because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be canceled: ${CANCELABLE.join(", ")}.`,
      { payment_intent: renderIntent(ctx, intent) },
    );
  }
  if (intent.status === "requires_capture" && intent.latest_charge) {
    // Cancelling an authorisation releases the held funds: the charge is refunded in full.
    const charge = ctx.sim.store.charges.get(intent.latest_charge);
    if (charge) {
      charge.amount_refunded = charge.amount;
      charge.refunded = true;
    }
  }
  intent.status = "canceled";
  intent.canceled_at = nowSeconds(ctx.sim);
  intent.cancellation_reason = reason ?? null;
  intent.amount_capturable = 0;
  intent.next_action = null;
  ctx.sim.store.intentInternals.delete(intent.id);
  ctx.sim.emit("payment_intent.canceled", intent, eventRequest(ctx));
  return respondWithIntent(ctx, intent);
}

export function handleCaptureIntent(ctx: ApiContext): ApiResult {
  assertKnownParams(ctx.params, ["amount_to_capture", "expand", "metadata", "final_capture", "statement_descriptor", "statement_descriptor_suffix"]);
  const intent = findIntent(ctx);
  if (intent.status !== "requires_capture") {
    throw unexpectedState(
      `This PaymentIntent could not be captured because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be captured: requires_capture.`,
      { payment_intent: renderIntent(ctx, intent) },
    );
  }
  const toCapture = optionalInteger(ctx.params, "amount_to_capture", 1) ?? intent.amount_capturable;
  if (toCapture > intent.amount_capturable) {
    throw paramError(
      `The amount to capture (${toCapture}) must be less than or equal to the amount that is capturable (${intent.amount_capturable}).`,
      "amount_to_capture",
      "amount_too_large",
    );
  }
  intent.metadata = applyMetadata(intent.metadata, metadataParam(ctx.params));
  const charge = intent.latest_charge ? ctx.sim.store.charges.get(intent.latest_charge) : undefined;
  if (charge) {
    charge.captured = true;
    charge.amount_captured = toCapture;
    // A partial capture releases the rest of the authorisation.
    charge.amount_refunded = charge.amount - toCapture;
  }
  intent.status = "succeeded";
  intent.amount_received = toCapture;
  intent.amount_capturable = 0;
  ctx.sim.emit("payment_intent.succeeded", intent, eventRequest(ctx));
  return respondWithIntent(ctx, intent);
}

// Simulator-only: the answer to a 3DS challenge, sent by the Stripe.js stand-in's modal.
export function handleAuthenticateIntent(ctx: ApiContext): ApiResult {
  assertKnownParams(ctx.params, ["result", "expand"]);
  const intent = findIntent(ctx);
  completeAuthentication(ctx.sim, intent, readAuthenticationResult(ctx.params), eventRequest(ctx), (current) => renderIntent(ctx, current));
  return respondWithIntent(ctx, intent);
}
