// The seeded Medusa backend, checked through the Store API as the storefront sees it, on
// the stack the global setup started (tests/setup/stack.ts). The seed re-run test runs the
// seed against the same database (DATABASE_URL or the local PostgreSQL, MEDUSA_DB_NAME).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, inject, test } from "vitest";
import { ensurePostgres } from "../../dev/postgres.ts";
import { seedMedusa } from "../../dev/medusa.ts";
import { SIMULATOR_KEYS } from "../../dev/stack.ts";
import { toMinorUnits } from "../../app/lib/money.ts";

const PUBLIC_DIR = fileURLToPath(new URL("../../public/", import.meta.url));
const log = (line: string) => console.log(`[medusa-seed.test] ${line}`);

const { medusaUrl, publishableKey, stripeSimUrl } = inject("stack");
let regionId: string;
let databaseUrl: string;

beforeAll(async () => {
  databaseUrl = (await ensurePostgres(log)).databaseUrl;
  const { regions } = await store<{ regions: { id: string }[] }>("/store/regions");
  regionId = only(regions).id;
}, 60_000);

type Variant = {
  id: string;
  sku: string | null;
  inventory_quantity?: number;
  manage_inventory: boolean;
  calculated_price?: { calculated_amount: number; currency_code: string } | null;
};
type Product = {
  id: string;
  handle: string;
  title: string;
  description: string | null;
  thumbnail: string | null;
  images: { url: string }[];
  variants: Variant[];
};
type Cart = {
  id: string;
  subtotal: number;
  tax_total: number;
  total: number;
  items: { tax_lines: { rate: number; code: string | null }[] }[];
};

