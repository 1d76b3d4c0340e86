// A shopper for `npm run load`: HTTP only, with its own cookie jar and its own client
// address (`CF-Connecting-IP`, which the storefront's rate limits key on), going from an
// empty cart to a paid order the way a browser does: the product page's add-to-cart form,
// one prepare-for-payment, the confirmation Stripe.js (the simulator's stand-in) sends for a
// test card, then the return page until it sends the shopper to the order confirmation.
import { randomBytes } from "node:crypto";
import { BENCH_ADDRESS, cartIdFromCookie } from "./bench-shopper.ts";
import { SIMULATOR_KEYS } from "./stack.ts";

export const STEPS = ["add_to_cart", "prepare", "confirm_payment", "order_visible"] as const;
export type Step = (typeof STEPS)[number];

export type LoadShop = { storefrontUrl: string; stripeSimUrl: string; shippingOptionId: string };
export type Item = { handle: string; variantId: string; quantity: number };

/** What one shopper did: each step's time, and where it stopped if it failed. */
export type ShopperResult = {
  index: number;
  clientIp: string;
  stepMs: Partial<Record<Step, number>>;
  totalMs: number | null;
  /** The step that failed, its answer's status, and how long the shopper waited for it. */
  failure: { step: Step; status: number | null; message: string; after_ms: number } | null;
  cartId: string | null;
  amount: number | null;
  currency: string | null;
  attemptId: string | null;
  paymentIntentId: string | null;
  /** The order the return page sent the shopper to. */
  orderId: string | null;
  /** Return page requests until it answered with the order (1 when the order was already there). */
  returnPageRequests: number;
};

const REQUEST_TIMEOUT_MS = 60_000;
/** How often the shopper asks the return page again while it says "Finishing your order…". */
const RETURN_POLL_MS = 250;
const ORDER_TIMEOUT_MS = 90_000;
/** The success test card, typed into the simulator's Payment Element. */
const CARD = { number: "4242424242424242", exp_month: "12", exp_year: String(new Date().getFullYear() + 5), cvc: "123" };

class StepFailure extends Error {
  status: number | null;
  constructor(message: string, status: number | null = null) {
    super(message);
    this.status = status;
  }
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

async function errorText(response: Response): Promise<string> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (body.error) return `HTTP ${response.status} ${body.error.code ?? ""}: ${body.error.message ?? ""}`.trim();
  } catch {}
  return `HTTP ${response.status}${response.status === 429 ? " (rate limited)" : ""}`;
}

export class LoadShopper {
  readonly index: number;
  readonly clientIp: string;
  private readonly shop: LoadShop;
  private readonly jar = new CookieJar();

  constructor(shop: LoadShop, index: number, clientIp: string) {
    this.shop = shop;
    this.index = index;
    this.clientIp = clientIp;
  }

  get cartId(): string | null {
    const value = this.jar.get("cart");
    return value ? cartIdFromCookie(value) : null;
  }

