// Reads state straight from Medusa's Store API (not through the storefront), so tests
// compare what the shopper saw with what Medusa holds.
import { inject } from "vitest";

export type MedusaCart = {
  id: string;
  currency_code: string;
  total: number;
  subtotal: number;
  item_subtotal: number;
  tax_total: number;
  completed_at: string | null;
  items: { id: string; variant_id: string; quantity: number; unit_price: number; total: number; product_title: string }[];
};

export async function medusaGet<T>(path: string): Promise<T> {
  const { medusaUrl, publishableKey } = inject("stack");
  const response = await fetch(`${medusaUrl}${path}`, { headers: { "x-publishable-api-key": publishableKey } });
  if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** The id of the shipping option Medusa offers this cart whose name starts with `name`. */
export async function shippingOptionId(cartId: string, name = "Standard"): Promise<string> {
  const { shipping_options } = await medusaGet<{ shipping_options: { id: string; name: string }[] }>(`/store/shipping-options?cart_id=${cartId}`);
  const option = shipping_options.find((candidate) => candidate.name.startsWith(name));
  if (!option) throw new Error(`no shipping option "${name}" for ${cartId}`);
  return option.id;
}

export async function readCart(cartId: string): Promise<MedusaCart> {
  return (await medusaGet<{ cart: MedusaCart }>(`/store/carts/${cartId}`)).cart;
}

export { cartIdFromCookie } from "../../dev/bench-shopper.ts";
