import type { Logger } from "../../log.server";
import { linesShortOfStock } from "../../medusa/catalog.server";
import { MedusaError, type MedusaClient } from "../../medusa/client.server";
import { cartPaymentIntentIds } from "../../medusa/cart.server";
import { completeCart, type CompletionRefusal } from "../../medusa/order.server";
import { unknownToStripe, type Release } from "../../stripe.server";
import { recordAfterOrder } from "./after-order.server";
import type { PaymentIntentFacts } from "./payment-intent";
import {
  noteRefusal,
  readAttempt,
  transitionAttempt,
  type AttemptRecord,
  type AttemptStatus,
  type AttemptStore,
  type ReleaseRecord,
} from "../attempts.server";

/**
 * What a PaymentIntent says about a checkout attempt, from a verified webhook event or from
 * Stripe's API on the return page, and what the storefront does about it. Runs inside the
 * cart's Durable Object, so the webhook, a duplicate of it and the shopper's return page
 * never work on one cart at the same time.
 *
 * Exactly one order per paid attempt: Medusa's completion is idempotent per cart and the
 * attempt moves to `completed` once, with the order id. A paid cart Medusa can no longer
 * complete (stock gone, cart changed or deleted) gets its money back at once: the attempt
 * moves to `released`, once, with how and why.
 */
export type PaymentOutcome =
  | { kind: "completed"; orderId: string }
  /** A transient failure (attempt not visible yet, Medusa down or busy): ask Stripe to retry. */
  | { kind: "retry"; reason: string }
  | { kind: "amount_mismatch" }
  /** The cart can't become an order: the payment was canceled or refunded. */
  | { kind: "released"; release: ReleaseRecord }
  /** Recorded on the attempt (failed, canceled, pending); the cart stays open. */
  | { kind: "recorded"; status: AttemptStatus }
  /** Not paid yet (the shopper may still be authenticating). */
  | { kind: "not_paid"; status: string }
  | { kind: "ignored"; reason: string };

export type PaymentDeps = {
  medusa: MedusaClient;
  attempts: AttemptStore;
  logger: Logger;
  /**
   * Gives back a payment that must not become an order (cancels an authorization, refunds
   * a capture), once per idempotency key. Without it Medusa's own Stripe webhook, which
   * does not compare amounts, would still complete the cart.
   */
  releasePayment: (intent: PaymentIntentFacts, idempotencyKey: string) => Promise<Release | null>;
  now?: () => Date;
};

/**
 * How long a refusal we can't read is retried before it is treated as permanent and the
 * money released. Stripe retries webhooks for 3 days; a shopper's hold should not last that long.
 */
export const UNKNOWN_REFUSAL_BOUND_MS = 10 * 60 * 1000;

/** Where handled Stripe events are remembered (the cart's Durable Object storage). */
export type EventStore = {
  get(eventId: string): Promise<PaymentOutcome | undefined>;
  put(eventId: string, outcome: PaymentOutcome): Promise<void>;
};

/**
 * A PaymentIntent's news, once per Stripe event: an event already handled is answered
 * with its first outcome, without repeating the work. A transient outcome (`retry`) is not
 * remembered, so Stripe's retry does the work again. Without an event id (the return page)
 * the news is always applied (it is idempotent anyway).
 */
export async function applyPaymentEvent(deps: PaymentDeps & { events: EventStore }, intent: PaymentIntentFacts, eventId: string | null): Promise<PaymentOutcome> {
  if (eventId) {
    const seen = await deps.events.get(eventId);
    if (seen) {
      deps.logger.log("info", "duplicate Stripe event", { step: "event_dedupe", event_id: eventId, outcome: "hit" });
      return seen;
    }
  }
  const outcome = await applyPaymentIntent(deps, intent);
  if (eventId && outcome.kind !== "retry") await deps.events.put(eventId, outcome);
  return outcome;
}

/** Statuses after which a PaymentIntent's news changes nothing. */
const SETTLED_FAILURES = new Set<AttemptStatus>(["amount_mismatch", "canceled", "expired"]);

const PAID = new Set(["succeeded", "requires_capture"]);

