// Stripe events as the Workers tests send them to POST /webhooks/stripe: signed here by the
// `stripe` package with the Worker's STRIPE_WEBHOOK_SECRET, about checkout attempts written
// to KV as prepare-for-payment writes them. Inside workerd only.
import { SELF } from "cloudflare:test";
import Stripe from "stripe";
import { createAttempt, newAttemptId, type AttemptRecord } from "../../app/lib/checkout/attempts.server";
import { newTrace, proxiedRequests, type RecordedRequest } from "../../dev/fault-proxy-client.ts";
import type { WebhookAnswer } from "../support/webhook-answer.ts";
import { env } from "./env";

export { newTrace };

const cryptoProvider = Stripe.createSubtleCryptoProvider();
export const nowSeconds = () => Math.floor(Date.now() / 1000);

export async function sign(payload: string, options: { secret?: string; timestamp?: number } = {}): Promise<string> {
  return Stripe.webhooks.generateTestHeaderStringAsync({
    payload,
    secret: options.secret ?? env.STRIPE_WEBHOOK_SECRET,
    timestamp: options.timestamp ?? nowSeconds(),
    cryptoProvider,
  });
}

export async function postWebhook(payload: string, signature: string | null, traceparent: string): Promise<{ status: number; body: WebhookAnswer }> {
  const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8", traceparent };
  if (signature !== null) headers["stripe-signature"] = signature;
  const response = await SELF.fetch("http://shop.test/webhooks/stripe", { method: "POST", headers, body: payload });
  return { status: response.status, body: (await response.json()) as WebhookAnswer };
}

export const randomId = (prefix: string) => `${prefix}_${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}`;

/** An event as Stripe sends it: pretty-printed JSON. */
export function eventPayload(type: string, object: Record<string, unknown>): string {
  return JSON.stringify(
    {
      id: randomId("evt"),
      object: "event",
      api_version: "2026-10-28.endive",
      created: nowSeconds(),
      data: { object },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
    },
    null,
    2,
  );
}

export function paymentIntent(attempt: AttemptRecord, changes: Record<string, unknown> = {}) {
  return {
    id: attempt.payment_intent_id,
    object: "payment_intent",
    amount: attempt.amount,
    currency: attempt.currency_code,
    status: "requires_capture",
    capture_method: "manual",
    metadata: { checkout_attempt_id: attempt.id, session_id: randomId("payses") },
    last_payment_error: null,
    cancellation_reason: null,
    ...changes,
  };
}

/** An attempt as prepare-for-payment writes it, for a cart Medusa doesn't know. */
export async function newAttempt(): Promise<AttemptRecord> {
  return createAttempt(env.CHECKOUT_ATTEMPTS, {
    id: newAttemptId(),
    cart_id: randomId("cart"),
    trace_id: newTrace().traceId,
    email: "ada.lovelace@example.com",
    shipping_address: {
      first_name: "Ada",
      last_name: "Lovelace",
      company: null,
      address_1: "1100 Congress Ave",
      address_2: null,
      city: "Austin",
      postal_code: "78701",
      province: "us-tx",
      country_code: "us",
      phone: null,
    },
    items: [{ title: "Canvas Tote Bag", variant_id: randomId("variant"), quantity: 1, unit_price: 2400 }],
    totals: { total: 3173, subtotal: 2400, tax: 242, shipping: 531 },
    currency_code: "usd",
    amount: 3173,
    payment_intent_id: randomId("pi"),
    payment_collection_id: randomId("pay_col"),
  });
}

/** Everything in the KV namespace: keys, expirations and values. */
export async function kvSnapshot() {
  const { keys } = await env.CHECKOUT_ATTEMPTS.list();
  return Promise.all(keys.map(async (key) => ({ ...key, value: await env.CHECKOUT_ATTEMPTS.get(key.name) })));
}

/** The storefront's requests to Medusa for one trace id, counted at the stack's fault proxy. */
export function medusaRequestsFor(traceId: string): Promise<RecordedRequest[]> {
  return proxiedRequests(env.MEDUSA_BACKEND_URL, traceId);
}
