import type Stripe from "stripe";
import { z } from "zod";
import { readAttempt } from "../app/lib/checkout/attempts.server";
import type { PaymentOutcome } from "../app/lib/checkout/payment/apply-payment.server";
import {
  paymentIntentFacts,
  paymentIntentSchema,
  refundedChargeSchema,
  refundedOfCapture,
  type PaymentIntentFacts,
} from "../app/lib/checkout/payment/payment-intent";
import type { ShopContext } from "../app/lib/context.server";
import { readBoundedText } from "../app/lib/http/request-body.server";
import { retrievePaymentIntent, unknownToStripe, verifyWebhook } from "../app/lib/stripe.server";

/**
 * POST /webhooks/stripe (checkout contract, section 3), answered by the Worker before
 * React Router. A bad signature is a 400 with nothing read or written. Payment events are
 * applied by the cart's Durable Object (one at a time per cart, duplicates recognised).
 * A 5xx asks Stripe to retry: the attempt isn't visible yet, or Medusa is failing.
 */
const MAX_BODY_BYTES = 512 * 1024;

const PAYMENT_EVENTS = new Set([
  "payment_intent.succeeded",
  "payment_intent.amount_capturable_updated",
  "payment_intent.payment_failed",
  "payment_intent.canceled",
  "payment_intent.processing",
  "payment_intent.requires_action",
]);

export async function handleStripeWebhook(request: Request, env: Env, shop: ShopContext): Promise<Response> {
  const { logger } = shop;
  const reply = (status: number, body: Record<string, unknown>) =>
    Response.json({ ...body, trace_id: shop.traceId }, { status, headers: { "cache-control": "no-store" } });

  if (request.method !== "POST") return reply(405, { error: { code: "method_not_allowed", message: "Use POST." } });
  const raw = await readBoundedText(request, MAX_BODY_BYTES);
  if (raw === null) return reply(413, { error: { code: "payload_too_large", message: `Body too large (at most ${MAX_BODY_BYTES / 1024} KB).` } });

  let verified: Stripe.Event;
  try {
    verified = await verifyWebhook(shop.config, raw, request.headers.get("stripe-signature"));
  } catch (error) {
    logger.log("warn", "webhook signature rejected", { step: "verify_signature", outcome: "error", status: 400, reason: String(error).slice(0, 200) });
    return reply(400, { error: { code: "invalid_signature", message: "The Stripe-Signature header is missing or invalid." } });
  }
  // Signed, but not shaped like an event (Stripe never sends that; a leaked secret might).
  const envelope = eventEnvelope.safeParse(verified);
  if (!envelope.success) {
    logger.log("warn", "signed webhook body is not an event", { step: "webhook", outcome: "error", status: 400 });
    return reply(400, { error: { code: "invalid_event", message: "The body is not a Stripe event." } });
  }
  const event = envelope.data;
  const fields = { step: "webhook", event_id: event.id, event_type: event.type };

  if (event.type === "setup_intent.succeeded") {
    logger.log("info", "setup intent succeeded (subscriptions are not handled yet)", { ...fields, outcome: "skipped" });
    return reply(200, { received: true });
  }
  if (!PAYMENT_EVENTS.has(event.type) && event.type !== "charge.refunded") {
    logger.log("debug", "webhook event ignored", { ...fields, outcome: "skipped" });
    return reply(200, { received: true, ignored: true });
  }

  const read = event.type === "charge.refunded" ? await refundFacts(event.data.object, shop) : intentFacts(event.data.object);
  if ("retry" in read) {
    logger.log("warn", "the refunded charge's PaymentIntent could not be read; Stripe will retry", { ...fields, outcome: "error", status: 503, reason: read.retry });
    return reply(503, { error: { code: "unavailable", message: "Try again later." } });
  }
  if ("ignored" in read) {
    logger.log("warn", `payment event ignored: ${read.ignored}`, { ...fields, outcome: "skipped" });
    return reply(200, { received: true, ignored: true });
  }
  const facts = read.facts;
  if (!facts.attemptId) {
    logger.log("debug", "payment intent without checkout attempt ignored", { ...fields, outcome: "skipped" });
    return reply(200, { received: true, ignored: true });
  }

  const attempt = await readAttempt(env.CHECKOUT_ATTEMPTS, facts.attemptId);
  if (!attempt && facts.refund) {
    // A refund comes after an order; an attempt gone by then has passed its 7 days in KV.
    logger.log("info", "refund of a checkout attempt no longer kept", { ...fields, attempt_id: facts.attemptId, outcome: "skipped" });
    return reply(200, { received: true, ignored: true });
  }
  if (!attempt) {
    logger.log("warn", "checkout attempt not found yet; Stripe will retry", { ...fields, attempt_id: facts.attemptId, outcome: "error", status: 503 });
    return reply(503, { error: { code: "attempt_not_found", message: "Checkout attempt not found yet." } });
  }

  let outcome: PaymentOutcome;
  try {
    outcome = await env.CART_COORDINATOR.getByName(attempt.cart_id).applyPayment({
      intent: facts,
      eventId: event.id,
      traceId: shop.traceId,
      route: "/webhooks/stripe",
    });
  } catch (error) {
    logger.log("error", "cart coordinator failed", { ...fields, attempt_id: attempt.id, outcome: "error", error: String(error) });
    return reply(503, { error: { code: "unavailable", message: "Try again later." } });
  }
  const status = outcome.kind === "retry" ? 503 : 200;
  logger.log(status === 200 ? "info" : "warn", "webhook handled", {
    ...fields,
    cart_id: attempt.cart_id,
    attempt_id: attempt.id,
    outcome: status === 200 ? "ok" : "error",
    result: outcome.kind,
    status,
  });
  return reply(status, { received: status === 200, result: outcome.kind });
}

type ReadFacts = { facts: PaymentIntentFacts } | { ignored: string } | { retry: string };

/** A `payment_intent.*` event's PaymentIntent. */
function intentFacts(object: unknown): ReadFacts {
  const intent = paymentIntentSchema.safeParse(object);
  return intent.success ? { facts: paymentIntentFacts(intent.data) } : { ignored: "no usable PaymentIntent" };
}

/**
 * A `charge.refunded` event: the charge names its PaymentIntent, whose metadata carries the
 * attempt id (a charge's own metadata may not), so the PaymentIntent is read from Stripe.
 */
async function refundFacts(object: unknown, shop: ShopContext): Promise<ReadFacts> {
  const charge = refundedChargeSchema.safeParse(object);
  if (!charge.success) return { ignored: "no usable charge" };
  let intent: z.infer<typeof paymentIntentSchema>;
  try {
    intent = paymentIntentSchema.parse(await retrievePaymentIntent(shop.config, charge.data.payment_intent));
  } catch (error) {
    if (unknownToStripe(error)) return { ignored: "the charge's PaymentIntent is unknown to Stripe" };
    return { retry: String(error).slice(0, 200) };
  }
  return { facts: { ...paymentIntentFacts(intent), refund: { chargeId: charge.data.id, refundedOfCapture: refundedOfCapture(charge.data) } } };
}

const eventEnvelope = z.object({
  id: z.string().max(255),
  type: z.string().max(255),
  data: z.object({ object: z.unknown() }),
});
