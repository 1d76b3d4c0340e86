// Straight to Medusa's Store API, not through this storefront: another shopper buying with
// Medusa's system provider (the competition for the last units), and any other client that
// knows a cart's id writing to it.
import { inject } from "vitest";
import { TEXAS_ADDRESS } from "../../dev/addresses.ts";

/** One Store API request with the shop's publishable key; throws on an error answer. */
export async function store<T>(path: string, body?: unknown): Promise<T> {
  const { medusaUrl, publishableKey } = inject("stack");
  const response = await fetch(`${medusaUrl}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "x-publishable-api-key": publishableKey, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`Medusa ${path}: HTTP ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

/** Buys `quantity` of the variant in one order of its own; resolves with the order id. */
export async function buyElsewhere(variantId: string, quantity: number): Promise<string> {
  const { cart } = await store<{ cart: { id: string } }>("/store/carts", { region_id: inject("stack").regionId, email: "other-shopper@example.com" });
  await store(`/store/carts/${cart.id}/line-items`, { variant_id: variantId, quantity });
  await store(`/store/carts/${cart.id}`, { shipping_address: TEXAS_ADDRESS });
  const { shipping_options } = await store<{ shipping_options: { id: string }[] }>(`/store/shipping-options?cart_id=${cart.id}`);
  await store(`/store/carts/${cart.id}/shipping-methods`, { option_id: shipping_options[0]!.id });
  const { payment_collection } = await store<{ payment_collection: { id: string } }>("/store/payment-collections", { cart_id: cart.id });
  await store(`/store/payment-collections/${payment_collection.id}/payment-sessions`, { provider_id: "pp_system_default" });
  const completed = await store<{ type: string; order?: { id: string } }>(`/store/carts/${cart.id}/complete`, {});
  if (completed.type !== "order" || !completed.order) throw new Error(`the other shopper's cart was not completed: ${JSON.stringify(completed)}`);
  return completed.order.id;
}
