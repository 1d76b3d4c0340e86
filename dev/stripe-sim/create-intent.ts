// POST /v1/payment_intents. Medusa's provider creates one per payment session with the
// session id as idempotency key, capture_method manual and expand[]=payment_method; with
// confirm=true an intent is created and confirmed in one call.

import type { PaymentIntent } from "./objects.ts";
import { checkAmount, parseCurrency } from "./currencies.ts";
import { checkConfirmation, readConfirmInput, runConfirmation } from "./confirmation.ts";
import { paramError } from "./errors.ts";
import { assertUsableBy } from "./payment-methods.ts";
import { newClientSecret, newId } from "./ids.ts";
import {
  CAPTURE_METHODS,
  CONFIRM_PARAMS,
  SETUP_FUTURE_USAGE,
  allowedTypesParam,
  customerParam,
  shippingParam,
  versionAtLeast,
} from "./intent-params.ts";
import { respondWithIntent } from "./intent-view.ts";
import {
  applyMetadata,
  assertKnownParams,
  metadataParam,
  optionalBoolean,
  optionalEnum,
  optionalObject,
  optionalString,
  optionalStringArray,
  requiredInteger,
  requiredString,
} from "./params.ts";
import { eventRequest, nowSeconds, type ApiContext, type ApiResult } from "./sim.ts";

const CREATE_PARAMS = [
  ...CONFIRM_PARAMS, "amount", "currency", "automatic_payment_methods", "confirm",
  "confirmation_method", "customer", "description", "excluded_payment_method_types", "metadata",
  "payment_method_configuration", "allowed_payment_method_types", "payment_method_types", "statement_descriptor",
  "statement_descriptor_suffix", "transfer_group",
];

// Stripe's JSON lists fields alphabetically; keep that for anyone diffing or snapshotting.
function alphabetical<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1))) as T;
}

export type PaymentMethodSetup = Pick<PaymentIntent, "allowed_payment_method_types" | "automatic_payment_methods" | "payment_method_types" | "payment_method_configuration_details">;

export function paymentMethodSetup(ctx: ApiContext): PaymentMethodSetup {
  const types = allowedTypesParam(ctx);
  const automatic = optionalObject(ctx.params, "automatic_payment_methods");
  const automaticEnabled = automatic ? optionalBoolean(automatic, "enabled") : undefined;
  if (types && automaticEnabled) {
    throw paramError("You may only specify one of these parameters: automatic_payment_methods, allowed_payment_method_types.", "automatic_payment_methods", "parameters_exclusive");
  }
  if (types) {
    return { allowed_payment_method_types: types, automatic_payment_methods: null, payment_method_types: types, payment_method_configuration_details: null };
  }
  const enabled = automaticEnabled ?? versionAtLeast(ctx.apiVersion, "2023-08-16");
  if (!enabled) {
    return { allowed_payment_method_types: null, automatic_payment_methods: automatic ? { enabled: false } : null, payment_method_types: ["card"], payment_method_configuration_details: null };
  }
  const allowRedirects = (automatic ? optionalEnum(automatic, "allow_redirects", ["always", "never"]) : undefined) ?? "always";
  return {
    allowed_payment_method_types: null,
    automatic_payment_methods: { allow_redirects: allowRedirects, enabled: true },
    // The simulated account has cards enabled, nothing else.
    payment_method_types: ["card"],
    payment_method_configuration_details: { id: optionalString(ctx.params, "payment_method_configuration") ?? "pmc_1SimDefaultConfiguration0", parent: null },
  };
}

export function handleCreateIntent(ctx: ApiContext): ApiResult {
  const p = ctx.params;
  assertKnownParams(p, CREATE_PARAMS);
  const amount = requiredInteger(p, "amount", 1);
  const currency = parseCurrency(requiredString(p, "currency"));
  checkAmount(amount, currency);
  const confirm = optionalBoolean(p, "confirm") ?? false;
  if (!confirm) {
    for (const name of ["return_url", "off_session", "error_on_requires_action", "use_stripe_sdk", "mandate_data"]) {
      if (p[name] !== undefined) throw paramError(`You can only provide \`${name}\` when \`confirm\` is true.`, name);
    }
  }
  const id = newId("pi");
  const intent: PaymentIntent = alphabetical({
    id,
    object: "payment_intent",
    amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    ...paymentMethodSetup(ctx),
    canceled_at: null,
    cancellation_reason: null,
    capture_method:
      optionalEnum(p, "capture_method", CAPTURE_METHODS) ??
      (versionAtLeast(ctx.apiVersion, "2024-04-10") ? "automatic_async" : "automatic"),
    client_secret: newClientSecret(id),
    confirmation_method: optionalEnum(p, "confirmation_method", ["automatic", "manual"]) ?? "automatic",
    created: nowSeconds(ctx.sim),
    currency,
    customer: customerParam(ctx),
    customer_account: null,
    description: optionalString(p, "description") ?? null,
    excluded_payment_method_types: optionalStringArray(p, "excluded_payment_method_types") ?? null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    managed_payments: null,
    metadata: applyMetadata({}, metadataParam(p)),
    next_action: null,
    on_behalf_of: null,
    payment_method: null,
    payment_method_options: optionalObject(p, "payment_method_options") ?? {},
    payment_record: null,
    processing: null,
    receipt_email: optionalString(p, "receipt_email") ?? null,
    review: null,
    setup_future_usage: optionalEnum(p, "setup_future_usage", SETUP_FUTURE_USAGE) ?? null,
    shipping: shippingParam(ctx),
    source: null,
    statement_descriptor: optionalString(p, "statement_descriptor") ?? null,
    statement_descriptor_suffix: optionalString(p, "statement_descriptor_suffix") ?? null,
    status: "requires_payment_method",
    transfer_data: null,
    transfer_group: optionalString(p, "transfer_group") ?? null,
  });
  const input = readConfirmInput(ctx, p);
  if (confirm && !input.paymentMethod) {
    throw paramError("You must provide a `payment_method` or `payment_method_data` when `confirm` is true.", "payment_method");
  }
  if (input.paymentMethod && !confirm) {
    assertUsableBy(ctx.sim, input.paymentMethod, intent.customer, "PaymentIntent");
    intent.payment_method = input.paymentMethod.id;
    intent.status = "requires_confirmation";
  }
  const pm = confirm ? checkConfirmation(ctx, intent, input) : null;
  ctx.sim.store.paymentIntents.set(id, intent);
  ctx.sim.emit("payment_intent.created", intent, eventRequest(ctx));
  if (pm) runConfirmation(ctx, intent, input, pm);
  return respondWithIntent(ctx, intent);
}
