import { createCookie, type Cookie } from "react-router";
import type { AppConfig } from "./config.server";

/**
 * The shopper's cart id, in a signed, HttpOnly, SameSite=Lax cookie: the signature is what
 * makes a cart "this session's" (ownership checks compare against it).
 */
const cookies = new Map<string, Cookie>();

function cartCookie(config: AppConfig): Cookie {
  const key = `${config.ENVIRONMENT}|${config.SESSION_SECRET}`;
  let cookie = cookies.get(key);
  if (!cookie) {
    cookie = createCookie("cart", {
      secrets: [config.SESSION_SECRET],
      httpOnly: true,
      sameSite: "lax",
      secure: config.ENVIRONMENT === "production",
      path: "/",
      maxAge: 60 * 60 * 24 * 30,
    });
    cookies.set(key, cookie);
  }
  return cookie;
}

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