  /** One request to the storefront, as this shopper's browser: its cookies, its address, same-origin POSTs. */
  async request(path: string, init: { method?: "GET" | "POST"; form?: URLSearchParams; json?: unknown } = {}): Promise<Response> {
    const base = this.shop.storefrontUrl;
    const method = init.method ?? "GET";
    const headers: Record<string, string> = { "cf-connecting-ip": this.clientIp, accept: "text/html,application/json;q=0.9,*/*;q=0.8" };
    const cookie = this.jar.header();
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (method === "POST") headers.origin = base;
    if (init.form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = init.form.toString();
    } else if (init.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(init.json);
    }
    const response = await fetch(new URL(path, base), { method, headers, body, redirect: "manual", signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    this.jar.store(response);
    return response;
  }

  /** The product page's form: `intent=add`, as a browser without JavaScript posts it. */
  async addToCart(item: Item): Promise<string> {
    const response = await this.request(`/products/${item.handle}`, {
      method: "POST",
      form: new URLSearchParams({ intent: "add", variant_id: item.variantId, quantity: String(item.quantity) }),
    });
    if (response.status !== 200) throw new StepFailure(await errorText(response), response.status);
    await response.arrayBuffer();
    const cartId = this.cartId;
    if (!cartId) throw new StepFailure("no cart cookie after adding to the cart", response.status);
    return cartId;
  }

  /** The checkout's one submission: details, shipping option and the payment session. */
  async prepare(cartId: string, email: string) {
    const response = await this.request(`/api/carts/${cartId}/prepare-for-payment`, {
      method: "POST",
      json: {
        email,
        shipping_address: BENCH_ADDRESS,
        shipping_option_id: this.shop.shippingOptionId,
        idempotency_key: `load-${randomBytes(12).toString("hex")}`,
      },
    });
    if (response.status !== 200) throw new StepFailure(await errorText(response), response.status);
    const body = (await response.json()) as {
      client_secret: string;
      checkout_attempt_id: string;
      payment_intent_id: string;
      amount: number;
      currency_code: string;
    };
    return body;
  }

  /**
   * What the simulator's Stripe.js sends for `stripe.confirmPayment({elements, clientSecret,
   * confirmParams: {return_url}})` with the success card typed into the Payment Element
   * (dev/stripe-sim/stripe-js/stripe.js): the publishable key, the card as
   * payment_method_data and the Elements options as client_context.
   */
  async confirmPayment(prepared: { client_secret: string; payment_intent_id: string; checkout_attempt_id: string; currency_code: string }) {
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
    const response = await fetch(`${this.shop.stripeSimUrl}/v1/payment_intents/${prepared.payment_intent_id}/confirm`, {
      method: "POST",
      headers: { authorization: `Bearer ${SIMULATOR_KEYS.publishableKey}`, "content-type": "application/x-www-form-urlencoded" },
      body: params,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const intent = (await response.json()) as { status?: string; error?: { message?: string } };
    if (response.status !== 200) throw new StepFailure(`HTTP ${response.status}: ${intent.error?.message ?? "confirmation refused"}`, response.status);
    if (intent.status !== "requires_capture" && intent.status !== "succeeded") throw new StepFailure(`the PaymentIntent is ${intent.status} after confirming`);
  }

  private returnUrl(attemptId: string): string {
    return `${this.shop.storefrontUrl}/checkout/complete?attempt=${encodeURIComponent(attemptId)}`;
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
        const target = new URL(location, this.shop.storefrontUrl);
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

/** One shopper from an empty cart to a paid order, each step timed. Never throws. */
export async function checkout(shop: LoadShop, index: number, clientIp: string, item: Item, email: string): Promise<ShopperResult> {
  const shopper = new LoadShopper(shop, index, clientIp);
  const result: ShopperResult = {
    index,
    clientIp,
    stepMs: {},
    totalMs: null,
    failure: null,
    cartId: null,
    amount: null,
    currency: null,
    attemptId: null,
    paymentIntentId: null,
    orderId: null,
    returnPageRequests: 0,
  };
  const started = performance.now();
  let step: Step = "add_to_cart";
  let stepStarted = started;
  const timed = async <T>(name: Step, run: () => Promise<T>): Promise<T> => {
    step = name;
    stepStarted = performance.now();
    const value = await run();
    result.stepMs[name] = performance.now() - stepStarted;
    return value;
  };
  try {
    result.cartId = await timed("add_to_cart", () => shopper.addToCart(item));
    const prepared = await timed("prepare", () => shopper.prepare(result.cartId!, email));
    result.amount = prepared.amount;
    result.currency = prepared.currency_code;
    result.attemptId = prepared.checkout_attempt_id;
    result.paymentIntentId = prepared.payment_intent_id;
    await timed("confirm_payment", () => shopper.confirmPayment(prepared));
    const order = await timed("order_visible", () => shopper.waitForOrder(prepared.checkout_attempt_id));
    result.orderId = order.orderId;
    result.returnPageRequests = order.requests;
    result.totalMs = performance.now() - started;
  } catch (error) {
    const message = error instanceof Error ? (error.name === "TimeoutError" ? `request timed out after ${REQUEST_TIMEOUT_MS / 1000} s` : error.message) : String(error);
    result.failure = { step, status: error instanceof StepFailure ? error.status : null, message, after_ms: Math.round(performance.now() - stepStarted) };
  }
  return result;
}
