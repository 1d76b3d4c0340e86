import type { Logger } from "../../log.server";
import { MedusaError, type MedusaClient } from "../../medusa/client.server";
import { completeCart } from "../../medusa/order.server";
import { z } from "zod";
import { ATTEMPT_ID_PATTERN, readAttempt, transitionAttempt, type AttemptRecord, type AttemptStatus, type AttemptStore } from "../attempts.server";

/**
 * What a PaymentIntent says about a checkout attempt, from a verified webhook event or from
 * Stripe's API on the return page, and what the storefront does about it. Runs inside the
 * cart's Durable Object, so the webhook, a duplicate of it and the shopper's return page
 * never work on one cart at the same time.
 *
 * Exactly one order per paid attempt: Medusa's completion is idempotent per cart and the
 * attempt moves to `completed` once, with the order id.
 */
export type PaymentIntentFacts = {
  id: string;
  status: string;
  amount: number;
  currency: string;
  attemptId: string | null;
  /** Stripe's reason on a failed or canceled payment. */
  failureMessage?: string | null;
};

/** The fields of a PaymentIntent (an event's object, or Stripe's API answer) the storefront acts on. */
export const paymentIntentSchema = z.object({
  id: z.string(),
  status: z.string(),
  amount: z.number().int(),
  currency: z.string(),
  metadata: z.record(z.string(), z.string()).nullish(),
  last_payment_error: z.object({ message: z.string().nullish() }).nullish(),
  cancellation_reason: z.string().nullish(),
});

export function paymentIntentFacts(intent: z.infer<typeof paymentIntentSchema>): PaymentIntentFacts {
  const attemptId = intent.metadata?.checkout_attempt_id;
  return {
    id: intent.id,
    status: intent.status,
    amount: intent.amount,
    currency: intent.currency,
    attemptId: typeof attemptId === "string" && ATTEMPT_ID_PATTERN.test(attemptId) ? attemptId : null,
    failureMessage: intent.last_payment_error?.message ?? intent.cancellation_reason ?? null,
  };
}

export type PaymentOutcome =
  | { kind: "completed"; orderId: string }
  /** A transient failure (attempt not visible yet, Medusa down or busy): ask Stripe to retry. */
  | { kind: "retry"; reason: string }
  | { kind: "amount_mismatch" }
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
   * Voids a payment that must not become an order (cancels an authorization, refunds a
   * capture). Without it Medusa's own Stripe webhook, which does not compare amounts,
   * would still complete the cart.
   */
  voidPayment: (intent: PaymentIntentFacts) => Promise<void>;
};

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
  if (attempt.status === "completed" && attempt.order_id) return { kind: "completed", orderId: attempt.order_id };
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
        await deps.logger.step("void_payment", () => deps.voidPayment(intent), { ...fields, cart_id: attempt.cart_id });
      } catch {
        // Logged by step(); the alert line above already asks an operator to look.
      }
      return { kind: "amount_mismatch" };
    }
    return completeOrder(deps, attempt);
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

async function completeOrder(deps: PaymentDeps, attempt: AttemptRecord): Promise<PaymentOutcome> {
  const fields = { cart_id: attempt.cart_id, attempt_id: attempt.id };
  try {
    const started = Date.now();
    const result = await completeCart(deps.medusa, attempt.cart_id);
    const duration_ms = Date.now() - started;
    if (result.kind === "busy") {
      deps.logger.log("info", "complete_cart", { ...fields, step: "complete_cart", outcome: "skipped", duration_ms, reason: "being completed by another request" });
      return { kind: "retry", reason: "cart is being completed by another request" };
    }
    if (result.kind === "gone") {
      deps.logger.log("error", "paid cart no longer exists in Medusa: an operator must refund or recreate the order", {
        ...fields,
        step: "complete_cart",
        outcome: "error",
        duration_ms,
      });
      return { kind: "ignored", reason: "cart not found in Medusa" };
    }
    if (result.kind === "refused") {
      // E.g. Medusa's view of the payment lags Stripe's: worth a retry.
      deps.logger.log("warn", "complete_cart", { ...fields, step: "complete_cart", outcome: "error", duration_ms, reason: result.message });
      return { kind: "retry", reason: "Medusa refused to complete the cart" };
    }
    deps.logger.log("info", "complete_cart", { ...fields, step: "complete_cart", outcome: "ok", duration_ms, order_id: result.orderId });
    await deps.logger.step(
      "record_order",
      () => transitionAttempt(deps.attempts, attempt.id, "completed", { trace_id: deps.logger.traceId, order_id: result.orderId }),
      { ...fields, order_id: result.orderId },
    );
    return { kind: "completed", orderId: result.orderId };
  } catch (error) {
    const reason = error instanceof MedusaError ? `Medusa ${error.kind}${error.status ? ` ${error.status}` : ""}` : String(error);
    return { kind: "retry", reason };
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