export async function applyPaymentIntent(deps: PaymentDeps, intent: PaymentIntentFacts): Promise<PaymentOutcome> {
  const { logger } = deps;
  if (!intent.attemptId) return { kind: "ignored", reason: "no checkout_attempt_id" };
  const fields = { attempt_id: intent.attemptId, payment_intent_id: intent.id };

  const attempt = await readAttempt(deps.attempts, intent.attemptId);
  // KV may not have replicated the attempt to this location yet: Stripe will retry.
  if (!attempt) return { kind: "retry", reason: "attempt not found yet" };
  if (attempt.status === "completed" && attempt.order_id) {
    // After the order: a capture, a refund, a cancel is recorded, never a second order.
    if ((await recordAfterOrder(deps, attempt, attempt.order_id, intent)) === "retry") return { kind: "retry", reason: "the payment's news is not recorded or not yet in Medusa" };
    return { kind: "completed", orderId: attempt.order_id };
  }
  if (attempt.status === "released" && attempt.release) return { kind: "released", release: attempt.release };
  if (SETTLED_FAILURES.has(attempt.status)) return { kind: "recorded", status: attempt.status };
  // A PaymentIntent of a replaced session (a newer prepare made a new one) is not this
  // attempt's payment.
  if (attempt.payment_intent_id !== intent.id) return { kind: "ignored", reason: "payment intent is not the attempt's" };

  if (PAID.has(intent.status)) {
    if (intent.amount !== attempt.amount || intent.currency.toLowerCase() !== attempt.currency_code) {
      logger.log("error", "paid amount does not match the checkout attempt: no order created", {
        ...fields,
        cart_id: attempt.cart_id,
        step: "amount_check",
        outcome: "error",
        paid_amount: intent.amount,
        paid_currency: intent.currency,
        attempt_amount: attempt.amount,
        attempt_currency: attempt.currency_code,
      });
      await record(deps, attempt, "amount_mismatch", `paid ${intent.amount} ${intent.currency}`);
      try {
        await deps.logger.step("void_payment", () => deps.releasePayment(intent, `void-${intent.id}`), { ...fields, cart_id: attempt.cart_id });
      } catch {
        // Logged by step(); the alert line above already asks an operator to look.
      }
      return { kind: "amount_mismatch" };
    }
    return completeOrder(deps, attempt, intent);
  }

  if (intent.status === "canceled") return record(deps, attempt, "canceled", intent.failureMessage ?? "canceled");
  if (intent.status === "requires_payment_method" && intent.failureMessage) {
    return record(deps, attempt, "payment_failed", intent.failureMessage);
  }
  if (intent.status === "processing" || intent.status === "requires_action") {
    if (attempt.status === "prepared") await record(deps, attempt, "payment_pending", intent.status);
  }
  return { kind: "not_paid", status: intent.status };
}

async function completeOrder(deps: PaymentDeps, attempt: AttemptRecord, intent: PaymentIntentFacts): Promise<PaymentOutcome> {
  const fields = { cart_id: attempt.cart_id, attempt_id: attempt.id };
  const started = Date.now();
  let result: Awaited<ReturnType<typeof completeCart>>;
  try {
    // A newer prepare of this cart (another tab, a second try) replaced this payment: the
    // cart's order, made or to be made, is paid by the other one, so this one goes back.
    const current = await cartPaymentIntentIds(deps.medusa, attempt.cart_id);
    if (current && !current.includes(intent.id)) {
      // Medusa drops the payment session when the cart's total changes (a write that
      // bypassed the storefront re-priced it); a newer prepare replaces it.
      const detail = current.length === 0 ? "the cart no longer has this payment: its total changed and Medusa removed the payment session" : "a newer checkout of this cart replaced this payment";
      return release(deps, attempt, intent, "cart_changed", detail, Date.now());
    }
    result = await completeCart(deps.medusa, attempt.cart_id);
  } catch (error) {
    const reason = error instanceof MedusaError ? `Medusa ${error.kind}${error.status ? ` ${error.status}` : ""}` : String(error);
    deps.logger.log("warn", "complete_cart", { ...fields, step: "complete_cart", outcome: "error", duration_ms: Date.now() - started, reason });
    return { kind: "retry", reason };
  }
  const duration_ms = Date.now() - started;
  switch (result.kind) {
    case "order": {
      deps.logger.log("info", "complete_cart", { ...fields, step: "complete_cart", outcome: "ok", duration_ms, order_id: result.orderId });
      const orderId = result.orderId;
      try {
        await deps.logger.step("record_order", () => transitionAttempt(deps.attempts, attempt.id, "completed", { trace_id: deps.logger.traceId, order_id: orderId }), {
          ...fields,
          order_id: orderId,
        });
      } catch (error) {
        return { kind: "retry", reason: `recording the order failed: ${String(error)}` };
      }
      return { kind: "completed", orderId };
    }
    case "transient":
      deps.logger.log("warn", "complete_cart", { ...fields, step: "complete_cart", outcome: "error", duration_ms, reason: result.message, retry: true });
      return { kind: "retry", reason: result.message };
    case "unknown": {
      const noted = await noteRefusal(deps.attempts, attempt, now(deps));
      const waited = now(deps).getTime() - Date.parse(noted.refused_since ?? noted.created_at);
      if (waited < UNKNOWN_REFUSAL_BOUND_MS) {
        deps.logger.log("warn", "complete_cart refused in a way not known to be permanent: retrying", {
          ...fields,
          step: "complete_cart",
          outcome: "error",
          duration_ms,
          reason: result.message,
          refused_for_ms: waited,
        });
        return { kind: "retry", reason: result.message };
      }
      return release(deps, noted, intent, "unknown_refusal", result.message, Date.parse(noted.refused_since ?? noted.created_at));
    }
    case "permanent":
      return release(deps, attempt, intent, result.reason, result.message, Date.now());
  }
}

