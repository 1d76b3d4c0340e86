import { z } from "zod";
import type { ShopContext } from "../context.server";
import type { MedusaClient } from "./client.server";
import { cachedJson } from "./edge-cache.server";
import { shortLines, type ShortLine } from "../stock";
import { product, productList, regionList, variant, type Product, type Region, type Variant } from "./schemas";

/** Catalog reads: products and the shop's region, cached at the edge (short TTL + SWR). */
const PRODUCT_FIELDS = [
  "id",
  "title",
  "handle",
  "subtitle",
  "description",
  "thumbnail",
  "*images",
  "*options",
  "*options.values",
  "*variants",
  "*variants.options",
  "*variants.options.option",
  "*variants.calculated_price",
  "+variants.inventory_quantity",
  "+variants.manage_inventory",
  "+variants.allow_backorder",
].join(",");

function cacheOptions(shop: ShopContext) {
  return {
    ttlSeconds: shop.config.CATALOG_CACHE_TTL_SECONDS,
    swrSeconds: shop.config.CATALOG_CACHE_SWR_SECONDS,
    waitUntil: shop.waitUntil,
    logger: shop.logger,
  };
}

/** The region the shop sells in: the first one Medusa lists (this storefront serves one). */
export async function getRegion(shop: ShopContext): Promise<Region> {
  const regions = await cachedJson(`${shop.cacheNamespace}:regions`, cacheOptions(shop), async () =>
    (await shop.medusa.request("/store/regions", { schema: regionList })).regions,
  );
  const first = regions[0];
  if (!first) throw new Error("Medusa has no region: seed one (npm run dev seeds the demo shop).");
  return first;
}

export async function listProducts(shop: ShopContext, region: Region): Promise<Product[]> {
  return cachedJson(`${shop.cacheNamespace}:products:${region.id}`, cacheOptions(shop), async () =>
    (
      await shop.medusa.request("/store/products", {
        query: { region_id: region.id, fields: PRODUCT_FIELDS, limit: 100, order: "created_at" },
        schema: productList,
      })
    ).products,
  );
}

export async function getProductByHandle(shop: ShopContext, region: Region, handle: string): Promise<Product | null> {
  return cachedJson(`${shop.cacheNamespace}:product:${region.id}:${handle}`, cacheOptions(shop), async () => {
    const { products } = await shop.medusa.request("/store/products", {
      query: { region_id: region.id, handle, fields: PRODUCT_FIELDS, limit: 1 },
      schema: z.object({ products: z.array(product) }),
    });
    return products[0] ?? null;
  });
}


const stockList = z.object({ products: z.array(z.object({ id: z.string(), variants: z.array(variant).nullish().transform((value) => value ?? []) })) });

/**
 * The variants of these products with their stock as Medusa counts it now. Never cached:
 * it decides whether a shopper is charged, or told why not.
 */
export async function currentStock(medusa: MedusaClient, productIds: string[]): Promise<Variant[]> {
  if (productIds.length === 0) return [];
  const { products } = await medusa.request("/store/products", {
    query: { "id[]": productIds, fields: "id,*variants,+variants.inventory_quantity,+variants.manage_inventory,+variants.allow_backorder", limit: productIds.length },
    schema: stockList,
  });
  return products.flatMap((found) => found.variants);
}

/** Lines as carts and attempts hold them: what `linesShortOfStock` needs to know. */
export type StockedLine = { title: string | null; variant_title?: string | null; variant_id: string | null; product_id?: string | null; quantity: number };

/** The lines Medusa can't supply now, named "Product (Variant)", from one fresh stock read. */
export async function linesShortOfStock(medusa: MedusaClient, lines: StockedLine[]): Promise<ShortLine[]> {
  const productIds = [...new Set(lines.map((line) => line.product_id).filter((id): id is string => !!id))];
  const named = lines.map((line) => ({ ...line, title: line.variant_title ? `${line.title ?? "Item"} (${line.variant_title})` : line.title }));
  return shortLines(named, await currentStock(medusa, productIds));
}

/** The countries the shop ships to (its region's), as the address forms list them. */
export function regionCountries(region: Region): { code: string; name: string }[] {
  return region.countries.map((country) => ({ code: country.iso_2.toLowerCase(), name: country.display_name ?? country.name ?? country.iso_2.toUpperCase() }));
}
