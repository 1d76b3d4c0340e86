import type { ShopContext } from "./context.server";
import { readCartId, setCartIdCookie } from "./cart-cookie.server";
import { createCart, retrieveCart } from "./medusa/cart.server";
import { getRegion } from "./medusa/catalog.server";
import type { Cart } from "./medusa/schemas";

/**
 * The shopper's open cart: the one their signed cookie names (`cartId`, from
 * `readCartId`), or a new one when they have none (or theirs was completed or has
 * expired). `setCookie` is set when a new cart was made and must be sent back.
 * `customerToken`: a signed-in customer's, so a new cart is made as theirs.
 */
export async function openCartFor(shop: ShopContext, cartId: string | null, customerToken?: string): Promise<{ cart: Cart; setCookie?: string }> {
  if (cartId) {
    const cart = await retrieveCart(shop.medusa, cartId);
    if (cart && !cart.completed_at) return { cart };
  }
  const region = await getRegion(shop);
  // A signed-in customer's new cart is made with their token: Medusa makes it theirs.
  const cart = await createCart(shop.medusa, region.id, customerToken);
  shop.logger.log("info", "cart created", { step: "create_cart", cart_id: cart.id, outcome: "ok" });
  shop.cartMadeNow = cart.id;
  return { cart, setCookie: await setCartIdCookie(shop.config, cart.id) };
}

/**
 * The shopper's cart id for a loader: the cart this request just made, else the signed
 * cookie's (`readCartId`).
 */
export async function shopperCartId(shop: ShopContext, request: Request): Promise<string | null> {
  return shop.cartMadeNow ?? (await readCartId(shop.config, request));
}

/** The shopper's cart if they have an open one; never creates one. */
export async function existingCartFor(shop: ShopContext, cartId: string | null): Promise<Cart | null> {
  if (!cartId) return null;
  const cart = await retrieveCart(shop.medusa, cartId);
  return cart && !cart.completed_at ? cart : null;
}
