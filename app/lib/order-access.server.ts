import { createCookie, type Cookie } from "react-router";
import type { AppConfig } from "./config.server";

/**
 * Which orders this browser placed: a signed, HttpOnly cookie with the latest order ids.
 * The confirmation page opens only for these, so an order id alone (guessed, or read off a
 * shared screenshot) shows nothing.
 */
const MAX_ORDERS = 10;
const cookies = new Map<string, Cookie>();

function ordersCookie(config: AppConfig): Cookie {
  const key = `${config.ENVIRONMENT}|${config.SESSION_SECRET}`;
  let cookie = cookies.get(key);
  if (!cookie) {
    cookie = createCookie("orders", {
      secrets: [config.SESSION_SECRET],
      httpOnly: true,
      sameSite: "lax",
      secure: config.ENVIRONMENT === "production",
      path: "/",
      maxAge: 60 * 60 * 24 * 90,
    });
    cookies.set(key, cookie);
  }
  return cookie;
}

const ORDER_ID = /^order_[A-Za-z0-9]{10,64}$/;

export async function readOrderIds(config: AppConfig, request: Request): Promise<string[]> {
  const value: unknown = await ordersCookie(config).parse(request.headers.get("cookie"));
  return Array.isArray(value) ? value.filter((id): id is string => typeof id === "string" && ORDER_ID.test(id)) : [];
}

export async function grantOrderAccess(config: AppConfig, request: Request, orderId: string): Promise<string> {
  const current = (await readOrderIds(config, request)).filter((id) => id !== orderId);
  return ordersCookie(config).serialize([orderId, ...current].slice(0, MAX_ORDERS));
}
