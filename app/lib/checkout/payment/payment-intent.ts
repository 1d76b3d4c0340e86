import { z } from "zod";
import { ATTEMPT_ID_PATTERN } from "../attempts.server";

/**
 * A PaymentIntent as the storefront reads it, from a verified webhook event or from
 * Stripe's API on the return page: the facts the payment side acts on.
 */
export type PaymentIntentFacts = {
  id: string;
  status: string;
  amount: number;
  currency: string;
  attemptId: string | null;
  /** Stripe's reason on a failed or canceled payment. */
  failureMessage?: string | null;
  /** What was captured (minor units); 0 before capture. */
  amountReceived?: number;
  /** From a `charge.refunded` event: the charge, and all refunded of what it captured. */
  refund?: { chargeId: string; refundedOfCapture: number };
};

/** The fields of a PaymentIntent (an event's object, or Stripe's API answer) the storefront acts on. */
export const paymentIntentSchema = z.object({
  id: z.string(),
  status: z.string(),
  amount: z.number().int(),
  amount_received: z.number().int().nullish(),
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
    amountReceived: intent.amount_received ?? 0,
  };
}

/** The fields of a refunded Charge (a `charge.refunded` event's object) the storefront records. */
export const refundedChargeSchema = z.object({
  id: z.string(),
  payment_intent: z.string(),
  amount: z.number().int(),
  amount_captured: z.number().int(),
  amount_refunded: z.number().int(),
});

/**
 * All refunded of what the charge captured: Stripe counts the rest of a partial capture,
 * released and never taken, in `amount_refunded` too.
 */
export function refundedOfCapture(charge: z.infer<typeof refundedChargeSchema>): number {
  return Math.max(0, charge.amount_refunded - (charge.amount - charge.amount_captured));
}

