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

