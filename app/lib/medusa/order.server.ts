import { classifyMedusaError, type MedusaClient } from "./client.server";
import { completeCartResponse, orderResponse, type Order } from "./schemas";

/**
 * Completing a cart into an order. Medusa's completion is idempotent and locked per cart:
 * a second call, or two at once, answers with the same order; a concurrent call may get
 * `409 Cart is already being completed by another request` (medusa-facts.md).
 */
export type CompletionResult =
  | { kind: "order"; orderId: string }
  /** Someone else is completing it right now: try again shortly. */
  | { kind: "busy" }
  /** Medusa doesn't know the cart (deleted): retrying won't help. */
  | { kind: "gone" }
  /** Medusa refused (payment not authorized, no stock...): the cart stays open. */
  | { kind: "refused"; message: string };

export async function completeCart(medusa: MedusaClient, cartId: string): Promise<CompletionResult> {
  try {
    const result = await medusa.request(`/store/carts/${encodeURIComponent(cartId)}/complete`, {
      method: "POST",
      schema: completeCartResponse,
    });
    if (result.type === "order") return { kind: "order", orderId: result.order.id };
    return { kind: "refused", message: result.error?.message ?? "Medusa did not complete the cart." };
  } catch (error) {
    const kind = classifyMedusaError(error);
    if (kind === "conflict") return { kind: "busy" };
    if (kind === "not_found") return { kind: "gone" };
    if (kind === "refused" || kind === "out_of_stock" || kind === "cart_completed") return { kind: "refused", message: (error as Error).message };
    throw error;
  }
}

const ORDER_FIELDS = "*items,*shipping_methods,*shipping_address,+payment_status,+metadata";

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
