// The one HTTP client of a storefront, for the tests, `npm run bench` and `npm run load`: a
// shopper with its own cookie jar and its own client address (`CF-Connecting-IP`, which the
// local runtime keeps and the rate limits key on), making the requests a browser makes: the
// product page's add-to-cart form (as without JavaScript), prepare-for-payment, the
// confirmation Stripe.js (the simulator's stand-in) sends for a test card, and the return
// page until it sends the shopper to the order. Plain fetch (Node 22 type stripping).
import type { CheckoutError, CheckoutErrorBody, CheckoutSuccessBody } from "../app/lib/checkout/contract.ts";
import { newTrace } from "./fault-proxy-client.ts";
import { SIMULATOR_KEYS } from "./stack.ts";

export { newTrace };
export { CALIFORNIA_ADDRESS, TEXAS_ADDRESS } from "./addresses.ts";

/** Where a shopper shops, and Medusa's Store API to look ids up in (not through the storefront). */
export type Shop = { storefrontUrl: string; medusaUrl: string; publishableKey: string };

/** The success test card, as typed into the simulator's Payment Element. */
const CARD = { number: "4242424242424242", exp_month: "12", exp_year: String(new Date().getFullYear() + 5), cvc: "123" };

/** GET on Medusa's Store API with the publishable key. */
export async function medusaGet<T>(shop: Shop, path: string): Promise<T> {
  const response = await fetch(`${shop.medusaUrl}${path}`, { headers: { "x-publishable-api-key": shop.publishableKey } });
  if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export async function variantId(shop: Shop, handle: string, title: string): Promise<string> {
  const { products } = await medusaGet<{ products: { variants: { id: string; title: string }[] }[] }>(shop, `/store/products?handle=${handle}&fields=id,*variants`);
  const variant = products[0]?.variants.find((candidate) => candidate.title === title);
  if (!variant) throw new Error(`no variant "${title}" of ${handle}`);
  return variant.id;
}

/** The id of the shipping option Medusa offers this cart whose name starts with `name`. */
export async function shippingOptionId(shop: Shop, cartId: string, name = "Standard"): Promise<string> {
  const { shipping_options } = await medusaGet<{ shipping_options: { id: string; name: string }[] }>(shop, `/store/shipping-options?cart_id=${cartId}`);
  const option = shipping_options.find((candidate) => candidate.name.startsWith(name));
  if (!option) throw new Error(`no shipping option "${name}" for ${cartId}`);
  return option.id;
}

/** The cart id inside React Router's signed cookie value ("<base64 JSON>.<signature>"). */
export function cartIdFromCookie(value: string): string {
  const encoded = decodeURIComponent(value).split(".")[0] ?? "";
  const id: unknown = JSON.parse(Buffer.from(encoded, "base64").toString("utf8"));
  if (typeof id !== "string") throw new Error(`the cart cookie holds no cart id: ${value}`);
  return id;
}

let clients = 0;
/** A client address of its own: `10.<network>.x.y`, counting up (each shopper one client to the rate limits). */
export function newClientIp(network = process.pid % 250): string {
  clients += 1;
  return `10.${network}.${Math.floor(clients / 250) % 250}.${(clients % 250) + 1}`;
}

/** The cookies a browser would keep for the storefront's origin (name and value only). */
class CookieJar {
  private readonly cookies = new Map<string, string>();

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = "", ...attributes] = line.split(";").map((part) => part.trim());
      const separator = pair.indexOf("=");
      if (separator <= 0) continue;
      const name = pair.slice(0, separator);
      const value = pair.slice(separator + 1);
      const expired = attributes.some((attribute) => {
        const [key = "", raw = ""] = attribute.split("=");
        if (key.toLowerCase() === "max-age") return Number(raw) <= 0;
        if (key.toLowerCase() === "expires") return Date.parse(raw) <= Date.now();
        return false;
      });
      if (expired || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

/** The keys of `T`, each absent: one member of a union of bodies says it lacks the other's fields. */
type Absent<T> = { [K in keyof T]?: undefined };

/**
 * prepare-for-payment's answer body: the contract's success or its error shape; an answer
 * that is not JSON at all (a crash page) keeps its text as `not_json`.
 */
export type PrepareBody =
  | (CheckoutSuccessBody & Absent<Pick<CheckoutErrorBody, "error">> & { not_json?: undefined })
  | (CheckoutErrorBody & Absent<Omit<CheckoutSuccessBody, "trace_id">> & { not_json?: undefined })
  | (Absent<CheckoutSuccessBody & CheckoutErrorBody> & { not_json: string });

export type PrepareResult = { status: number; headers: Headers; body: PrepareBody; ms: number };

/** An answer taken as it came (for policy and fuzz tests). */
export type RawAnswer = { status: number; headers: Headers; text: string };

/** A refusal on the way from an empty cart to an order: its status (null when there was no answer). */
export class StepFailure extends Error {
  status: number | null;
  constructor(message: string, status: number | null = null) {
    super(message);
    this.status = status;
  }
}

export const REQUEST_TIMEOUT_MS = 60_000;
/** How often the shopper asks the return page again while it says "Finishing your order…". */
const RETURN_POLL_MS = 250;
const ORDER_TIMEOUT_MS = 90_000;

async function errorText(response: Response): Promise<string> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as Partial<Pick<CheckoutErrorBody, "error">>;
    if (body.error) return `HTTP ${response.status} ${body.error.code ?? ""}: ${body.error.message ?? ""}`.trim();
  } catch {}
  return `HTTP ${response.status}${response.status === 429 ? " (rate limited)" : ""}`;
}

