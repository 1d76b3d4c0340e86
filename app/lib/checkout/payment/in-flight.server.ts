import type { Logger } from "../../log.server";
import { unknownToStripe } from "../../stripe.server";
import { readAttempt, transitionAttempt, type AttemptStatus, type AttemptStore } from "../attempts.server";
import type { PaymentIntentFacts } from "./payment-intent";

/**
 * Before a cart changes, its payment in flight is settled (docs/decisions/0007): from
 * prepare-for-payment until the attempt settles, a change to the cart would make the
 * payment pay for something else. Runs in the cart's Durable Object, before the write and
 * in the same turn, so nothing can confirm or complete in between on our side.
 *
 *   PaymentIntent holds or takes money (requires_capture, succeeded, processing)
 *       the write is refused: the order is being made (or the money released) now.
 *   PaymentIntent not paid (requires_payment_method, requires_confirmation, requires_action)
 *       it is canceled first (a tab still showing it can't pay the old total), the attempt
 *       is recorded `canceled`, then the write runs and the shopper is told.
 */
export type InFlightDeps = {
  attempts: AttemptStore;
  /** The ids of this cart's attempts (the cart Durable Object's own records). */
  attemptIds: () => Promise<string[]>;
  retrieveIntent: (id: string) => Promise<PaymentIntentFacts>;
  cancelIntent: (id: string, idempotencyKey: string) => Promise<void>;
  /** A settled attempt leaves the reconciler's index. */
  forget: (attemptId: string) => Promise<void>;
  logger: Logger;
};

export type InFlightVerdict = { kind: "clear" } | { kind: "refused"; message: string } | { kind: "canceled"; notice: string };

export const PAYMENT_IN_PROGRESS =
  "Your payment for this cart is being processed, so the cart can't change now. In a minute you'll see your order, or, if the payment didn't go through, this cart again.";
export const PAYMENT_CANCELED = "The payment you started for this cart was canceled because the cart changed; nothing was charged. Review your cart and pay again.";

/** Attempts that can't take money any more. */
const ENDED = new Set<AttemptStatus>(["completed", "released", "expired", "canceled", "amount_mismatch"]);
const MONEY_MOVING = new Set(["requires_capture", "succeeded", "processing"]);

export async function settleBeforeCartWrite(deps: InFlightDeps, cartId: string): Promise<InFlightVerdict> {
  let canceled = false;
  for (const attemptId of await deps.attemptIds()) {
    const attempt = await readAttempt(deps.attempts, attemptId);
    if (!attempt || ENDED.has(attempt.status)) continue;
    const fields = { cart_id: cartId, attempt_id: attempt.id, payment_intent_id: attempt.payment_intent_id };
    let intent: PaymentIntentFacts;
    try {
      intent = await deps.retrieveIntent(attempt.payment_intent_id);
    } catch (error) {
      if (unknownToStripe(error)) continue;
      throw error;
    }
    if (MONEY_MOVING.has(intent.status)) {
      deps.logger.log("info", "cart change refused: its payment is in", { ...fields, step: "payment_in_flight", outcome: "skipped", intent_status: intent.status });
      return { kind: "refused", message: PAYMENT_IN_PROGRESS };
    }
    if (intent.status !== "canceled") {
      try {
        await deps.logger.step("cancel_payment_intent", () => deps.cancelIntent(intent.id, `cart-write-${attempt.id}`), fields);
      } catch (error) {
        // Paid in the moment between: Stripe refuses to cancel what it captured.
        const now = await deps.retrieveIntent(intent.id);
        if (MONEY_MOVING.has(now.status)) return { kind: "refused", message: PAYMENT_IN_PROGRESS };
        if (now.status !== "canceled") throw error;
      }
      canceled = true;
    }
    await transitionAttempt(deps.attempts, attempt.id, "canceled", { trace_id: deps.logger.traceId, reason: "the cart changed before it was paid" });
    await deps.forget(attempt.id);
    deps.logger.log("info", "payment in flight canceled before a cart change", { ...fields, step: "payment_in_flight", outcome: "ok" });
  }
  return canceled ? { kind: "canceled", notice: PAYMENT_CANCELED } : { kind: "clear" };
}
