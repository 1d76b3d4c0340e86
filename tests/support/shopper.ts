// A shopper speaking HTTP to a storefront, with its own cookie jar: adds to cart through the
// product page's action (as a browser without JavaScript would) and calls the checkout API.
import { medusaGet } from "./medusa.ts";
import { cartIdFromCookie } from "./medusa.ts";

export type PrepareResult = { status: number; headers: Headers; body: any };

type ProductVariants = { products: { id: string; variants: { id: string; title: string }[] }[] };

export async function variantId(handle: string, title: string): Promise<string> {
  const { products } = await medusaGet<ProductVariants>(`/store/products?handle=${handle}&fields=id,*variants`);
  const variant = products[0]?.variants.find((candidate) => candidate.title === title);
  if (!variant) throw new Error(`no variant "${title}" of ${handle}`);
  return variant.id;
}

/** The benchmark's Austin address: Texas tax, and the Texas-only shipping option. */
export { BENCH_ADDRESS as TEXAS_ADDRESS } from "../../dev/bench-shopper.ts";

export const CALIFORNIA_ADDRESS = {
  first_name: "Grace",
  last_name: "Hopper",
  address_1: "100 Main St",
  city: "Los Angeles",
  postal_code: "90012",
  province: "us-ca",
  country_code: "us",
};

let clients = 0;
/**
 * A client address of its own for each shopper (as `CF-Connecting-IP`, which the local
 * runtime keeps): rate limits count per client, and each test shopper is one client.
 */
export function newClientIp(): string {
  clients += 1;
  return `10.${process.pid % 250}.${Math.floor(clients / 250) % 250}.${(clients % 250) + 1}`;
}

export type RawAnswer = { status: number; headers: Headers; text: string };

/** A shopper (a client of its own unless `clientIp` is given) whose cart holds one A5 notebook. */
export async function shopperWithNotebook(baseUrl: string, clientIp?: string): Promise<Shopper> {
  const shopper = new Shopper(baseUrl, clientIp);
  await shopper.addToCart("dot-grid-notebook", "A5");
  return shopper;
}

export class Shopper {
  cookie = "";
  constructor(
    readonly baseUrl: string,
    readonly clientIp = newClientIp(),
  ) {}

  /** Headers a same-origin browser request of this shopper carries. */
  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { origin: this.baseUrl, cookie: this.cookie, "cf-connecting-ip": this.clientIp, ...extra };
  }

  /** Any state-changing request as this shopper, answered raw (for policy and fuzz tests). */
  async post(path: string, body: BodyInit | null, headers: Record<string, string>): Promise<RawAnswer> {
    const response = await fetch(`${this.baseUrl}${path}`, { method: "POST", headers, body, redirect: "manual" });
    return { status: response.status, headers: response.headers, text: await response.text() };
  }

  private remember(response: Response) {
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(";")[0]!;
      if (pair.startsWith("cart=")) this.cookie = pair;
    }
  }

  get cartId(): string {
    if (!this.cookie) throw new Error("this shopper has no cart yet");
    return cartIdFromCookie(this.cookie.slice("cart=".length));
  }

  async addToCart(handle: string, variantTitle: string, quantity = 1): Promise<void> {
    const response = await fetch(`${this.baseUrl}/products/${handle}`, {
      method: "POST",
      headers: this.headers({ "content-type": "application/x-www-form-urlencoded" }),
      body: new URLSearchParams({ intent: "add", variant_id: await variantId(handle, variantTitle), quantity: String(quantity) }),
      redirect: "manual",
    });
    this.remember(response);
    if (response.status !== 200) throw new Error(`add to cart answered ${response.status}`);
    await response.text();
  }

  async prepare(
    body: unknown,
    options: { traceparent?: string; origin?: string | null; cartId?: string; idempotencyKey?: string; contentType?: string; rawBody?: string } = {},
  ): Promise<PrepareResult> {
    const headers: Record<string, string> = {
      "content-type": options.contentType ?? "application/json",
      cookie: this.cookie,
      "cf-connecting-ip": this.clientIp,
    };
    if (options.origin !== null) headers.origin = options.origin ?? this.baseUrl;
    if (options.traceparent) headers.traceparent = options.traceparent;
    if (options.idempotencyKey) headers["idempotency-key"] = options.idempotencyKey;
    const response = await fetch(`${this.baseUrl}/api/carts/${options.cartId ?? this.cartId}/prepare-for-payment`, {
      method: "POST",
      headers,
      body: options.rawBody ?? JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
    return { status: response.status, headers: response.headers, body: parsed };
  }
}
