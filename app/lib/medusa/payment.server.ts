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

/**
 * Creates the Stripe payment session. Only `metadata.checkout_attempt_id` goes to Stripe:
 * Medusa's provider copies `data.metadata` into the PaymentIntent, and any other key of
 * `data` (capture_method, confirm, payment_method, return_url) would change the intent.
 */
export async function createStripePaymentSession(
  medusa: MedusaClient,
  paymentCollectionId: string,
  checkoutAttemptId: string,
): Promise<PaymentCollection> {
  const { payment_collection } = await medusa.request(
    `/store/payment-collections/${encodeURIComponent(paymentCollectionId)}/payment-sessions`,
    {
      method: "POST",
      body: { provider_id: STRIPE_PROVIDER_ID, data: { metadata: { checkout_attempt_id: checkoutAttemptId } } },
      schema: paymentCollectionResponse,
    },
  );
  return payment_collection;
}
