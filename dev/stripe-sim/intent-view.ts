// How a PaymentIntent is found and rendered for a caller: the client_secret check, `expand[]` and the publishable-key view.
// With a publishable key Stripe returns only a subset of fields (no metadata, no amounts
// received, no customer): the browser can't learn an intent's metadata, so a return page
// must check on the server that the intent belongs to the checkout attempt.

import type { PaymentIntent } from "./objects.ts";
import { invalidRequest, paramError, resourceMissing } from "./errors.ts";
import { expandParam } from "./params.ts";
import type { ApiContext, ApiResult } from "./sim.ts";

const PUBLISHABLE_FIELDS = [
  "id", "object", "amount", "amount_details", "automatic_payment_methods", "canceled_at",
  "cancellation_reason", "capture_method", "client_secret", "confirmation_method", "created",
  "currency", "description", "excluded_payment_method_types", "last_payment_error", "livemode",
  "next_action", "payment_method", "payment_method_configuration_details", "payment_method_types",
  "processing", "receipt_email", "setup_future_usage", "shipping", "status",
] as const;

const EXPANDABLE = ["payment_method", "latest_charge", "customer"] as const;

function snapshot<T>(value: T): T {
  return structuredClone(value);
}

export function renderIntent(
  ctx: ApiContext,
  intent: PaymentIntent,
  expand: string[] = [],
): Record<string, unknown> {
  const publishable = ctx.auth.mode === "publishable";
  const out: Record<string, unknown> = snapshot(intent);
  for (const path of expand) {
    const field = path as (typeof EXPANDABLE)[number];
    const allowed = publishable ? field === "payment_method" : EXPANDABLE.includes(field);
    if (!allowed) throw paramError(`This property cannot be expanded (${path}).`, "expand");
    const id = intent[field];
    if (typeof id !== "string") continue;
    const store = ctx.sim.store;
    const target =
      field === "payment_method" ? store.paymentMethods.get(id)
      : field === "latest_charge" ? store.charges.get(id)
      : store.customers.get(id);
    if (target) out[field] = snapshot(target);
  }
  if (!publishable) return out;
  const reduced: Record<string, unknown> = {};
  for (const key of PUBLISHABLE_FIELDS) reduced[key] = out[key];
  return reduced;
}

export function findIntent(ctx: ApiContext): PaymentIntent {
  const id = ctx.id;
  const intent = ctx.sim.store.paymentIntents.get(id);
  if (ctx.auth.mode === "publishable") {
    // The browser proves access with the client secret; a wrong one looks like a missing intent.
    if (!intent || intent.client_secret !== ctx.auth.clientSecret) {
      throw invalidRequest(
        "The client_secret provided does not match any associated PaymentIntent on this account. Ensure the publishable key used belongs to the same account that created the PaymentIntent.",
        { code: "payment_intent_invalid_parameter", param: "client_secret" },
      );
    }
    return intent;
  }
  if (!intent) throw resourceMissing("payment_intent", id, "intent");
  return intent;
}

export function respondWithIntent(ctx: ApiContext, intent: PaymentIntent): ApiResult {
  return { status: 200, body: renderIntent(ctx, intent, expandParam(ctx.params)) };
}
