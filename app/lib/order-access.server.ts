import type { AppConfig } from "./config.server";
import { signedCookie } from "./signed-cookie.server";

/**
 * Which orders this browser placed: a signed, HttpOnly cookie with the latest order ids.
 * The confirmation page opens only for these, so an order id alone (guessed, or read off a
 * shared screenshot) shows nothing.
 */
const MAX_ORDERS = 10;
const ordersCookie = (config: AppConfig) => signedCookie("orders", config, 60 * 60 * 24 * 90);

const ORDER_ID = /^order_[A-Za-z0-9]{10,64}$/;

export async function readOrderIds(config: AppConfig, request: Request): Promise<string[]> {
  const value: unknown = await ordersCookie(config).parse(request.headers.get("cookie"));
  return Array.isArray(value) ? value.filter((id): id is string => typeof id === "string" && ORDER_ID.test(id)) : [];
}

export async function grantOrderAccess(config: AppConfig, request: Request, orderId: string): Promise<string> {
  const current = (await readOrderIds(config, request)).filter((id) => id !== orderId);
  return ordersCookie(config).serialize([orderId, ...current].slice(0, MAX_ORDERS));
}
