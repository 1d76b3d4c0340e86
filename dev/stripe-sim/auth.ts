// API keys as Stripe checks them: Bearer (stripe-node), Basic (curl -u sk_...:) or a `key`
// parameter (Stripe.js). The secret key may call everything; the publishable key only what
// Stripe.js calls, and PaymentIntents only together with their client_secret.

import type { IncomingHttpHeaders } from "node:http";
import type { ParamObject } from "./form.ts";
import { StripeApiError } from "./errors.ts";
import type { Auth } from "./sim.ts";

export type Keys = { secretKey: string; publishableKey: string };

// Which keys a route accepts.
export type Access = "secret" | "client_secret" | "publishable";

export type Authenticated = { auth: Auth; apiKey: string };

function authError(status: number, message: string): StripeApiError {
  const err = new StripeApiError(status, { type: "invalid_request_error", message });
  err.storeForIdempotency = false;
  if (status === 401) err.headers["www-authenticate"] = 'Basic realm="Stripe"';
  return err;
}

// Stripe echoes a rejected key with all but its prefix and last four characters starred.
export function maskKey(key: string): string {
  const prefix = /^[a-z]{2}_(test|live)_/.exec(key)?.[0] ?? "";
  const hidden = Math.max(0, key.length - prefix.length - 4);
  return prefix + "*".repeat(hidden) + key.slice(prefix.length + hidden);
}

function presentedKey(headers: IncomingHttpHeaders, params: ParamObject): string | null {
  const header = headers.authorization;
  if (header) {
    const [scheme = "", value = ""] = header.split(" ", 2);
    if (/^bearer$/i.test(scheme)) return value.trim();
    if (/^basic$/i.test(scheme)) return Buffer.from(value, "base64").toString("utf8").split(":")[0] ?? null;
    return header.trim();
  }
  if (typeof params.key === "string") return params.key;
  return null;
}

// Consumes `key` and (publishable) `client_secret` from params so endpoints don't see them.
export function authenticate(
  headers: IncomingHttpHeaders,
  params: ParamObject,
  keys: Keys,
  access: Access,
): Authenticated {
  const key = presentedKey(headers, params);
  delete params.key;
  if (!key) {
    throw authError(
      401,
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
    );
  }
  if (key === keys.secretKey) return { auth: { mode: "secret" }, apiKey: key };
  if (key !== keys.publishableKey) throw authError(401, `Invalid API Key provided: ${maskKey(key)}`);

  const clientSecret = typeof params.client_secret === "string" ? params.client_secret : null;
  delete params.client_secret;
  if (access === "secret" || (access === "client_secret" && !clientSecret)) {
    throw authError(
      403,
      "This API call cannot be made with a publishable API key. Please use a secret API key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.",
    );
  }
  return { auth: { mode: "publishable", clientSecret }, apiKey: key };
}
