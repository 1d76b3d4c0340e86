import { z } from "zod";
import { classifyMedusaError, type MedusaClient } from "./client.server";
import { ADDRESS_KEYS, cartResponse, checkoutCartResponse, shippingOptionList, stripeSessionData, type Address, type AddressDraft, type Cart, type CheckoutCart, type ShippingOption } from "./schemas";

/**
 * Everything the storefront reads and writes on a Medusa cart: the cart itself, its line
 * items, its contact details and addresses, its shipping method and the shipping options
 * offered for it. Never cached. Business refusals (not enough stock, completed cart) come
 * back as `CartProblem`s a page can show; transport failures throw `MedusaError`.
 *
 * Two views of a cart, one field set each:
 * - `PAGE_FIELDS`: what the cart and checkout pages show (items with handles and
 *   thumbnails, shipping methods, addresses).
 * - `PAYMENT_FIELDS`: what prepare-for-payment checks (also the payment collection with its
 *   sessions, the region's countries, the metadata with the checkout attempt id).
 */
const PAGE_FIELDS = "*items,*shipping_methods,*shipping_address,*billing_address,+items.product_handle,+items.thumbnail,+customer_id";
const PAYMENT_FIELDS = [
  "*items",
  "*shipping_methods",
  "*shipping_address",
  "*billing_address",
  "*payment_collection",
  "*payment_collection.payment_sessions",
  "*region",
  "*region.countries",
  "+metadata",
  "+customer_id",
].join(",");

export type CartProblem = { code: "out_of_stock" | "cart_completed" | "not_found" | "invalid" | "payment_in_progress"; message: string };
export type CartResult = { cart: Cart; problem?: undefined } | { cart?: undefined; problem: CartProblem };

const cartPath = (cartId: string) => `/store/carts/${encodeURIComponent(cartId)}`;

// ---- the page view

/** The cart, or null when Medusa doesn't know it. */
export async function retrieveCart(medusa: MedusaClient, cartId: string): Promise<Cart | null> {
  try {
    const { cart } = await medusa.request(cartPath(cartId), { query: { fields: PAGE_FIELDS }, schema: cartResponse });
    return cart;
  } catch (error) {
    if (classifyMedusaError(error) === "not_found") return null;
    throw error;
  }
}

/** A new cart; with a signed-in customer's `token`, Medusa makes it theirs. */
export async function createCart(medusa: MedusaClient, regionId: string, token?: string): Promise<Cart> {
  const { cart } = await medusa.request("/store/carts", {
    method: "POST",
    token,
    body: { region_id: regionId },
    query: { fields: PAGE_FIELDS },
    schema: cartResponse,
  });
  return cart;
}

export function addLineItem(medusa: MedusaClient, cartId: string, variantId: string, quantity: number): Promise<CartResult> {
  return write(medusa, `${cartPath(cartId)}/line-items`, { variant_id: variantId, quantity }, LINE_MESSAGES);
}

export function updateLineItem(medusa: MedusaClient, cartId: string, lineId: string, quantity: number): Promise<CartResult> {
  return write(medusa, `${cartPath(cartId)}/line-items/${encodeURIComponent(lineId)}`, { quantity }, LINE_MESSAGES);
}

const deletedLineItem = z.object({ deleted: z.boolean() });

export async function removeLineItem(medusa: MedusaClient, cartId: string, lineId: string): Promise<CartResult> {
  try {
    // Medusa answers a deletion with `{ id, object, deleted, parent: cart }`.
    await medusa.request(`${cartPath(cartId)}/line-items/${encodeURIComponent(lineId)}`, { method: "DELETE", schema: deletedLineItem });
  } catch (error) {
    return { problem: problemFor(error, LINE_MESSAGES) };
  }
  const cart = await retrieveCart(medusa, cartId);
  return cart ? { cart } : { problem: { code: "not_found", message: "Your cart has expired. Start a new one." } };
}

/**
 * Medusa replaces the whole address object on every update (sending only `city` nulls the
 * rest and leaves stale taxes), so every part is sent, absent ones as null. Medusa then
 * drops shipping methods the new address doesn't allow and reprices taxes.
 */
export function setShippingAddress(medusa: MedusaClient, cartId: string, draft: Partial<AddressDraft>): Promise<CartResult> {
  const full = Object.fromEntries(ADDRESS_KEYS.map((key) => [key, draft[key] || null]));
  return write(medusa, cartPath(cartId), { shipping_address: full }, { refused: "We can't ship to that address. Check the country and state." });
}

