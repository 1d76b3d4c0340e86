import type { AppConfig } from "../config.server";
import { detachCard, listCustomerCards, type SavedCard } from "../stripe.server";

/**
 * A signed-in customer's saved cards (README, "Saved cards"). Medusa's Stripe provider
 * keeps them on the customer's account holder, a Stripe Customer; Medusa's Store API has
 * no route that lists them (and the one its tutorial adds trusts any account-holder id).
 * So the storefront lists and detaches them itself, server-side, with the Stripe customer
 * id it learnt from Medusa's own answer when the customer's payment session was made
 * (prepare-for-payment), kept in KV per Medusa customer: never an id from the request.
 */
const keyOf = (customerId: string) => `stripe-customer:${customerId}`;
const STRIPE_CUSTOMER = /^cus_[A-Za-z0-9]{1,100}$/;

export type { SavedCard };

export async function stripeCustomerOf(env: Env, customerId: string): Promise<string | null> {
  const value = await env.CUSTOMER_SESSIONS.get(keyOf(customerId));
  return value && STRIPE_CUSTOMER.test(value) ? value : null;
}

/** Remembers the Stripe customer Medusa's provider made (or reused) for this customer. */
export async function rememberStripeCustomer(env: Env, customerId: string, stripeCustomerId: string): Promise<void> {
  if (!STRIPE_CUSTOMER.test(stripeCustomerId)) return;
  if ((await env.CUSTOMER_SESSIONS.get(keyOf(customerId))) === stripeCustomerId) return;
  await env.CUSTOMER_SESSIONS.put(keyOf(customerId), stripeCustomerId);
}

/** The customer's saved cards; none before their first checkout as a customer. */
export async function savedCardsOf(config: AppConfig, env: Env, customerId: string): Promise<SavedCard[]> {
  const stripeCustomerId = await stripeCustomerOf(env, customerId);
  return stripeCustomerId ? listCustomerCards(config, stripeCustomerId) : [];
}

/** Whether `paymentMethodId` is one of this customer's saved cards (read from Stripe now). */
export async function isOwnCard(config: AppConfig, env: Env, customerId: string, paymentMethodId: string): Promise<boolean> {
  return (await savedCardsOf(config, env, customerId)).some((card) => card.id === paymentMethodId);
}

/** Removes a saved card, only one of this customer's own: false (nothing done) for any other id. */
export async function removeSavedCard(config: AppConfig, env: Env, customerId: string, paymentMethodId: string): Promise<boolean> {
  if (!(await isOwnCard(config, env, customerId, paymentMethodId))) return false;
  await detachCard(config, paymentMethodId);
  return true;
}