export type ShopperOptions = {
  /** Default: a new one (`newClientIp()`). */
  clientIp?: string;
  /** Sent with every request (e.g. a browser's `accept`). */
  headers?: Record<string, string>;
};

export type PrepareOptions = {
  traceparent?: string;
  cartId?: string;
  idempotencyKey?: string;
  /** Another Origin than the storefront's, or null for none. */
  origin?: string | null;
  /** A body sent as given (with `contentType`) instead of `body` as JSON. */
  rawBody?: string;
  contentType?: string;
};

export class Shopper {
  readonly shop: Shop;
  readonly clientIp: string;
  private readonly extraHeaders: Record<string, string>;
  private readonly jar = new CookieJar();

  constructor(shop: Shop, options: ShopperOptions = {}) {
    this.shop = shop;
    this.clientIp = options.clientIp ?? newClientIp();
    this.extraHeaders = options.headers ?? {};
  }

  get baseUrl(): string {
    return this.shop.storefrontUrl;
  }

  /** The Cookie header this shopper's browser sends ("" before the first cookie). */
  get cookie(): string {
    return this.jar.header();
  }

  get cartId(): string {
    const value = this.jar.get("cart");
    if (!value) throw new Error("this shopper has no cart yet");
    return cartIdFromCookie(value);
  }

  get hasCart(): boolean {
    return this.jar.get("cart") !== undefined;
  }

