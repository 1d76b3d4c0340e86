import { DurableObject } from "cloudflare:workers";
import { rememberStripeCustomer } from "../app/lib/account/saved-cards.server";
import { readConfig } from "../app/lib/config.server";
import { createLogger } from "../app/lib/log.server";
import { MedusaError, medusaClientFor } from "../app/lib/medusa/client.server";
import { createStripePaymentSession, STRIPE_PROVIDER_ID, type SessionOptions } from "../app/lib/medusa/payment.server";
import { stripeSessionData, type PaymentCollection } from "../app/lib/medusa/schemas";

/**
 * One per signed-in customer: their payment sessions are made here, one at a time.
 * Medusa makes the customer's account holder (their Stripe Customer) with the first
 * session and its creation is not idempotent under concurrency (medusa#15593): two carts
 * of one customer preparing at once could make two Stripe Customers, and split their saved
 * cards. Serialized here, the second session finds the account holder the first made.
 * Also remembers the Stripe customer id Medusa's answer names (saved-cards.server.ts).
 */
export type CustomerSessionCall = {
  customerId: string;
  collectionId: string;
  attemptId: string;
  options: SessionOptions;
  traceId: string;
  route: string;
};

/** Plain data back to the cart's Durable Object (a thrown MedusaError would lose its class on the way). */
export type CustomerSessionAnswer =
  | { collection: PaymentCollection }
  | { failure: { kind: MedusaError["kind"]; message: string; details: MedusaError["details"] } };

export class CustomerCoordinator extends DurableObject<Env> {
  private chain: Promise<unknown> = Promise.resolve();

  async createPaymentSession(call: CustomerSessionCall): Promise<CustomerSessionAnswer> {
    const work = () => this.create(call);
    const result = this.chain.then(work, work);
    this.chain = result.catch(() => undefined);
    return result;
  }

  private async create(call: CustomerSessionCall): Promise<CustomerSessionAnswer> {
    const logger = createLogger(call.traceId, call.route);
    try {
      const collection = await createStripePaymentSession(medusaClientFor(readConfig(this.env), logger), call.collectionId, call.attemptId, call.options);
      const session = collection.payment_sessions.find((candidate) => candidate.provider_id === STRIPE_PROVIDER_ID);
      const stripeCustomer = stripeSessionData.safeParse(session?.data).data?.customer;
      if (stripeCustomer) await rememberStripeCustomer(this.env, call.customerId, stripeCustomer);
      return { collection };
    } catch (error) {
      if (error instanceof MedusaError) return { failure: { kind: error.kind, message: error.message, details: error.details } };
      throw error;
    }
  }
}
