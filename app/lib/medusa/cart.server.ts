import { z } from "zod";
import type { ShopContext } from "../context.server";
import { MedusaError } from "./client.server";
import { cartResponse, type Cart } from "./schemas";

/**
 * Cart reads and line-item mutations. Never cached. Business failures (not enough stock,
 * completed cart) come back as `CartProblem`s a page can show; transport failures throw.
 */
const CART_FIELDS = "*items,*shipping_methods,*shipping_address,*billing_address,+items.product_handle,+items.thumbnail";

export type CartProblem = { code: "out_of_stock" | "cart_completed" | "not_found" | "invalid"; message: string };
export type CartResult = { cart: Cart; problem?: undefined } | { cart?: undefined; problem: CartProblem };

export async function retrieveCart(shop: ShopContext, cartId: string): Promise<Cart | null> {
  try {
    const { cart } = await shop.medusa.request(`/store/carts/${encodeURIComponent(cartId)}`, {
      query: { fields: CART_FIELDS },
      schema: cartResponse,
    });
    return cart;
  } catch (error) {
    if (error instanceof MedusaError && error.status === 404) return null;
    throw error;
  }
}

export async function createCart(shop: ShopContext, regionId: string): Promise<Cart> {
  const { cart } = await shop.medusa.request("/store/carts", {
    method: "POST",
    body: { region_id: regionId },
    query: { fields: CART_FIELDS },
    schema: cartResponse,
  });
  return cart;
}

export async function addLineItem(shop: ShopContext, cartId: string, variantId: string, quantity: number): Promise<CartResult> {
  return mutate(shop, `/store/carts/${encodeURIComponent(cartId)}/line-items`, "POST", { variant_id: variantId, quantity });
}

export async function updateLineItem(shop: ShopContext, cartId: string, lineId: string, quantity: number): Promise<CartResult> {
  return mutate(shop, `/store/carts/${encodeURIComponent(cartId)}/line-items/${encodeURIComponent(lineId)}`, "POST", { quantity });
}

export async function removeLineItem(shop: ShopContext, cartId: string, lineId: string): Promise<CartResult> {
  const path = `/store/carts/${encodeURIComponent(cartId)}/line-items/${encodeURIComponent(lineId)}`;
  try {
    // Medusa answers a deletion with `{ id, object, deleted, parent: cart }`.
    await shop.medusa.request(path, { method: "DELETE", schema: deletedLineItem });
  } catch (error) {
    const problem = problemFor(error);
    if (problem) return { problem };
    throw error;
  }
  const cart = await retrieveCart(shop, cartId);
  return cart ? { cart } : { problem: { code: "not_found", message: "Your cart has expired. Start a new one." } };
}

async function mutate(shop: ShopContext, path: string, method: "POST", body: unknown): Promise<CartResult> {
  try {
    const { cart } = await shop.medusa.request(path, { method, body, query: { fields: CART_FIELDS }, schema: cartResponse });
    return { cart };
  } catch (error) {
    const problem = problemFor(error);
    if (problem) return { problem };
    throw error;
  }
}

const deletedLineItem = z.object({ deleted: z.boolean() });

/** Medusa's business errors in words a shopper understands. */
function problemFor(error: unknown): CartProblem | null {
  if (!(error instanceof MedusaError) || error.kind !== "http" || (error.status ?? 500) >= 500) return null;
  if (error.details.code === "insufficient_inventory" || /inventory/i.test(error.message)) {
    return { code: "out_of_stock", message: "Sorry, there isn't enough stock for that quantity." };
  }
  if (/already completed/i.test(error.message)) {
    return { code: "cart_completed", message: "This cart has already been ordered. Start a new one." };
  }
  if (error.status === 404) return { code: "not_found", message: "That item is no longer in your cart." };
  return { code: "invalid", message: "We couldn't update your cart. Please try again." };
}
