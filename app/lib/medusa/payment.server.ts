import type { MedusaClient } from "./client.server";
import { paymentCollectionResponse, type PaymentCollection } from "./schemas";

/**
 * Payment collections and sessions. `POST /store/payment-collections {cart_id}` is
 * get-or-create; creating a session deletes the older ones (one session, one new
 * PaymentIntent each time), see medusa-facts.md.
 */
export const STRIPE_PROVIDER_ID = "pp_stripe_stripe";

export async function getOrCreatePaymentCollection(medusa: MedusaClient, cartId: string): Promise<PaymentCollection> {
  const { payment_collection } = await medusa.request("/store/payment-collections", {
    method: "POST",
    body: { cart_id: cartId },
    schema: paymentCollectionResponse,
  });
  return payment_collection;
}

/** What a signed-in customer's session may ask of Stripe (README, "Saved cards"). */
export type SessionOptions = {
  /** The customer's Medusa token: Medusa then makes or reuses their account holder (a Stripe Customer). */
  token?: string;
  /** Save the card typed for next time (`setup_future_usage: "on_session"`: reused while the customer is at checkout). */
  saveCard?: boolean;
  /** Pay with this saved card (already checked to be the customer's own). */
  paymentMethodId?: string;
};

/**
 * The session's `data`, from an allowlist. Medusa's provider passes `data` to Stripe
 * almost unfiltered (capture_method, confirm, off_session, return_url would all change
 * the PaymentIntent): only `metadata.checkout_attempt_id`, `setup_future_usage` and
 * `payment_method` are ever sent, each set here, never copied from a request.
 */
export function stripeSessionRequestData(checkoutAttemptId: string, options: SessionOptions): Record<string, unknown> {
  return {
    metadata: { checkout_attempt_id: checkoutAttemptId },
    ...(options.token && options.saveCard && !options.paymentMethodId ? { setup_future_usage: "on_session" } : {}),
    ...(options.token && options.paymentMethodId ? { payment_method: options.paymentMethodId } : {}),
  };
}

/** Creates the Stripe payment session (one new PaymentIntent). */
export async function createStripePaymentSession(
  medusa: MedusaClient,
  paymentCollectionId: string,
  checkoutAttemptId: string,
  options: SessionOptions = {},
): Promise<PaymentCollection> {
  const { payment_collection } = await medusa.request(
    `/store/payment-collections/${encodeURIComponent(paymentCollectionId)}/payment-sessions`,
    {
      method: "POST",
      token: options.token,
      body: { provider_id: STRIPE_PROVIDER_ID, data: stripeSessionRequestData(checkoutAttemptId, options) },
      schema: paymentCollectionResponse,
    },
  );
  return payment_collection;
}
