// Parameters PaymentIntent endpoints share, parsed and validated as Stripe does.

import { paramError, resourceMissing, unknownParam } from "./errors.ts";
import { optionalObject, optionalString, optionalStringArray } from "./params.ts";
import type { ApiContext } from "./sim.ts";

export const CAPTURE_METHODS = ["automatic", "automatic_async", "manual"] as const;

export const SETUP_FUTURE_USAGE = ["off_session", "on_session"] as const;

export const PAYMENT_METHOD_TYPES = [
  "card", "link", "acss_debit", "affirm", "afterpay_clearpay", "alipay", "bancontact", "blik",
  "cashapp", "eps", "giropay", "ideal", "klarna", "oxxo", "p24", "paypal", "promptpay",
  "sepa_debit", "sofort", "us_bank_account", "wechat_pay",
];

export const CONFIRM_PARAMS = [
  "payment_method", "payment_method_data", "return_url", "off_session", "error_on_requires_action",
  "use_stripe_sdk", "mandate_data", "radar_options", "payment_method_options", "setup_future_usage",
  "receipt_email", "shipping", "expand", "capture_method",
];

// Some defaults depend on the request's Stripe-Version: automatic payment methods from
// 2023-08-16, capture_method automatic_async from 2024-04-10, allowed_payment_method_types
// from 2026-09-30.endive.
export function versionAtLeast(version: string, date: string): boolean {
  return version.slice(0, 10) >= date;
}

// The explicit list of payment method types. API 2026-09-30.endive renamed the request
// parameter `payment_method_types` to `allowed_payment_method_types` (the response keeps
// `payment_method_types` as the usable list); older versions (Medusa's stripe-node 15
// sends 2024-04-10) still send the old name.
export function allowedTypesParam(ctx: ApiContext): string[] | undefined {
  if (ctx.params.payment_method_types !== undefined && versionAtLeast(ctx.apiVersion, "2026-09-30")) {
    throw unknownParam("payment_method_types");
  }
  const name = ctx.params.allowed_payment_method_types !== undefined ? "allowed_payment_method_types" : "payment_method_types";
  if (ctx.params.allowed_payment_method_types !== undefined && ctx.params.payment_method_types !== undefined) {
    throw paramError("You may only specify one of these parameters: allowed_payment_method_types, payment_method_types.", name, "parameters_exclusive");
  }
  const types = optionalStringArray(ctx.params, name);
  types?.forEach((type, i) => {
    if (!PAYMENT_METHOD_TYPES.includes(type)) {
      throw paramError(`The payment method type "${type}" is invalid. Please ensure the provided type is activated in your dashboard (https://dashboard.stripe.com/account/payments/settings) and your account is enabled for any preview features that you are trying to use.`, `${name}[${i}]`, "payment_intent_invalid_parameter");
    }
  });
  return types;
}

export function customerParam(ctx: ApiContext): string | null {
  const customer = optionalString(ctx.params, "customer");
  if (customer && !ctx.sim.store.customers.has(customer)) throw resourceMissing("customer", customer, "customer");
  return customer ?? null;
}

export function shippingParam(ctx: ApiContext): unknown {
  return optionalObject(ctx.params, "shipping") ?? null;
}
