import Stripe from "stripe";
import type { AppConfig } from "./config.server";

/**
 * The one Stripe client of the Worker: fetch-based (workerd has no Node http), pointed at
 * the local simulator when STRIPE_API_URL is set (development and tests only).
 */
const clients = new Map<string, Stripe>();

export function stripeClient(config: AppConfig): Stripe {
  const cacheKey = `${config.STRIPE_SECRET_KEY}|${config.STRIPE_API_URL ?? ""}`;
  let client = clients.get(cacheKey);
  if (!client) {
    const api = config.STRIPE_API_URL ? new URL(config.STRIPE_API_URL) : null;
    client = new Stripe(config.STRIPE_SECRET_KEY, {
      httpClient: Stripe.createFetchHttpClient(),
      timeout: 5_000,
      maxNetworkRetries: 1,
      ...(api ? { host: api.hostname, port: Number(api.port || 80), protocol: api.protocol === "https:" ? "https" : "http" } : {}),
    });
    clients.set(cacheKey, client);
  }
  return client;
}

const WEBHOOK_TOLERANCE_SECONDS = 300;

/** Verifies `Stripe-Signature` over the raw body with Web Crypto; throws when it fails. */
export async function verifyWebhook(config: AppConfig, rawBody: string, signature: string | null): Promise<Stripe.Event> {
  if (!signature) throw new Error("missing Stripe-Signature header");
  return stripeClient(config).webhooks.constructEventAsync(
    rawBody,
    signature,
    config.STRIPE_WEBHOOK_SECRET,
    WEBHOOK_TOLERANCE_SECONDS,
    Stripe.createSubtleCryptoProvider(),
  );
}

export type Release = { action: "cancel" | "refund"; id: string };

/**
 * Gives back the money of a payment that must not become an order: cancels an uncaptured
 * authorization, refunds a captured payment; anything else holds no money (null). It acts
 * on the PaymentIntent as Stripe holds it now, not as an older event saw it (an event says
 * `requires_capture` after a capture, say). The idempotency key names the release, so a
 * retried webhook or a second sweep never cancels or refunds twice; Stripe answers a
 * repeat with the first result, and an intent already canceled is already released.
 */
export async function releasePayment(config: AppConfig, intent: { id: string }, idempotencyKey: string): Promise<Release | null> {
  const stripe = stripeClient(config);
  const current = await stripe.paymentIntents.retrieve(intent.id);
  if (current.status === "canceled") return { action: "cancel", id: current.id };
  if (current.status === "requires_capture") {
    const canceled = await stripe.paymentIntents.cancel(intent.id, { cancellation_reason: "abandoned" }, { idempotencyKey: `${idempotencyKey}-cancel` });
    return { action: "cancel", id: canceled.id };
  }
  if (current.status === "succeeded") {
    const refund = await stripe.refunds.create({ payment_intent: intent.id }, { idempotencyKey: `${idempotencyKey}-refund` });
    return { action: "refund", id: refund.id };
  }
  return null;
}

/** True when Stripe says the object doesn't exist (a PaymentIntent it never made, or another account's). */
export function unknownToStripe(error: unknown): boolean {
  return error instanceof Stripe.errors.StripeInvalidRequestError && error.code === "resource_missing";
}

/** A PaymentIntent as Stripe holds it now (the return page's and the reconciler's truth). */
export function retrievePaymentIntent(config: AppConfig, id: string): Promise<Stripe.PaymentIntent> {
  return stripeClient(config).paymentIntents.retrieve(id);
}

/** Cancels a PaymentIntent nobody paid (an abandoned checkout), once per idempotency key. */
export async function cancelPaymentIntent(config: AppConfig, id: string, idempotencyKey: string): Promise<void> {
  await stripeClient(config).paymentIntents.cancel(id, { cancellation_reason: "abandoned" }, { idempotencyKey });
}

/** One page of Stripe's PaymentIntents created within `created` (the reconciler's uncaptured-authorization check). */
export function listPaymentIntents(
  config: AppConfig,
  query: { created: { gte: number; lte: number }; limit: number; starting_after?: string },
): Promise<Stripe.ApiList<Stripe.PaymentIntent>> {
  return stripeClient(config).paymentIntents.list(query);
}

/** A card saved to a Stripe customer, as the shopper sees it (brand, last 4, expiry). */
export type SavedCard = { id: string; brand: string; last4: string; exp_month: number; exp_year: number };

/** The cards saved to this Stripe customer (up to 20, newest first as Stripe lists them). */
export async function listCustomerCards(config: AppConfig, stripeCustomerId: string): Promise<SavedCard[]> {
  const list = await stripeClient(config).paymentMethods.list({ customer: stripeCustomerId, type: "card", limit: 20 });
  return list.data.flatMap((method) =>
    method.card ? [{ id: method.id, brand: method.card.brand, last4: method.card.last4, exp_month: method.card.exp_month, exp_year: method.card.exp_year }] : [],
  );
}

export async function detachCard(config: AppConfig, paymentMethodId: string): Promise<void> {
  await stripeClient(config).paymentMethods.detach(paymentMethodId);
}
