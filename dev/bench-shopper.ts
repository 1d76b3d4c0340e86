// A shopper for `npm run bench`: speaks HTTP to a storefront with its own cookie jar, fills
// a new cart through the product page's action (as a browser without JavaScript would),
// and submits prepare-for-payment with a trace id of its choosing.
import { randomBytes } from "node:crypto";

export type Shop = { storefrontUrl: string; medusaUrl: string; publishableKey: string };

export const BENCH_ADDRESS = {
  first_name: "Ada",
  last_name: "Lovelace",
  address_1: "1100 Congress Ave",
  city: "Austin",
  postal_code: "78701",
  province: "us-tx",
  country_code: "us",
};

async function medusaGet<T>(shop: Shop, path: string): Promise<T> {
  const response = await fetch(`${shop.medusaUrl}${path}`, { headers: { "x-publishable-api-key": shop.publishableKey } });
  if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

export async function variantId(shop: Shop, handle: string, title: string): Promise<string> {
  const { products } = await medusaGet<{ products: { variants: { id: string; title: string }[] }[] }>(shop, `/store/products?handle=${handle}&fields=id,*variants`);
  const variant = products[0]?.variants.find((candidate) => candidate.title === title);
  if (!variant) throw new Error(`no variant "${title}" of ${handle}`);
  return variant.id;
}

export async function shippingOptionId(shop: Shop, cartId: string, name: string): Promise<string> {
  const { shipping_options } = await medusaGet<{ shipping_options: { id: string; name: string }[] }>(shop, `/store/shipping-options?cart_id=${cartId}`);
  const option = shipping_options.find((candidate) => candidate.name.startsWith(name));
  if (!option) throw new Error(`no shipping option "${name}"`);
  return option.id;
}

/** A W3C traceparent whose trace id the storefront adopts and sends to Medusa as x-request-id. */
export function newTrace(): { traceId: string; traceparent: string } {
  const traceId = randomBytes(16).toString("hex");
  return { traceId, traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-01` };
}

/** The cart id inside React Router's signed cookie value ("<base64 JSON>.<signature>"). */
export function cartIdFromCookie(value: string): string {
  const encoded = decodeURIComponent(value).split(".")[0] ?? "";
  const id: unknown = JSON.parse(Buffer.from(encoded, "base64").toString("utf8"));
  if (typeof id !== "string") throw new Error(`the cart cookie holds no cart id: ${value}`);
  return id;
}

let shoppers = 0;

export class BenchShopper {
  private cookie = "";
  private readonly shop: Shop;
  /** Each shopper is its own client to the rate limits (CF-Connecting-IP, kept by the local runtime). */
  private readonly clientIp: string;
  constructor(shop: Shop) {
    this.shop = shop;
    shoppers += 1;
    this.clientIp = `10.30.${Math.floor(shoppers / 250) % 250}.${(shoppers % 250) + 1}`;
  }

  get cartId(): string {
    return cartIdFromCookie(this.cookie.slice("cart=".length));
  }

  async addToCart(handle: string, variant: string, quantity = 1): Promise<void> {
    const base = this.shop.storefrontUrl;
    const response = await fetch(`${base}/products/${handle}`, {
      method: "POST",
      headers: { origin: base, cookie: this.cookie, "cf-connecting-ip": this.clientIp, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ intent: "add", variant_id: variant, quantity: String(quantity) }),
      redirect: "manual",
    });
    await response.arrayBuffer();
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(";")[0]!;
      if (pair.startsWith("cart=")) this.cookie = pair;
    }
    if (response.status !== 200 || !this.cookie) throw new Error(`add to cart answered ${response.status}`);
  }

  /** POST prepare-for-payment; resolves with the status and the wall time the shopper waited. */
  async prepare(body: unknown, traceparent: string): Promise<{ status: number; ms: number; body: unknown }> {
    const base = this.shop.storefrontUrl;
    const started = performance.now();
    const response = await fetch(`${base}/api/carts/${this.cartId}/prepare-for-payment`, {
      method: "POST",
      headers: { origin: base, cookie: this.cookie, "cf-connecting-ip": this.clientIp, "content-type": "application/json", traceparent },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    const ms = performance.now() - started;
    return { status: response.status, ms, body: JSON.parse(text) as unknown };
  }
}
