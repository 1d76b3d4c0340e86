import type { MedusaClient } from "./client.server";
import { checkoutCartResponse, type Address, type CheckoutCart } from "./schemas";

/** The cart writes of checkout: contact details, addresses, metadata, shipping method. */
const CHECKOUT_CART_FIELDS = [
  "*items",
  "*shipping_methods",
  "*shipping_address",
  "*billing_address",
  "*payment_collection",
  "*payment_collection.payment_sessions",
  "*region",
  "*region.countries",
  "+metadata",
].join(",");

export type CartDetails = {
  email?: string;
  shipping_address?: AddressInput;
  billing_address?: AddressInput;
  /** Medusa merges metadata; a key set to "" is deleted. */
  metadata?: Record<string, string>;
};

export type AddressInput = Address;

export async function readCheckoutCart(medusa: MedusaClient, cartId: string): Promise<CheckoutCart> {
  const { cart } = await medusa.request(`/store/carts/${encodeURIComponent(cartId)}`, {
    query: { fields: CHECKOUT_CART_FIELDS },
    schema: checkoutCartResponse,
  });
  return cart;
}

/**
 * Medusa replaces the whole address object on update (sending only `address_1` nulls the
 * rest), so callers always pass complete addresses.
 */
export async function updateCartDetails(medusa: MedusaClient, cartId: string, details: CartDetails): Promise<CheckoutCart> {
  const { cart } = await medusa.request(`/store/carts/${encodeURIComponent(cartId)}`, {
    method: "POST",
    body: details,
    query: { fields: CHECKOUT_CART_FIELDS },
    schema: checkoutCartResponse,
  });
  return cart;
}

/** Replaces the cart's method of the same shipping profile (Medusa can't delete one). */
export async function addShippingMethod(medusa: MedusaClient, cartId: string, optionId: string): Promise<CheckoutCart> {
  const { cart } = await medusa.request(`/store/carts/${encodeURIComponent(cartId)}/shipping-methods`, {
    method: "POST",
    body: { option_id: optionId },
    query: { fields: CHECKOUT_CART_FIELDS },
    schema: checkoutCartResponse,
  });
  return cart;
}
