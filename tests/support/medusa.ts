// Reads state straight from Medusa's Store API (not through the storefront), so tests
// compare what the shopper saw with what Medusa holds.
import { inject } from "vitest";
import { medusaGet as medusaGetAt, shippingOptionId as shippingOptionIdAt, type Shop } from "../../dev/shopper.ts";

export { cartIdFromCookie } from "../../dev/shopper.ts";

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

/** The test stack as a shop: the storefront at `storefrontUrl`, Medusa looked up directly. */
export function shopAt(storefrontUrl: string): Shop {
  const { medusaUrl, publishableKey } = inject("stack");
  return { storefrontUrl, medusaUrl, publishableKey };
}

export function medusaGet<T>(path: string): Promise<T> {
  return medusaGetAt<T>(shopAt(""), path);
}

/** The id of the shipping option Medusa offers this cart whose name starts with `name`. */
export function shippingOptionId(cartId: string, name = "Standard"): Promise<string> {
  return shippingOptionIdAt(shopAt(""), cartId, name);
}

export async function readCart(cartId: string): Promise<MedusaCart> {
  return (await medusaGet<{ cart: MedusaCart }>(`/store/carts/${cartId}`)).cart;
}
