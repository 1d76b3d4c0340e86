import { readCartId } from "../../cart-cookie.server";
import type { ShopContext } from "../../context.server";
import { readOrderIds } from "../../order-access.server";
import { retrievePaymentIntent } from "../../stripe.server";
import { currencyExponent, formatMoney } from "../../money";
import { ATTEMPT_ID_PATTERN, readAttempt, type AttemptRecord, type ReleaseRecord } from "../attempts.server";
import type { PaymentOutcome } from "./apply-payment.server";
import { paymentIntentFacts, paymentIntentSchema } from "./payment-intent";

/**
 * The return page's decision (checkout contract, section 5): is this the shopper's
 * attempt, what does Stripe say about its PaymentIntent, and is the order there yet. The
 * order is completed through the cart's Durable Object, the same path the webhook takes,
 * so whichever comes first makes the one order and the other finds it.
 */
export type ReturnDecision =
  | { kind: "order"; orderId: string }
  | { kind: "finishing" }
  | { kind: "failed"; message: string }
  /** Paid, but the cart could not become an order: the money went back. */
  | { kind: "released"; what: string; money: string }
  | { kind: "not_found" };

const EXPIRED = "This checkout wasn't paid in time, so its payment was canceled and nothing was charged. Please check out again.";
const MISMATCH = "Your payment didn't match your cart's total, so no order was placed and the payment was voided. Please try again.";

export async function decideReturn(shop: ShopContext, env: Env, request: Request, attemptId: string | null): Promise<ReturnDecision> {
  if (!attemptId || !ATTEMPT_ID_PATTERN.test(attemptId)) return { kind: "not_found" };
  const attempt = await readAttempt(env.CHECKOUT_ATTEMPTS, attemptId);
  // Not replicated to this location yet: keep the shopper waiting, not failing.
  if (!attempt) return { kind: "finishing" };

  // Only the browser that owns the cart (or already got the order) may see or act on it.
  const ownCart = await readCartId(shop.config, request);
  const ownOrders = await readOrderIds(shop.config, request);
  const owns = ownCart === attempt.cart_id || (attempt.order_id !== null && ownOrders.includes(attempt.order_id));
  if (!owns) return { kind: "not_found" };

  if (attempt.status === "completed" && attempt.order_id) return { kind: "order", orderId: attempt.order_id };
  if (attempt.status === "released" && attempt.release) return released(attempt, attempt.release);

  const intent = await shop.logger.step("retrieve_payment_intent", () => retrievePaymentIntent(shop.config, attempt.payment_intent_id), {
    attempt_id: attempt.id,
    cart_id: attempt.cart_id,
  });
  if (intent.metadata?.checkout_attempt_id !== attempt.id) return { kind: "not_found" };

  const outcome: PaymentOutcome = await env.CART_COORDINATOR.getByName(attempt.cart_id).applyPayment({
    intent: paymentIntentFacts(paymentIntentSchema.parse(intent)),
    eventId: null,
    traceId: shop.traceId,
    route: "/checkout/complete",
  });

  switch (outcome.kind) {
    case "completed":
      return { kind: "order", orderId: outcome.orderId };
    case "amount_mismatch":
      return { kind: "failed", message: MISMATCH };
    case "released":
      return released(attempt, outcome.release);
    case "recorded":
      if (outcome.status === "payment_pending") return { kind: "finishing" };
      if (outcome.status === "amount_mismatch") return { kind: "failed", message: MISMATCH };
      if (outcome.status === "expired") return { kind: "failed", message: EXPIRED };
      return { kind: "failed", message: intent.last_payment_error?.message ?? "Your payment was not completed. Please try again." };
    case "not_paid":
      if (intent.status === "processing" || intent.status === "requires_action") return { kind: "finishing" };
      return { kind: "failed", message: intent.last_payment_error?.message ?? "Your payment was not completed. Please try again." };
    case "retry":
    case "ignored":
      return { kind: "finishing" };
  }
}

/** What happened, in the shopper's words, and where their money is. */
function released(attempt: AttemptRecord, release: ReleaseRecord): ReturnDecision {
  const amount = formatMoney(attempt.amount / 10 ** currencyExponent(attempt.currency_code), attempt.currency_code);
  const money =
    release.action === "cancel"
      ? `Your card was not charged: the hold of ${amount} has been released.`
      : `Your payment of ${amount} has been refunded to your card.`;
  return { kind: "released", what: whatHappened(release), money };
}

function whatHappened(release: ReleaseRecord): string {
  switch (release.reason) {
    case "out_of_stock": {
      const lines = release.lines ?? [];
      if (lines.length === 0) return "Something in your cart sold out while you were paying, so we couldn't place your order.";
      const parts = lines.map((line) =>
        line.available === 0
          ? `${line.title ?? "An item in your cart"} sold out while you were paying.`
          : `Only ${line.available} ${line.title ?? "item"} ${line.available === 1 ? "is" : "are"} left (you wanted ${line.wanted}).`,
      );
      return `${parts.join(" ")} We couldn't place your order.`;
    }
    case "cart_changed":
      return "Your cart changed while you were paying (perhaps in another tab), so we couldn't place your order.";
    case "cart_gone":
      return "Your cart expired while you were paying, so we couldn't place your order.";
    case "unknown_refusal":
      return "Our shop couldn't place your order.";
  }
}
