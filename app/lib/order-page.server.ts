import type { AppLoadContext } from "react-router";
import { attemptIdForOrder, readAttempt } from "./checkout/attempts.server";
import type { ShopContext } from "./context.server";
import { retrieveOrder, retrieveShipments } from "./medusa/order.server";
import { orderStatusView } from "./order-status";

/**
 * What an order page shows (the confirmation page, the account's order page): the order
 * as Medusa knows it at this load (never cached), its parcels, and the dates its checkout
 * attempt recorded. Null when Medusa doesn't know the order. Access is the caller's check:
 * Medusa's `GET /store/orders/:id` has none.
 */
export async function orderPageData({ shop, cloudflare }: AppLoadContext, orderId: string) {
  const order = await retrieveOrder(shop.medusa, orderId);
  if (!order) return null;
  const [news, shipments] = await Promise.all([paymentNewsOf(cloudflare.env, order.id), shipmentsOf(shop, order.id)]);
  return { order, status: orderStatusView(order, news, shipments) };
}

/** The order's parcels and tracking; none when Medusa can't say (the status line still can). */
async function shipmentsOf(shop: ShopContext, orderId: string) {
  try {
    return (await retrieveShipments(shop.medusa, orderId)) ?? [];
  } catch (error) {
    shop.logger.log("warn", "order shipments unavailable", { step: "order_page", order_id: orderId, detail: (error as Error).message });
    return [];
  }
}

/** What the order's checkout attempt recorded after the order (nothing once KV dropped it). */
async function paymentNewsOf(env: Env, orderId: string) {
  try {
    const attemptId = await attemptIdForOrder(env.CHECKOUT_ATTEMPTS, orderId);
    const attempt = attemptId ? await readAttempt(env.CHECKOUT_ATTEMPTS, attemptId) : null;
    return attempt?.payment_history ?? [];
  } catch {
    return [];
  }
}

