import type { AppLoadContext } from "react-router";
import { clearCartIdCookie, setCartIdCookie } from "../cart-cookie.server";
import { writeCart } from "../cart-writes.server";
import { classifyMedusaError } from "../medusa/client.server";
import { transferCart } from "../medusa/customer.server";
import type { Cart } from "../medusa/schemas";
import { existingCartFor } from "../shopper-cart.server";
import type { CartNotice } from "./cart-notice";

/**
 * A customer's cart across sign-ins (README, "Customer accounts", decision 0012). Medusa
 * has no Store API route that finds a customer's open cart, so the storefront remembers
 * the last one per customer in KV (`customer-cart:<customer id>`, 30 days).
 *
 * Signing in with a cart in hand keeps that cart and moves it to the customer (Medusa's
 * `POST /store/carts/:id/customer`); the lines of the customer's earlier open cart are
 * added to it, so nothing chosen before is lost. Signing in with no cart brings the
 * earlier cart back. A line that can't move (sold out since) is named in the notice.
 */
const REMEMBER_SECONDS = 60 * 60 * 24 * 30;
const keyOf = (customerId: string) => `customer-cart:${customerId}`;

export async function rememberCart(env: Env, customerId: string, cartId: string): Promise<void> {
  await env.CUSTOMER_SESSIONS.put(keyOf(customerId), cartId, { expirationTtl: REMEMBER_SECONDS });
}

export type SignInCart = {
  /** Set when the browser's cart cookie must change (the earlier cart came back, or another account's left). */
  setCookie?: string;
  notice: CartNotice | null;
};

export async function cartOnSignIn(context: AppLoadContext, token: string, customerId: string, browserCartId: string | null): Promise<SignInCart> {
  const { shop, cloudflare } = context;
  const env = cloudflare.env;
  const [browserCart, earlierCart] = await Promise.all([
    existingCartFor(shop, browserCartId),
    env.CUSTOMER_SESSIONS.get(keyOf(customerId)).then((id) => (id && id !== browserCartId ? existingCartFor(shop, id) : null)),
  ]);
  const earlier = earlierCart && earlierCart.customer_id === customerId ? earlierCart : null;

  if (!browserCart || !(await moved(context, token, browserCart))) {
    // A cart Medusa wouldn't move is another account's: this customer doesn't continue with it.
    if (!earlier) return { notice: null, setCookie: browserCart ? await clearCartIdCookie(shop.config) : undefined };
    return { notice: earlier.items.length ? "restored" : null, setCookie: await setCartIdCookie(shop.config, earlier.id) };
  }
  await rememberCart(env, customerId, browserCart.id);
  if (!earlier || earlier.items.length === 0) return { notice: null };

  let left = 0;
  for (const line of earlier.items) {
    const result = line.variant_id ? await writeCart(context, browserCart.id, { kind: "add_line", variant_id: line.variant_id, quantity: line.quantity }) : null;
    if (!result || result.problem) left += 1;
  }
  shop.logger.log("info", "earlier cart merged", { step: "cart_merge", cart_id: browserCart.id, outcome: left ? "error" : "ok", merged_lines: earlier.items.length - left, left_lines: left });
  return { notice: left ? "partly_merged" : "merged" };
}

/**
 * Moves the browser's cart to the customer. A cart Medusa won't move (it belongs to
 * another account) stays where it is, and the customer continues with their own.
 */
async function moved(context: AppLoadContext, token: string, cart: Cart): Promise<boolean> {
  try {
    await transferCart(context.shop.medusa, token, cart.id);
    return true;
  } catch (error) {
    const kind = classifyMedusaError(error);
    if (kind === "refused" || kind === "not_found") {
      context.shop.logger.log("warn", "cart not moved to customer", { step: "cart_transfer", cart_id: cart.id, outcome: "error", error: (error as Error).message });
      return false;
    }
    throw error;
  }
}
