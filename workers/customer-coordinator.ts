import { DurableObject } from "cloudflare:workers";
import { saveAddressIfNew } from "../app/lib/account/addresses.server";
import { rememberStripeCustomer } from "../app/lib/account/saved-cards.server";
import { readConfig } from "../app/lib/config.server";
import { createLogger } from "../app/lib/log.server";
import { asPlainFailure, medusaClientFor, type PlainMedusaFailure } from "../app/lib/medusa/client.server";
import { resetPassword } from "../app/lib/medusa/password-reset.server";
import { createStripePaymentSession, STRIPE_PROVIDER_ID, type SessionOptions } from "../app/lib/medusa/payment.server";
import { stripeSessionData, type Address, type PaymentCollection } from "../app/lib/medusa/schemas";

/**
 * One per signed-in customer: their payment sessions are made here, one at a time.
 * Medusa makes the customer's account holder (their Stripe Customer) with the first
 * session and its creation is not idempotent under concurrency (medusa#15593): two carts
 * of one customer preparing at once could make two Stripe Customers, and split their saved
 * cards. Serialized here, the second session finds the account holder the first made.
 * Also remembers the Stripe customer id Medusa's answer names (saved-cards.server.ts).
 * Its "save this address" runs here too: two carts saving the same new address at once
 * would each find it missing and add it twice. A password reset link's submissions take
 * turns in an object of their own, named by the link's token (no customer is known yet).
 */
export type CustomerSessionCall = {
  customerId: string;
  collectionId: string;
  attemptId: string;
  options: SessionOptions;
  traceId: string;
  route: string;
};

export type CustomerAddressCall = { token: string; address: Address; traceId: string; route: string };

/** What the cart's Durable Object gets back. */
export type CustomerSessionAnswer = { collection: PaymentCollection } | PlainMedusaFailure;

export type PasswordResetCall = { token: string; email: string; password: string; traceId: string; route: string };
/** `changed: false`: Medusa refused the token (used, replaced, expired or forged); nothing changed. */
export type PasswordResetAnswer = { changed: boolean } | PlainMedusaFailure;

export class CustomerCoordinator extends DurableObject<Env> {
  /** Everything this object does runs one after another on this chain. */
  private chain: Promise<unknown> = Promise.resolve();

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.chain.then(work, work);
    this.chain = result.catch(() => undefined);
    return result;
  }

  createPaymentSession(call: CustomerSessionCall): Promise<CustomerSessionAnswer> {
    return this.exclusive(() => this.create(call));
  }

  /** "Save this address" at checkout: two carts saving the same new address at once save it once. */
  saveAddress(call: CustomerAddressCall): Promise<void> {
    const logger = createLogger(call.traceId, call.route);
    return this.exclusive(() => saveAddressIfNew({ medusa: medusaClientFor(readConfig(this.env), logger), logger }, call.token, call.address));
  }

  /**
   * A new password with a reset link, in the link's own object (app/lib/account/password-reset.server.ts).
   * Medusa checks a reset token and spends it in two steps: two submissions of one link at
   * once (a double click, two tabs) both passed the check and both changed the password
   * (measured: the fuzz test's concurrent cases). One at a time, the second finds it spent.
   */
  resetPassword(call: PasswordResetCall): Promise<PasswordResetAnswer> {
    const logger = createLogger(call.traceId, call.route);
    const medusa = medusaClientFor(readConfig(this.env), logger);
    return this.exclusive(() => asPlainFailure(async () => ({ changed: await resetPassword(medusa, call.token, { email: call.email, password: call.password }) })));
  }

  private create(call: CustomerSessionCall): Promise<CustomerSessionAnswer> {
    const logger = createLogger(call.traceId, call.route);
    return asPlainFailure(async () => {
      const collection = await createStripePaymentSession(medusaClientFor(readConfig(this.env), logger), call.collectionId, call.attemptId, call.options);
      const session = collection.payment_sessions.find((candidate) => candidate.provider_id === STRIPE_PROVIDER_ID);
      const stripeCustomer = stripeSessionData.safeParse(session?.data).data?.customer;
      if (stripeCustomer) await rememberStripeCustomer(this.env, call.customerId, stripeCustomer);
      return { collection };
    });
  }
}
