import { readCartId } from "../../cart-cookie.server";
import type { ShopContext } from "../../context.server";
import { readOrderIds } from "../../order-access.server";
import { stripeClient } from "../../stripe.server";
import { ATTEMPT_ID_PATTERN, readAttempt } from "../attempts.server";
import { paymentIntentFacts, paymentIntentSchema, type PaymentOutcome } from "./apply-payment.server";

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
  | { kind: "not_found" };

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

  const intent = await shop.logger.step("retrieve_payment_intent", () => stripeClient(shop.config).paymentIntents.retrieve(attempt.payment_intent_id), {
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
    case "recorded":
      if (outcome.status === "payment_pending") return { kind: "finishing" };
      if (outcome.status === "amount_mismatch") return { kind: "failed", message: MISMATCH };
      return { kind: "failed", message: intent.last_payment_error?.message ?? "Your payment was not completed. Please try again." };
    case "not_paid":
      if (intent.status === "processing" || intent.status === "requires_action") return { kind: "finishing" };
      return { kind: "failed", message: intent.last_payment_error?.message ?? "Your payment was not completed. Please try again." };
    case "retry":
    case "ignored":
      return { kind: "finishing" };
  }
}