const now = (deps: PaymentDeps) => deps.now?.() ?? new Date();

/**
 * The paid cart can't become an order: give the money back (idempotently: the key names
 * this attempt's release), record how and why, and say so in one `error` line an operator
 * can alert on. If Stripe can't be reached, the outcome is `retry` and the next delivery
 * (or the reconciler) releases it with the same key.
 */
async function release(
  deps: PaymentDeps,
  attempt: AttemptRecord,
  intent: PaymentIntentFacts,
  reason: CompletionRefusal | "unknown_refusal",
  detail: string,
  /** When the refusal was first seen (real clock): the release line says how long the money waited. */
  refusedAt: number,
): Promise<PaymentOutcome> {
  const fields = { cart_id: attempt.cart_id, attempt_id: attempt.id, payment_intent_id: intent.id };
  const lines = reason === "out_of_stock" ? await missingLines(deps, attempt) : undefined;
  let released: Release | null;
  try {
    released = await deps.logger.step("release_payment", () => deps.releasePayment(intent, `release-${attempt.id}`), fields);
  } catch (error) {
    if (unknownToStripe(error)) {
      // Nothing holds money under this id: there is nothing to give back, and retrying can't help.
      deps.logger.log("error", "paid cart could not become an order, and Stripe doesn't know its PaymentIntent", { ...fields, step: "release_payment", outcome: "error", reason });
      return { kind: "ignored", reason: "payment intent unknown to Stripe" };
    }
    return { kind: "retry", reason: `releasing the payment failed: ${String(error)}` };
  }
  if (!released) return { kind: "retry", reason: `payment intent ${intent.status} holds no money to release` };
  const record: ReleaseRecord = { reason, detail, action: released.action, stripe_id: released.id, ...(lines ? { lines } : {}) };
  try {
    await transitionAttempt(deps.attempts, attempt.id, "released", { trace_id: deps.logger.traceId, reason: `${reason}: ${detail}`, release: record });
  } catch (error) {
    return { kind: "retry", reason: `recording the release failed: ${String(error)}` };
  }
  deps.logger.log("error", "paid cart could not become an order: payment released", {
    ...fields,
    step: "release_payment",
    outcome: "error",
    reason,
    detail,
    release_action: released.action,
    stripe_id: released.id,
    amount: attempt.amount,
    currency: attempt.currency_code,
    ms_since_refusal: Math.max(0, Date.now() - refusedAt),
  });
  return { kind: "released", release: record };
}

/** Which of the attempt's lines Medusa can't supply now, to tell the shopper; [] if unknown. */
async function missingLines(deps: PaymentDeps, attempt: AttemptRecord): Promise<ReleaseRecord["lines"]> {
  const items = attempt.items ?? [];
  try {
    return await linesShortOfStock(deps.medusa, items);
  } catch {
    return [];
  }
}

async function record(deps: PaymentDeps, attempt: AttemptRecord, status: AttemptStatus, reason: string): Promise<PaymentOutcome> {
  if (attempt.status === status) return { kind: "recorded", status };
  try {
    await transitionAttempt(deps.attempts, attempt.id, status, { trace_id: deps.logger.traceId, reason });
    deps.logger.log("info", "attempt status recorded", { attempt_id: attempt.id, cart_id: attempt.cart_id, step: "record_status", outcome: "ok", status_to: status });
    return { kind: "recorded", status };
  } catch (error) {
    // A transition the lifecycle forbids (e.g. a late failure after completion) changes nothing.
    deps.logger.log("info", "attempt status not changed", { attempt_id: attempt.id, step: "record_status", outcome: "skipped", reason: String(error) });
    return { kind: "ignored", reason: "transition not allowed" };
  }
}