  /** Headers a same-origin browser request of this shopper carries. */
  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { origin: this.baseUrl, cookie: this.cookie, "cf-connecting-ip": this.clientIp, ...extra };
  }

  /** Any state-changing request as this shopper, with exactly these headers, answered raw; keeps no cookies. */
  async post(path: string, body: BodyInit | null, headers: Record<string, string>): Promise<RawAnswer> {
    const response = await fetch(`${this.baseUrl}${path}`, { method: "POST", headers, body, redirect: "manual" });
    return { status: response.status, headers: response.headers, text: await response.text() };
  }

  /** One request to the storefront, as this shopper's browser: its cookies, its address, same-origin POSTs. */
  async request(
    path: string,
    init: {
      method?: "GET" | "POST";
      form?: URLSearchParams;
      json?: unknown;
      raw?: { body: string; contentType: string };
      /** Added last; an origin of null sends none. */
      headers?: Record<string, string>;
      origin?: string | null;
    } = {},
  ): Promise<Response> {
    const method = init.method ?? "GET";
    const headers: Record<string, string> = { "cf-connecting-ip": this.clientIp, ...this.extraHeaders };
    if (this.cookie) headers.cookie = this.cookie;
    if (method === "POST" && init.origin !== null) headers.origin = init.origin ?? this.baseUrl;
    let body: string | undefined;
    if (init.raw) {
      headers["content-type"] = init.raw.contentType;
      body = init.raw.body;
    } else if (init.form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = init.form.toString();
    } else if (init.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(init.json);
    }
    const response = await fetch(new URL(path, this.baseUrl), {
      method,
      headers: { ...headers, ...init.headers },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    this.jar.store(response);
    return response;
  }

  /** The product page's form (`intent=add`), as a browser without JavaScript posts it; resolves with the cart id. */
  async addVariant(handle: string, variant: string, quantity = 1): Promise<string> {
    const response = await this.request(`/products/${handle}`, {
      method: "POST",
      form: new URLSearchParams({ intent: "add", variant_id: variant, quantity: String(quantity) }),
    });
    if (response.status !== 200) throw new StepFailure(await errorText(response), response.status);
    await response.arrayBuffer();
    if (!this.hasCart) throw new StepFailure("no cart cookie after adding to the cart", response.status);
    return this.cartId;
  }

  /** Adds the variant of `handle` titled `variantTitle` (its id looked up in Medusa first). */
  async addToCart(handle: string, variantTitle: string, quantity = 1): Promise<string> {
    return this.addVariant(handle, await variantId(this.shop, handle, variantTitle), quantity);
  }

  /** POST prepare-for-payment; resolves with the answer and the wall time the shopper waited for it. */
  async prepare(body: unknown, options: PrepareOptions = {}): Promise<PrepareResult> {
    const headers: Record<string, string> = {};
    if (options.traceparent) headers.traceparent = options.traceparent;
    if (options.idempotencyKey) headers["idempotency-key"] = options.idempotencyKey;
    const sent =
      options.rawBody !== undefined || options.contentType !== undefined
        ? { raw: { body: options.rawBody ?? JSON.stringify(body), contentType: options.contentType ?? "application/json" } }
        : { json: body };
    const started = performance.now();
    const response = await this.request(`/api/carts/${options.cartId ?? this.cartId}/prepare-for-payment`, { method: "POST", ...sent, headers, origin: options.origin });
    const text = await response.text();
    const ms = performance.now() - started;
    let parsed: PrepareBody;
    try {
      parsed = JSON.parse(text) as PrepareBody;
    } catch {
      parsed = { not_json: text };
    }
    return { status: response.status, headers: response.headers, body: parsed, ms };
  }

  /** prepare-for-payment that must succeed: its success body, or a StepFailure. */
  async prepared(body: unknown, options: PrepareOptions = {}): Promise<CheckoutSuccessBody> {
    const answer = await this.prepare(body, options);
    if (answer.status !== 200 || answer.body.client_secret === undefined) {
      const error: CheckoutError | undefined = answer.body.error;
      const why = error ? `HTTP ${answer.status} ${error.code}: ${error.message}` : `HTTP ${answer.status}${answer.status === 429 ? " (rate limited)" : ""}`;
      throw new StepFailure(why, answer.status);
    }
    return answer.body;
  }

  /**
   * What the simulator's Stripe.js sends for `stripe.confirmPayment({elements, clientSecret,
   * confirmParams: {return_url}})` with the success card typed into the Payment Element
   * (dev/stripe-sim/stripe-js/stripe.js): the publishable key, the card as
   * payment_method_data and the Elements options as client_context.
   */
  async confirmPayment(stripeSimUrl: string, prepared: Pick<CheckoutSuccessBody, "client_secret" | "payment_intent_id" | "checkout_attempt_id" | "currency_code">): Promise<void> {
    const params = new URLSearchParams({
      "payment_method_data[type]": "card",
      "payment_method_data[card][number]": CARD.number,
      "payment_method_data[card][exp_month]": CARD.exp_month,
      "payment_method_data[card][exp_year]": CARD.exp_year,
      "payment_method_data[card][cvc]": CARD.cvc,
      "client_context[mode]": "payment",
      "client_context[currency]": prepared.currency_code,
      "client_context[capture_method]": "manual",
      expected_payment_method_type: "card",
      return_url: this.returnUrl(prepared.checkout_attempt_id),
      client_secret: prepared.client_secret,
      use_stripe_sdk: "true",
    });
    const response = await fetch(`${stripeSimUrl}/v1/payment_intents/${prepared.payment_intent_id}/confirm`, {
      method: "POST",
      headers: { authorization: `Bearer ${SIMULATOR_KEYS.publishableKey}`, "content-type": "application/x-www-form-urlencoded" },
      body: params,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const intent = (await response.json()) as { status?: string; error?: { message?: string } };
    if (response.status !== 200) throw new StepFailure(`HTTP ${response.status}: ${intent.error?.message ?? "confirmation refused"}`, response.status);
    if (intent.status !== "requires_capture" && intent.status !== "succeeded") throw new StepFailure(`the PaymentIntent is ${intent.status} after confirming`);
  }

  returnUrl(attemptId: string): string {
    return `${this.baseUrl}/checkout/complete?attempt=${encodeURIComponent(attemptId)}`;
  }

  /**
   * The return page, asked again while it says "Finishing your order…", until it redirects
   * to `/orders/:id/confirmed`; then that page, with the cookie that grants access to it.
   */
  async waitForOrder(attemptId: string): Promise<{ orderId: string; requests: number }> {
    const deadline = Date.now() + ORDER_TIMEOUT_MS;
    for (let requests = 1; ; requests++) {
      const response = await this.request(this.returnUrl(attemptId));
      await response.arrayBuffer();
      const location = response.headers.get("location");
      if (response.status >= 300 && response.status < 400 && location) {
        const target = new URL(location, this.baseUrl);
        const order = /^\/orders\/([^/]+)\/confirmed$/.exec(target.pathname);
        if (!order) throw new StepFailure(`the return page sent the shopper to ${target.pathname}${target.search}`, response.status);
        const confirmation = await this.request(target.pathname);
        await confirmation.arrayBuffer();
        if (confirmation.status !== 200) throw new StepFailure(`the order confirmation answered HTTP ${confirmation.status}`, confirmation.status);
        return { orderId: decodeURIComponent(order[1]!), requests };
      }
      if (response.status !== 200) throw new StepFailure(`the return page answered HTTP ${response.status}`, response.status);
      if (Date.now() > deadline) throw new StepFailure(`no order within ${ORDER_TIMEOUT_MS / 1000} s (${requests} return page requests)`);
      await new Promise((resolve) => setTimeout(resolve, RETURN_POLL_MS));
    }
  }
}