/** Adding a method replaces the cart's method of the same shipping profile (Medusa has no removal). */
export function setShippingMethod(medusa: MedusaClient, cartId: string, optionId: string): Promise<CartResult> {
  return write(medusa, `${cartPath(cartId)}/shipping-methods`, { option_id: optionId }, {
    refused: "That shipping option isn't available for this address. Choose another one.",
  });
}

/** True when the cart already holds exactly this address (so an update would change nothing). */
export function sameAddress(current: Address | null, draft: Partial<AddressDraft>): boolean {
  return ADDRESS_KEYS.every((key) => (current?.[key] ?? null) === (draft[key] || null));
}

export async function listShippingOptions(medusa: MedusaClient, cartId: string): Promise<ShippingOption[]> {
  const { shipping_options } = await medusa.request("/store/shipping-options", { query: { cart_id: cartId }, schema: shippingOptionList });
  return shipping_options;
}

// ---- the payment view (prepare-for-payment and its rollback)

export type CartDetails = {
  email?: string;
  shipping_address?: Address;
  billing_address?: Address;
  /** Medusa merges metadata; a key set to "" is deleted. */
  metadata?: Record<string, string>;
};

export async function readCheckoutCart(medusa: MedusaClient, cartId: string): Promise<CheckoutCart> {
  const { cart } = await medusa.request(cartPath(cartId), { query: { fields: PAYMENT_FIELDS }, schema: checkoutCartResponse });
  return cart;
}

/**
 * The PaymentIntents behind the cart's payment sessions now (Medusa's Stripe provider keeps
 * the intent in the session's `data`); null when Medusa doesn't know the cart. Creating a
 * session deletes the older ones, so an intent missing here was replaced by a newer prepare.
 */
export async function cartPaymentIntentIds(medusa: MedusaClient, cartId: string): Promise<string[] | null> {
  let cart: CheckoutCart;
  try {
    cart = await readCheckoutCart(medusa, cartId);
  } catch (error) {
    if (classifyMedusaError(error) === "not_found") return null;
    throw error;
  }
  return (cart.payment_collection?.payment_sessions ?? []).flatMap((session) => {
    const intent = stripeSessionData.safeParse(session.data);
    return intent.success ? [intent.data.id] : [];
  });
}

/** Callers pass complete addresses: Medusa replaces the whole address object on update. */
export async function updateCartDetails(medusa: MedusaClient, cartId: string, details: CartDetails): Promise<CheckoutCart> {
  const { cart } = await medusa.request(cartPath(cartId), {
    method: "POST",
    body: details,
    query: { fields: PAYMENT_FIELDS },
    schema: checkoutCartResponse,
  });
  return cart;
}

/** Replaces the cart's method of the same shipping profile (Medusa can't delete one). */
export async function addShippingMethod(medusa: MedusaClient, cartId: string, optionId: string): Promise<CheckoutCart> {
  const { cart } = await medusa.request(`${cartPath(cartId)}/shipping-methods`, {
    method: "POST",
    body: { option_id: optionId },
    query: { fields: PAYMENT_FIELDS },
    schema: checkoutCartResponse,
  });
  return cart;
}

// ---- refusals in words a shopper understands

type Messages = { refused: string; notFound?: string; outOfStock?: string };
const LINE_MESSAGES: Messages = {
  refused: "We couldn't update your cart. Please try again.",
  notFound: "That item is no longer in your cart.",
  outOfStock: "Sorry, there isn't enough stock for that quantity.",
};

async function write(medusa: MedusaClient, path: string, body: unknown, messages: Messages): Promise<CartResult> {
  try {
    const { cart } = await medusa.request(path, { method: "POST", body, query: { fields: PAGE_FIELDS }, schema: cartResponse });
    return { cart };
  } catch (error) {
    return { problem: problemFor(error, messages) };
  }
}

/** Medusa's business refusal as a CartProblem; anything else (down, slow, 5xx) is rethrown. */
function problemFor(error: unknown, messages: Messages): CartProblem {
  const kind = classifyMedusaError(error);
  if (kind === null || kind === "timeout" || kind === "unavailable") throw error;
  if (kind === "cart_completed") return { code: "cart_completed", message: "This cart has already been ordered. Start a new one." };
  if (kind === "out_of_stock" && messages.outOfStock) return { code: "out_of_stock", message: messages.outOfStock };
  if (kind === "not_found" && messages.notFound) return { code: "not_found", message: messages.notFound };
  return { code: "invalid", message: messages.refused };
}
