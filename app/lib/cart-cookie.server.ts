import type { AppConfig } from "./config.server";
import { signedCookie } from "./signed-cookie.server";

/**
 * The shopper's cart id, in a signed, HttpOnly, SameSite=Lax cookie: the signature is what
 * makes a cart "this session's" (ownership checks compare against it).
 */
const cartCookie = (config: AppConfig) => signedCookie("cart", config, 60 * 60 * 24 * 30);

const CART_ID = /^cart_[A-Za-z0-9]{10,64}$/;

/** The cart id from a validly signed cookie, or null (unsigned, tampered, absent). */
export async function readCartId(config: AppConfig, request: Request): Promise<string | null> {
  const value: unknown = await cartCookie(config).parse(request.headers.get("cookie"));
  return typeof value === "string" && CART_ID.test(value) ? value : null;
}

export function setCartIdCookie(config: AppConfig, cartId: string): Promise<string> {
  return cartCookie(config).serialize(cartId);
}

export function clearCartIdCookie(config: AppConfig): Promise<string> {
  return cartCookie(config).serialize("", { maxAge: 0 });
}
