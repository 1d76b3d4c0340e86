import type { AppLoadContext } from "react-router";
import { addLineItem, removeLineItem, setShippingAddress, setShippingMethod, updateLineItem, type CartResult } from "./medusa/cart.server";
import { orMedusaError, type MedusaClient, type PlainMedusaFailure } from "./medusa/client.server";
import type { AddressDraft } from "./medusa/schemas";

/**
 * Every change a shopper makes to a cart (add, change quantity, remove, the checkout's
 * shipping address and method) runs in the cart's Durable Object, one at a time with
 * prepare-for-payment and the payment's settlement (docs/decisions/0007). There, a change
 * that would alter what the shopper pays first settles the cart's payment in flight
 * (checkout/payment/in-flight.server.ts): refused while money is held, else the unpaid
 * PaymentIntent is canceled and the answer says so (`notice`).
 */
export type CartWrite =
  | { kind: "add_line"; variant_id: string; quantity: number }
  | { kind: "set_quantity"; line_id: string; quantity: number }
  | { kind: "remove_line"; line_id: string }
  | { kind: "set_shipping_address"; address: Partial<AddressDraft> }
  | { kind: "set_shipping_method"; option_id: string };

export type CartWriteResult = CartResult & { notice?: string };

/** What the Durable Object answers (client.server.ts, PlainMedusaFailure). */
export type CartWriteAnswer = CartWriteResult | PlainMedusaFailure;

export function performCartWrite(medusa: MedusaClient, cartId: string, write: CartWrite): Promise<CartResult> {
  switch (write.kind) {
    case "add_line":
      return addLineItem(medusa, cartId, write.variant_id, write.quantity);
    case "set_quantity":
      return updateLineItem(medusa, cartId, write.line_id, write.quantity);
    case "remove_line":
      return removeLineItem(medusa, cartId, write.line_id);
    case "set_shipping_address":
      return setShippingAddress(medusa, cartId, write.address);
    case "set_shipping_method":
      return setShippingMethod(medusa, cartId, write.option_id);
  }
}

/**
 * For a route: the write, through the cart's Durable Object. Medusa being down or slow
 * throws a MedusaError, as a direct call would (the routes answer it with their 503).
 */
export async function writeCart({ shop, cloudflare }: AppLoadContext, cartId: string, write: CartWrite): Promise<CartWriteResult> {
  const answer = await cloudflare.env.CART_COORDINATOR.getByName(cartId).writeCart({ cartId, write, traceId: shop.traceId, route: shop.logger.route });
  return orMedusaError(answer);
}
