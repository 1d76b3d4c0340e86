// POST /v1/payment_intents/:id. Medusa's provider updates the amount when the cart total
// changes. Payment-relevant fields change only before the intent is paid, and a changed
// intent must be confirmed again.

import { CONFIRMABLE, readConfirmInput } from "./confirmation.ts";
import { checkAmount, parseCurrency } from "./currencies.ts";
import { unexpectedState } from "./errors.ts";
import { assertUsableBy } from "./payment-methods.ts";
import {
  CAPTURE_METHODS,
  SETUP_FUTURE_USAGE,
  allowedTypesParam,
  customerParam,
  shippingParam,
} from "./intent-params.ts";
import { findIntent, renderIntent, respondWithIntent } from "./intent-view.ts";
import {
  applyMetadata,
  assertKnownParams,
  metadataParam,
  optionalEnum,
  optionalObject,
  optionalString,
  requiredInteger,
  requiredString,
} from "./params.ts";
import type { ApiContext, ApiResult } from "./sim.ts";

const UPDATE_PARAMS = [
  "amount", "currency", "capture_method", "customer", "description", "excluded_payment_method_types",
  "expand", "metadata", "payment_method", "payment_method_configuration", "payment_method_data",
  "payment_method_options", "allowed_payment_method_types", "payment_method_types", "receipt_email", "setup_future_usage", "shipping",
  "statement_descriptor", "statement_descriptor_suffix", "transfer_group",
];
// Changing these means the intent must be (re)confirmed, so only before it is paid.
const PAYMENT_FIELDS = [
  "amount", "currency", "capture_method", "customer", "payment_method", "payment_method_data",
  "allowed_payment_method_types", "payment_method_types", "payment_method_options", "setup_future_usage",
  "excluded_payment_method_types", "payment_method_configuration",
];

export function handleUpdateIntent(ctx: ApiContext): ApiResult {
  const p = ctx.params;
  assertKnownParams(p, UPDATE_PARAMS);
  const intent = findIntent(ctx);
  const touchesPayment = PAYMENT_FIELDS.some((name) => p[name] !== undefined);
  if (intent.status === "canceled" || (touchesPayment && !CONFIRMABLE.includes(intent.status))) {
    const field = PAYMENT_FIELDS.find((name) => p[name] !== undefined);
    throw unexpectedState(
      field
        ? `This PaymentIntent's ${field} could not be updated because it has a status of ${intent.status}. You may only update the ${field} of a PaymentIntent with one of the following statuses: ${CONFIRMABLE.join(", ")}.`
        : `You cannot update this PaymentIntent because it has a status of ${intent.status}.`,
      { payment_intent: renderIntent(ctx, intent) },
    );
  }
  // Validate everything before changing anything: a failed update leaves the intent as it was.
  const currency = p.currency !== undefined ? parseCurrency(requiredString(p, "currency")) : intent.currency;
  const amount = p.amount !== undefined ? requiredInteger(p, "amount", 1) : intent.amount;
  if (p.amount !== undefined || p.currency !== undefined) checkAmount(amount, currency);
  const metadata = applyMetadata(intent.metadata, metadataParam(p));
  const captureMethod = optionalEnum(p, "capture_method", CAPTURE_METHODS);
  const setupFutureUsage = optionalEnum(p, "setup_future_usage", SETUP_FUTURE_USAGE);
  const customer = p.customer !== undefined ? customerParam(ctx) : intent.customer;
  const types = allowedTypesParam(ctx);
  const input = p.payment_method !== undefined || p.payment_method_data !== undefined ? readConfirmInput(ctx, p) : null;
  if (input?.paymentMethod) assertUsableBy(ctx.sim, input.paymentMethod, customer, "PaymentIntent");

  intent.amount = amount;
  intent.currency = currency;
  intent.metadata = metadata;
  intent.customer = customer;
  if (captureMethod) intent.capture_method = captureMethod;
  if (p.setup_future_usage !== undefined) intent.setup_future_usage = setupFutureUsage ?? null;
  if (types) {
    intent.allowed_payment_method_types = types;
    intent.payment_method_types = types;
    intent.automatic_payment_methods = null;
  }
  if (p.description !== undefined) intent.description = optionalString(p, "description") ?? null;
  if (p.receipt_email !== undefined) intent.receipt_email = optionalString(p, "receipt_email") ?? null;
  if (p.shipping !== undefined) intent.shipping = shippingParam(ctx);
  if (p.statement_descriptor !== undefined) intent.statement_descriptor = optionalString(p, "statement_descriptor") ?? null;
  if (p.statement_descriptor_suffix !== undefined) intent.statement_descriptor_suffix = optionalString(p, "statement_descriptor_suffix") ?? null;
  if (p.transfer_group !== undefined) intent.transfer_group = optionalString(p, "transfer_group") ?? null;
  if (p.payment_method_options !== undefined) intent.payment_method_options = optionalObject(p, "payment_method_options") ?? {};
  if (input?.paymentMethod) intent.payment_method = input.paymentMethod.id;
  // "It will be cleared if the PaymentIntent is later updated for any reason." (API reference)
  intent.last_payment_error = null;
  if (touchesPayment && intent.payment_method) {
    // A changed intent has to be confirmed again; a pending 3DS challenge is void.
    intent.status = "requires_confirmation";
    intent.next_action = null;
    ctx.sim.store.intentInternals.delete(intent.id);
  }
  return respondWithIntent(ctx, intent);
}
