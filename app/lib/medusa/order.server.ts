import { classifyMedusaError, type MedusaClient } from "./client.server";
import { completeCartResponse, orderResponse, shipmentsResponse, type Order, type Shipment } from "./schemas";

/**
 * Completing a cart into an order. Medusa's completion is idempotent and locked per cart:
 * a second call, or two at once, answers with the same order; a concurrent call may get
 * `409 Cart is already being completed by another request` (medusa-facts.md).
 *
 * A refusal is read as `transient` (trying again later can succeed) or `permanent` (the
 * cart can no longer become this order). The table, from Medusa 2.21's answers (README,
 * "When Medusa refuses a paid cart"):
 *
 * | Medusa's answer                                                   | reading                 |
 * |-------------------------------------------------------------------|-------------------------|
 * | no answer, timeout, 5xx                                           | transient (thrown)      |
 * | 409 "Cart is already being completed by another request"          | transient               |
 * | 200 `type: "cart"`, payment authorization / requires more         | transient               |
 * | 400 "Session … was not authorized with the provider"              | transient               |
 * | 400 "Not enough stock available …", code `insufficient_inventory` | permanent: out_of_stock |
 * | 404 (the cart is gone)                                            | permanent: cart_gone    |
 * | 400 no items, no or invalid shipping method, no payment session,  | permanent: cart_changed |
 * |   items or variants without a price or no longer sold             |                         |
 * | any other 4xx                                                     | unknown                 |
 *
 * Each row but the 5xx ones and "invalid shipping option / no price" is provoked against the
 * real Medusa in tests/stack/completion-answers.test.ts. An `unknown` refusal is treated as
 * transient for a bounded time by the caller, then as permanent (apply-payment.server.ts).
 */
export type CompletionRefusal = "out_of_stock" | "cart_gone" | "cart_changed";

export type CompletionResult =
  | { kind: "order"; orderId: string }
  | { kind: "transient"; message: string }
  | { kind: "permanent"; reason: CompletionRefusal; message: string }
  | { kind: "unknown"; message: string };

const TRANSIENT_MESSAGES = [/was not authorized with the provider/i, /being completed by another request/i];
const CART_CHANGED_MESSAGES = [
  /no items/i,
  /shipping (method|option|profile)/i,
  /payment session/i,
  /payment collection/i,
  /do not have a price/i,
  /do not exist/i,
  /not within region/i,
];

export async function completeCart(medusa: MedusaClient, cartId: string): Promise<CompletionResult> {
  try {
    const result = await medusa.request(`/store/carts/${encodeURIComponent(cartId)}/complete`, {
      method: "POST",
      schema: completeCartResponse,
    });
    if (result.type === "order") return { kind: "order", orderId: result.order.id };
    // Medusa answers 200 with the cart for payment authorization errors only.
    return { kind: "transient", message: result.error?.message ?? "Medusa did not complete the cart." };
  } catch (error) {
    const kind = classifyMedusaError(error);
    if (kind === null || kind === "timeout" || kind === "unavailable") throw error;
    const message = (error as Error).message;
    if (kind === "conflict" || TRANSIENT_MESSAGES.some((pattern) => pattern.test(message))) return { kind: "transient", message };
    if (kind === "out_of_stock" || /not enough stock/i.test(message)) return { kind: "permanent", reason: "out_of_stock", message };
    if (kind === "not_found") return { kind: "permanent", reason: "cart_gone", message };
    if (CART_CHANGED_MESSAGES.some((pattern) => pattern.test(message))) return { kind: "permanent", reason: "cart_changed", message };
    return { kind: "unknown", message };
  }
}

// Medusa 2.21's store order route ignores `+metadata`; payment_collections (amounts only) come by default.
// `+customer_id`: the account's order page checks the order is the customer's (Medusa's route doesn't).
const ORDER_FIELDS = "*items,*shipping_methods,*shipping_address,+payment_status,+customer_id";

export async function retrieveOrder(medusa: MedusaClient, orderId: string): Promise<Order | null> {
  try {
    const { order } = await medusa.request(`/store/orders/${encodeURIComponent(orderId)}`, {
      query: { fields: ORDER_FIELDS },
      schema: orderResponse,
    });
    return order;
  } catch (error) {
    if (classifyMedusaError(error) === "not_found") return null;
    throw error;
  }
}

/**
 * The order's fulfillments with their tracking labels, or null when this Medusa lacks the
 * shipments route (the page then shows the fulfillment status without tracking).
 */
export async function retrieveShipments(medusa: MedusaClient, orderId: string): Promise<Shipment[] | null> {
  try {
    const { shipments } = await medusa.request(`/store/orders/${encodeURIComponent(orderId)}/shipments`, { schema: shipmentsResponse });
    return shipments;
  } catch (error) {
    if (classifyMedusaError(error) === "not_found") return null;
    throw error;
  }
}
