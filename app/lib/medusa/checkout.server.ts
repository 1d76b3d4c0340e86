import { z } from "zod";
import type { ShopContext } from "../context.server";
import { MedusaError } from "./client.server";
import { cart, ADDRESS_KEYS } from "./schemas";

/**
 * What the checkout page reads and writes before payment: the cart with its shipping
 * subtotal, the shipping options Medusa offers for it, the shipping address and the chosen
 * shipping method. Business refusals come back as `CheckoutProblem`s; transport failures
 * throw. Payment itself is prepared by `POST /api/carts/:id/prepare-for-payment`.
 */
const CHECKOUT_CART_FIELDS = "*items,*shipping_methods,*shipping_address,*billing_address,+items.product_handle,+items.thumbnail";

// `shipping_total` includes the tax on shipping, which `tax_total` counts too: the summary
// shows the pre-tax `shipping_subtotal` so its lines add up to the total.
export const pageCart = cart.extend({ shipping_subtotal: z.number().nullish() });
export type PageCart = z.infer<typeof pageCart>;
const pageCartResponse = z.object({ cart: pageCart });

export const shippingOption = z.object({
  id: z.string(),
  name: z.string(),
  price_type: z.string().nullish(),
  amount: z.number().nullish(),
  calculated_amount: z.number().nullish(),
  insufficient_inventory: z.boolean().nullish(),
});
export type ShippingOption = z.infer<typeof shippingOption>;
const shippingOptionList = z.object({ shipping_options: z.array(shippingOption) });

/** The address as the checkout form holds it; absent parts are sent as null (see setShippingAddress). */
export type AddressInput = {
  first_name?: string;
  last_name?: string;
  company?: string;
  address_1?: string;
  address_2?: string;
  city?: string;
  province?: string;
  postal_code?: string;
  country_code?: string;
  phone?: string;
};

/** True when the cart already holds exactly this address (so an update would change nothing). */
export function sameAddress(current: PageCart["shipping_address"], address: AddressInput): boolean {
  return ADDRESS_KEYS.every((key) => (current?.[key] ?? null) === (address[key] || null));
}

export type CheckoutProblem = { code: "invalid_address" | "shipping_option_unavailable" | "cart_completed"; message: string };

const cartPath = (cartId: string) => `/store/carts/${encodeURIComponent(cartId)}`;

/** The shopper's open cart (`cartId` from the signed cookie), with what the checkout summary needs; null if none. */
export async function openCheckoutCart(shop: ShopContext, cartId: string | null): Promise<PageCart | null> {
  if (!cartId) return null;
  try {
    const found = await shop.medusa.request(cartPath(cartId), { query: { fields: CHECKOUT_CART_FIELDS }, schema: pageCartResponse });
    return found.cart.completed_at ? null : found.cart;
  } catch (error) {
    if (error instanceof MedusaError && error.status === 404) return null;
    throw error;
  }
}

export async function listShippingOptions(shop: ShopContext, cartId: string): Promise<ShippingOption[]> {
  const { shipping_options } = await shop.medusa.request("/store/shipping-options", { query: { cart_id: cartId }, schema: shippingOptionList });
  return shipping_options;
}

/**
 * Medusa replaces the whole address object on every update (sending only `city` nulls the
 * rest and leaves stale taxes), so every part is sent, absent ones as null. Medusa then
 * drops shipping methods the new address doesn't allow and reprices taxes.
 */
export async function setShippingAddress(
  shop: ShopContext,
  cartId: string,
  address: AddressInput,
): Promise<{ cart: PageCart; problem?: undefined } | { cart?: undefined; problem: CheckoutProblem }> {
  const full = Object.fromEntries(ADDRESS_KEYS.map((key) => [key, address[key] || null]));
  try {
    const updated = await shop.medusa.request(cartPath(cartId), {
      method: "POST",
      body: { shipping_address: full },
      query: { fields: CHECKOUT_CART_FIELDS },
      schema: pageCartResponse,
    });
    return { cart: updated.cart };
  } catch (error) {
    const problem = problemFor(error, "invalid_address", "We can't ship to that address. Check the country and state.");
    if (problem) return { problem };
    throw error;
  }
}

/** Adding a method replaces the cart's method of the same shipping profile (Medusa has no removal). */
export async function setShippingMethod(
  shop: ShopContext,
  cartId: string,
  optionId: string,
): Promise<{ cart: PageCart; problem?: undefined } | { cart?: undefined; problem: CheckoutProblem }> {
  try {
    const updated = await shop.medusa.request(`${cartPath(cartId)}/shipping-methods`, {
      method: "POST",
      body: { option_id: optionId },
      query: { fields: CHECKOUT_CART_FIELDS },
      schema: pageCartResponse,
    });
    return { cart: updated.cart };
  } catch (error) {
    const problem = problemFor(error, "shipping_option_unavailable", "That shipping option isn't available for this address. Choose another one.");
    if (problem) return { problem };
    throw error;
  }
}

function problemFor(error: unknown, code: CheckoutProblem["code"], message: string): CheckoutProblem | null {
  if (!(error instanceof MedusaError) || error.kind !== "http" || (error.status ?? 500) >= 500) return null;
  if (/already completed/i.test(error.message)) {
    return { code: "cart_completed", message: "This cart has already been ordered. Start a new one." };
  }
  return { code, message };
}

/** What the page shows of the cart: Medusa's own totals, in major units as Medusa sends them. */
export function checkoutSummary(checkout: PageCart) {
  return {
    cartId: checkout.id,
    currency: checkout.currency_code,
    items: checkout.items.map((item) => ({
      id: item.id,
      title: item.product_title ?? item.title ?? "Item",
      variant: item.variant_title,
      quantity: item.quantity,
      // Before tax, so the lines add up to the subtotal (Medusa's `total` includes tax).
      total: item.subtotal ?? item.unit_price * item.quantity,
    })),
    subtotal: checkout.item_subtotal ?? checkout.subtotal ?? 0,
    shipping: checkout.shipping_methods.length ? (checkout.shipping_subtotal ?? checkout.shipping_total ?? 0) : null,
    discount: checkout.discount_total ?? 0,
    tax: checkout.tax_total ?? 0,
    total: checkout.total,
    shippingOptionId: checkout.shipping_methods[0]?.shipping_option_id ?? null,
  };
}
export type CheckoutSummary = ReturnType<typeof checkoutSummary>;

/**
 * Options as the page lists them, cheapest first (Medusa's order varies between calls); a
 * calculated-price option without a price yet shows none and comes last.
 */
export function shippingOptionViews(options: ShippingOption[]) {
  return options
    .map((option) => ({
      id: option.id,
      name: option.name,
      amount: option.calculated_amount ?? option.amount ?? null,
      available: !option.insufficient_inventory,
    }))
    .sort((a, b) => (a.amount ?? Infinity) - (b.amount ?? Infinity) || a.name.localeCompare(b.name));
}
export type ShippingOptionView = ReturnType<typeof shippingOptionViews>[number];