describe("seeded Medusa store", () => {
  test("one US region in USD offers the Stripe and system payment providers", async () => {
    const { regions } = await store<{
      regions: { id: string; currency_code: string; countries: { iso_2: string }[] }[];
    }>("/store/regions");
    const region = only(regions);
    expect(region.currency_code).toBe("usd");
    expect(region.countries.map((c) => c.iso_2)).toEqual(["us"]);

    const { payment_providers } = await store<{ payment_providers: { id: string }[] }>(
      `/store/payment-providers?region_id=${regionId}`,
    );
    expect(payment_providers.map((p) => p.id).sort()).toEqual(["pp_stripe_stripe", "pp_system_default"]);
  });

  test("at least six products with 2-4 priced variants and locally served images", async () => {
    const products = await listProducts();
    expect(products.length).toBeGreaterThanOrEqual(6);
    for (const product of products) {
      expect(product.description, product.handle).toBeTruthy();
      expect(product.variants.length, product.handle).toBeGreaterThanOrEqual(2);
      expect(product.variants.length, product.handle).toBeLessThanOrEqual(4);
      for (const variant of product.variants) {
        expect(variant.calculated_price?.currency_code).toBe("usd");
        expect(variant.calculated_price?.calculated_amount).toBeGreaterThan(0);
      }
      const image = `/images/products/${product.handle}.svg`;
      expect(product.thumbnail).toBe(image);
      expect(product.images.map((i) => i.url)).toEqual([image]);
      expect(existsSync(`${PUBLIC_DIR}${image.slice(1)}`), image).toBe(true);
    }
    const amounts = products.flatMap((p) => p.variants.map((v) => v.calculated_price!.calculated_amount));
    expect(amounts.some((a) => !Number.isInteger(a)), "some prices have cents").toBe(true);
  });

  test("exactly one variant is nearly sold out, the others are well stocked", async () => {
    const variants = (await listProducts()).flatMap((p) => p.variants);
    // Seeded with 2; other tests may buy it, so only "at most 3" is a promise.
    const low = only(variants.filter((v) => (v.inventory_quantity ?? 0) <= 3));
    expect(low.manage_inventory).toBe(true);
  });

  test("a Texas address gets the Texas-only courier, a California address does not", async () => {
    const cart = await cartWithItem();
    await setAddress(cart.id, TEXAS);
    const texas = await shippingOptions(cart.id);
    expect(texas.length).toBeGreaterThanOrEqual(3);
    expect(texas).toContain("Texas Courier");
    expect(texas).toEqual(expect.arrayContaining(["Standard Shipping", "Express Shipping"]));

    await setAddress(cart.id, CALIFORNIA);
    const california = await shippingOptions(cart.id);
    expect(california.sort()).toEqual(["Express Shipping", "Standard Shipping"]);
  });

  test("Texas sales tax of 8.25 % is added to the cart total", async () => {
    const cart = await cartWithItem();
    const taxed = await setAddress(cart.id, TEXAS);
    expect(only(taxed.items).tax_lines.map((t) => t.rate)).toEqual([8.25]);
    expect(taxed.tax_total).toBeCloseTo(taxed.subtotal * 0.0825, 6);
    expect(taxed.total).toBeCloseTo(taxed.subtotal + taxed.tax_total, 6);

    const california = await setAddress(cart.id, CALIFORNIA);
    expect(only(california.items).tax_lines.map((t) => t.rate)).toEqual([7.25]);
  });

  test("a pp_stripe_stripe payment session creates a manual-capture PaymentIntent on the simulator", async () => {
    const cart = await cartWithItem();
    await setAddress(cart.id, TEXAS);
    const { payment_collection } = await store<{ payment_collection: { id: string } }>(
      "/store/payment-collections",
      { cart_id: cart.id },
    );
    const { payment_collection: withSession } = await store<{
      payment_collection: {
        amount: number;
        payment_sessions: { id: string; provider_id: string; data: Record<string, unknown> }[];
      };
    }>(`/store/payment-collections/${payment_collection.id}/payment-sessions`, {
      provider_id: "pp_stripe_stripe",
    });
    const session = only(withSession.payment_sessions);
    expect(session.provider_id).toBe("pp_stripe_stripe");
    expect(session.data).toMatchObject({
      object: "payment_intent",
      capture_method: "manual",
      currency: "usd",
      // The storefront's conversion must agree with what Medusa's provider sent to Stripe.
      amount: toMinorUnits(withSession.amount, "usd"),
      metadata: { session_id: session.id },
    });
    expect(String(session.data.id)).toMatch(/^pi_/);

    const res = await fetch(`${stripeSimUrl}/v1/payment_intents/${String(session.data.id)}`, {
      headers: { authorization: `Bearer ${SIMULATOR_KEYS.secretKey}` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: session.data.id, amount: session.data.amount });
  });

  test("running the seed again changes nothing and reports the same key", async () => {
    const before = await listProducts();
    const again = await seedMedusa({ databaseUrl, log });
    expect(again.publishableKey).toBe(publishableKey);
    expect(again.regionId).toBe(regionId);
    const after = await listProducts();
    expect(after.map((p) => p.id).sort()).toEqual(before.map((p) => p.id).sort());
    const { regions } = await store<{ regions: unknown[] }>("/store/regions");
    expect(regions).toHaveLength(1);
  }, 120_000);
});

// ---------------------------------------------------------------------------

const TEXAS = { address_1: "1 Congress Ave", city: "Austin", province: "us-tx", postal_code: "78701" };
const CALIFORNIA = { address_1: "100 Main St", city: "Los Angeles", province: "us-ca", postal_code: "90012" };

async function store<T>(path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${medusaUrl}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: {
      "x-publishable-api-key": publishableKey,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${res.status} ${path}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

async function listProducts(): Promise<Product[]> {
  const fields = "id,handle,title,description,thumbnail,*images,*variants,*variants.calculated_price,+variants.inventory_quantity";
  const { products } = await store<{ products: Product[] }>(
    `/store/products?region_id=${regionId}&limit=100&fields=${encodeURIComponent(fields)}`,
  );
  return products;
}

async function cartWithItem(): Promise<Cart> {
  const products = await listProducts();
  const variant = products.flatMap((p) => p.variants).find((v) => (v.inventory_quantity ?? 0) > 100)!;
  const { cart } = await store<{ cart: Cart }>("/store/carts", { region_id: regionId });
  await store(`/store/carts/${cart.id}/line-items`, { variant_id: variant.id, quantity: 2 });
  return cart;
}

async function setAddress(cartId: string, address: Record<string, string>): Promise<Cart> {
  // The whole address every time: Medusa replaces the address object on update.
  const { cart } = await store<{ cart: Cart }>(`/store/carts/${cartId}`, {
    shipping_address: { first_name: "Ada", last_name: "Buyer", country_code: "us", ...address },
  });
  return cart;
}

async function shippingOptions(cartId: string): Promise<string[]> {
  const { shipping_options } = await store<{ shipping_options: { name: string }[] }>(
    `/store/shipping-options?cart_id=${cartId}`,
  );
  return shipping_options.map((o) => o.name);
}

function only<T>(items: T[]): T {
  expect(items).toHaveLength(1);
  return items[0]!;
}
