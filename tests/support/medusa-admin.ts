// Medusa's Admin API as the merchant uses it, with the local stack's admin user (created by
// the seed, dev/medusa/src/scripts/seed.ts): change stock or a price while a shopper pays,
// and put it back afterwards.
import { afterAll, beforeAll, inject } from "vitest";

const ADMIN = {
  email: process.env.MEDUSA_DEV_ADMIN_EMAIL ?? "admin@harbor-and-pine.local",
  password: process.env.MEDUSA_DEV_ADMIN_PASSWORD ?? "local-stack-only",
};

let token: Promise<string> | null = null;

async function login(): Promise<string> {
  const response = await fetch(`${inject("stack").medusaUrl}/auth/user/emailpass`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(ADMIN),
  });
  const body = (await response.json()) as { token?: string };
  if (!response.ok || !body.token) throw new Error(`Medusa admin login failed: HTTP ${response.status} ${JSON.stringify(body)}`);
  return body.token;
}

export async function adminRequest<T>(path: string, body?: unknown): Promise<T> {
  token ??= login();
  const response = await fetch(`${inject("stack").medusaUrl}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${await token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`Medusa admin ${path}: HTTP ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

type Level = { location_id: string; stocked_quantity: number; reserved_quantity: number };

async function levelOf(sku: string): Promise<{ itemId: string; level: Level }> {
  const { inventory_items } = await adminRequest<{ inventory_items: { id: string; location_levels?: Level[] }[] }>(
    `/admin/inventory-items?sku=${encodeURIComponent(sku)}&fields=id,*location_levels`,
  );
  const item = inventory_items[0];
  const level = item?.location_levels?.[0];
  if (!item || !level) throw new Error(`no inventory level for SKU ${sku}`);
  return { itemId: item.id, level };
}

/** What a shopper can still buy of this SKU (stocked minus reserved by orders). */
export async function availableStock(sku: string): Promise<number> {
  const { level } = await levelOf(sku);
  return level.stocked_quantity - level.reserved_quantity;
}

/** Makes exactly `available` units of this SKU buyable, whatever orders have reserved. */
export async function setAvailableStock(sku: string, available: number): Promise<void> {
  const { itemId, level } = await levelOf(sku);
  await adminRequest(`/admin/inventory-items/${itemId}/location-levels/${level.location_id}`, { stocked_quantity: level.reserved_quantity + available });
}

/** For the tests of the calling block: notes this SKU's buyable stock before them and puts it back after. */
export function restoresStock(sku: string): void {
  let before: number | undefined;
  beforeAll(async () => {
    before = await availableStock(sku);
  });
  afterAll(async () => {
    if (before !== undefined) await setAvailableStock(sku, before);
  });
}

type VariantPrices = { id: string; title: string; prices: { id: string; amount: number; currency_code: string }[] };

async function variantOf(handle: string, variantTitle: string): Promise<{ productId: string; variant: VariantPrices }> {
  const { products } = await adminRequest<{ products: { id: string; variants: VariantPrices[] }[] }>(
    `/admin/products?handle=${encodeURIComponent(handle)}&fields=id,variants.id,variants.title,*variants.prices`,
  );
  const product = products[0];
  const variant = product?.variants.find((candidate) => candidate.title === variantTitle);
  if (!product || !variant) throw new Error(`no variant ${variantTitle} of ${handle}`);
  return { productId: product.id, variant };
}

/** The variant's USD price, in Medusa's major units. */
export async function variantPrice(handle: string, variantTitle: string): Promise<number> {
  const { variant } = await variantOf(handle, variantTitle);
  const usd = variant.prices.find((price) => price.currency_code === "usd");
  if (!usd) throw new Error(`${handle} ${variantTitle} has no USD price`);
  return usd.amount;
}

/** The merchant changes the variant's USD price (major units), as in Medusa's admin. */
export async function setVariantPrice(handle: string, variantTitle: string, amount: number): Promise<void> {
  const { productId, variant } = await variantOf(handle, variantTitle);
  const prices = variant.prices.map((price) => (price.currency_code === "usd" ? { id: price.id, amount, currency_code: "usd" } : { id: price.id, amount: price.amount, currency_code: price.currency_code }));
  await adminRequest(`/admin/products/${productId}/variants/${variant.id}`, { prices });
}

/** For the tests of the calling block: notes the variant's price before them and puts it back after. */
export function restoresPrice(handle: string, variantTitle: string): void {
  let before: number | undefined;
  beforeAll(async () => {
    before = await variantPrice(handle, variantTitle);
  });
  afterAll(async () => {
    if (before !== undefined) await setVariantPrice(handle, variantTitle, before);
  });
}
