// A scripted Medusa Store API for unit tests of the checkout: one in-memory shop that
// answers the requests prepare-for-payment makes, the way Medusa 2.21 does where the
// checkout depends on it (shared/spec/medusa-facts.md), records every call, and fails
// chosen calls in chosen ways. Plug it in with `createMedusaClient({ ..., fetch: shop.fetch })`.
//
// What it models, because the rollback depends on it:
// - `POST /store/carts/:id` replaces whole addresses, merges metadata (a key set to "" is
//   deleted), is strict about fields, and drops shipping methods whose option no longer
//   serves the new address (province-limited options).
// - Adding a shipping method replaces the cart's method (one shipping profile) and refuses
//   an option that doesn't serve the address (400 invalid_data).
// - Any change of the total deletes the payment sessions; a new session replaces older ones.
// - Totals are unrounded major units (21.639175); the Stripe session's amount is what
//   Medusa's own Stripe provider computes (its `getSmallestUnit`, loaded from the installed
//   @medusajs/payment-stripe), so tests compare the storefront with the real rounding.
import { createRequire } from "node:module";
import path from "node:path";
import { ROOT } from "../../dev/processes.ts";

const medusaRequire = createRequire(path.join(ROOT, "dev", "medusa", "package.json"));
const { getSmallestUnit } = medusaRequire("@medusajs/payment-stripe/dist/utils/get-smallest-unit.js") as {
  getSmallestUnit(amount: number, currency: string): number;
};
/** Medusa's Stripe provider's conversion to minor units, as it computes a PaymentIntent's amount. */
export const stripeProviderAmount = getSmallestUnit;

/**
 * How a call fails. `timeout` and `malformed` model requests that reached Medusa (it did
 * the work; the answer never came back, or came back garbled by a proxy); the others never
 * reached it.
 */
export type FaultKind = "http_4xx" | "http_5xx" | "timeout" | "connection" | "malformed";
export const FAULT_KINDS: readonly FaultKind[] = ["http_4xx", "http_5xx", "timeout", "connection", "malformed"];

export type Address = {
  first_name: string | null;
  last_name: string | null;
  company: string | null;
  address_1: string | null;
  address_2: string | null;
  city: string | null;
  postal_code: string | null;
  province: string | null;
  country_code: string | null;
  phone: string | null;
};
export type ShippingOption = { id: string; name: string; amount: number; provinces?: string[] };
export type Item = { variant_id: string; product_title: string; quantity: number; unit_price: number };

type Session = { id: string; provider_id: string; amount: number; currency_code: string; data: Record<string, unknown> };
type Collection = { id: string; cart_id: string; amount: number; currency_code: string; sessions: Session[] };
type Cart = {
  id: string;
  currency_code: string;
  email: string | null;
  completed_at: string | null;
  metadata: Record<string, unknown>;
  items: (Item & { id: string })[];
  shipping_address: Address | null;
  billing_address: Address | null;
  shipping_methods: { id: string; shipping_option_id: string; name: string; amount: number }[];
  payment_collection_id: string | null;
};

export type CartSetup = {
  id: string;
  currency_code?: string;
  email?: string | null;
  completed_at?: string | null;
  metadata?: Record<string, unknown>;
  items?: Item[];
  shipping_address?: Address | null;
  billing_address?: Address | null;
  shipping_option_ids?: string[];
  /** Give the cart a payment collection with one older Stripe session, as a previous prepare left it. */
  with_payment_collection?: boolean;
};

/** One recorded call: a Medusa request, or a write to the attempts KV. */
export type RecordedCall = { call: string; body?: unknown; requestId?: string | null };

type Matcher = { method: string; path: string; nth?: number };
type Fault = Matcher & { kind: FaultKind };
type Hook = Matcher & { run: (shop: ScriptedMedusa) => void };

const TAX_RATES: Record<string, number> = { "us-tx": 0.0825, "us-ca": 0.0725, "us-ny": 0.04 };
const ADDRESS_KEYS = ["first_name", "last_name", "company", "address_1", "address_2", "city", "postal_code", "province", "country_code", "phone"];
const CART_FIELDS = new Set(["email", "shipping_address", "billing_address", "metadata", "region_id", "promo_codes"]);
/** Medusa computes with decimals; the float noise of `19.99 * 1.0825` is not Medusa's. */
const decimal = (value: number) => Number(value.toFixed(10));

class Refusal extends Error {
  constructor(readonly status: number, readonly type: string, message: string) {
    super(message);
  }
}

export class ScriptedMedusa {
  readonly calls: RecordedCall[] = [];
  readonly shippingOptions: ShippingOption[];
  /** When true, new Stripe sessions come back without a client secret. */
  omitClientSecret = false;
  private carts = new Map<string, Cart>();
  private collections = new Map<string, Collection>();
  private faults: Fault[] = [];
  private hooks: Hook[] = [];
  private seen = new Map<string, number>();
  private counter = 0;

  constructor(options: { shippingOptions: ShippingOption[] }) {
    this.shippingOptions = options.shippingOptions;
  }

  addCart(setup: CartSetup): void {
    const cart: Cart = {
      id: setup.id,
      currency_code: setup.currency_code ?? "usd",
      email: setup.email ?? null,
      completed_at: setup.completed_at ?? null,
      metadata: { ...setup.metadata },
      items: (setup.items ?? []).map((item) => ({ ...item, id: this.newId("cali") })),
      shipping_address: setup.shipping_address ?? null,
      billing_address: setup.billing_address ?? null,
      shipping_methods: [],
      payment_collection_id: null,
    };
    this.carts.set(cart.id, cart);
    for (const optionId of setup.shipping_option_ids ?? []) this.setShippingMethod(cart, optionId);
    if (setup.with_payment_collection) {
      const collection = this.collectionFor(cart);
      this.createSession(cart, collection, { provider_id: "pp_stripe_stripe", data: {} });
    }
  }

  /** Another tab (or the admin) changing the cart: adds a line, as `POST .../line-items` would. */
  addItem(cartId: string, item: Item): void {
    const cart = this.cartOrThrow(cartId);
    this.changeCart(cart, () => cart.items.push({ ...item, id: this.newId("cali") }));
  }

  /** Fail the nth (default 1st) request with this method and exact path. */
  fail(fault: Fault): void {
    this.faults.push(fault);
  }

  /** Run `run` right after the nth (default 1st) matching request was handled. */
  after(matcher: Matcher, run: (shop: ScriptedMedusa) => void): void {
    this.hooks.push({ ...matcher, run });
  }

  /** The cart as `GET /store/carts/:id` shows it. */
  cart(cartId: string) {
    return this.view(this.cartOrThrow(cartId));
  }

  /** Medusa's calls only, as "METHOD /path" lines. */
  requests(): string[] {
    return this.calls.map((entry) => entry.call);
  }

  readonly fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = (init?.method ?? "GET").toUpperCase();
    const headers = new Headers(init?.headers);
    const body: unknown = typeof init?.body === "string" ? JSON.parse(init.body) : undefined;
    this.calls.push({ call: `${method} ${url.pathname}`, ...(body === undefined ? {} : { body }), requestId: headers.get("x-request-id") });
    const count = (this.seen.get(`${method} ${url.pathname}`) ?? 0) + 1;
    this.seen.set(`${method} ${url.pathname}`, count);
    const matching = <M extends Matcher>(list: M[]) =>
      list.filter((entry) => entry.method === method && entry.path === url.pathname && (entry.nth ?? 1) === count);
    const fault = matching(this.faults)[0];

    if (fault?.kind === "connection") throw new TypeError("fetch failed");
    if (fault?.kind === "http_4xx") return json(400, { type: "invalid_data", message: "Scripted refusal." });
    if (fault?.kind === "http_5xx") return json(500, { type: "unknown_error", message: "An unknown error occurred." });

    let answer: Response;
    try {
      if (!headers.get("x-publishable-api-key")) throw new Refusal(400, "not_allowed", "A valid publishable key is required to proceed with the request");
      answer = json(200, this.handle(method, url.pathname, body));
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      answer = json(error.status, { type: error.type, message: error.message });
    }
    for (const hook of matching(this.hooks)) hook.run(this);

    if (fault?.kind === "malformed") return new Response("<html>upstream proxy error</html>", { status: 200, headers: { "content-type": "text/html" } });
    if (fault?.kind === "timeout") return neverAnswer(init?.signal);
    return answer;
  };

  private handle(method: string, pathname: string, body: unknown): unknown {
    const parts = pathname.split("/").filter(Boolean);
    if (parts[0] !== "store") throw new Refusal(404, "not_found", "Unknown route");
    if (parts[1] === "carts" && parts[2]) {
      const cart = this.carts.get(parts[2]);
      if (!cart) throw new Refusal(404, "not_found", `Cart id not found: ${parts[2]}`);
      if (method === "GET" && parts.length === 3) return { cart: this.view(cart) };
      if (cart.completed_at) throw new Refusal(400, "invalid_data", `Cart ${cart.id} is already completed.`);
      if (method === "POST" && parts.length === 3) return { cart: this.view(this.updateCart(cart, record(body))) };
      if (method === "POST" && parts[3] === "shipping-methods") {
        const { option_id } = record(body);
        if (typeof option_id !== "string") throw new Refusal(400, "invalid_data", "option_id is required");
        this.setShippingMethod(cart, option_id);
        return { cart: this.view(cart) };
      }
    }
    if (method === "POST" && parts[1] === "payment-collections" && parts.length === 2) {
      const { cart_id } = record(body);
      const cart = typeof cart_id === "string" ? this.carts.get(cart_id) : undefined;
      if (!cart) throw new Refusal(404, "not_found", `Cart id not found: ${String(cart_id)}`);
      return { payment_collection: collectionView(this.collectionFor(cart)) };
    }
    if (method === "POST" && parts[1] === "payment-collections" && parts[3] === "payment-sessions") {
      const collection = this.collections.get(parts[2] ?? "");
      // Medusa answers an unknown collection id with a 500 (medusa-facts.md).
      if (!collection) throw new Refusal(500, "unknown_error", "An unknown error occurred.");
      const cart = this.cartOrThrow(collection.cart_id);
      this.createSession(cart, collection, record(body));
      return { payment_collection: collectionView(collection) };
    }
    throw new Refusal(404, "not_found", "Unknown route");
  }

  private updateCart(cart: Cart, body: Record<string, unknown>): Cart {
    const unknown = Object.keys(body).filter((key) => !CART_FIELDS.has(key));
    if (unknown.length) throw new Refusal(400, "invalid_data", `Unrecognized fields: '${unknown.join("', '")}'`);
    const address = (value: unknown): Address => {
      const fields = record(value);
      const extra = Object.keys(fields).filter((key) => !ADDRESS_KEYS.includes(key));
      if (extra.length) throw new Refusal(400, "invalid_data", `Unrecognized fields: '${extra.join("', '")}'`);
      // The whole address is replaced: what isn't sent becomes null.
      return Object.fromEntries(ADDRESS_KEYS.map((key) => [key, typeof fields[key] === "string" ? fields[key] : null])) as Address;
    };
    this.changeCart(cart, () => {
      if (typeof body.email === "string") cart.email = body.email;
      if (body.shipping_address !== undefined) cart.shipping_address = address(body.shipping_address);
      if (body.billing_address !== undefined) cart.billing_address = address(body.billing_address);
      for (const [key, value] of Object.entries(record(body.metadata))) {
        if (value === "") delete cart.metadata[key];
        else cart.metadata[key] = value;
      }
      cart.shipping_methods = cart.shipping_methods.filter((method) => this.serves(method.shipping_option_id, cart));
    });
    return cart;
  }

  private setShippingMethod(cart: Cart, optionId: string): void {
    const option = this.shippingOptions.find((candidate) => candidate.id === optionId);
    if (!option || !this.serves(optionId, cart)) throw new Refusal(400, "invalid_data", "Shipping Options are invalid for cart.");
    this.changeCart(cart, () => {
      cart.shipping_methods = [{ id: this.newId("casm"), shipping_option_id: option.id, name: option.name, amount: option.amount }];
    });
  }

  private serves(optionId: string, cart: Cart): boolean {
    const option = this.shippingOptions.find((candidate) => candidate.id === optionId);
    if (!option) return false;
    return !option.provinces || option.provinces.includes(cart.shipping_address?.province ?? "");
  }

  /** Any change of the total updates the collection's amount and deletes its sessions. */
  private changeCart(cart: Cart, change: () => void): void {
    const before = totals(cart).total;
    change();
    const after = totals(cart).total;
    const collection = cart.payment_collection_id ? this.collections.get(cart.payment_collection_id) : undefined;
    if (collection && after !== before) {
      collection.amount = after;
      collection.sessions = [];
    }
  }

  private collectionFor(cart: Cart): Collection {
    if (cart.payment_collection_id) return this.collections.get(cart.payment_collection_id)!;
    const collection: Collection = { id: this.newId("pay_col"), cart_id: cart.id, amount: totals(cart).total, currency_code: cart.currency_code, sessions: [] };
    this.collections.set(collection.id, collection);
    cart.payment_collection_id = collection.id;
    return collection;
  }

  private createSession(cart: Cart, collection: Collection, body: Record<string, unknown>): void {
    if (body.provider_id !== "pp_stripe_stripe") throw new Refusal(404, "not_found", `Providers with id: ${String(body.provider_id)} not found`);
    const id = this.newId("payses");
    const intent = this.newId("pi");
    const metadata = record(record(body.data).metadata);
    collection.sessions = [
      {
        id,
        provider_id: "pp_stripe_stripe",
        amount: collection.amount,
        currency_code: cart.currency_code,
        data: {
          id: intent,
          object: "payment_intent",
          amount: getSmallestUnit(collection.amount, cart.currency_code),
          currency: cart.currency_code,
          capture_method: "manual",
          status: "requires_payment_method",
          metadata: { ...metadata, session_id: id },
          ...(this.omitClientSecret ? {} : { client_secret: `${intent}_secret_${this.counter}` }),
        },
      },
    ];
  }

  private view(cart: Cart) {
    const collection = cart.payment_collection_id ? this.collections.get(cart.payment_collection_id) : undefined;
    return {
      id: cart.id,
      email: cart.email,
      region_id: "reg_scripted",
      currency_code: cart.currency_code,
      completed_at: cart.completed_at,
      metadata: { ...cart.metadata },
      items: cart.items.map((item) => ({ ...item, title: item.product_title, subtotal: decimal(item.unit_price * item.quantity), total: decimal(item.unit_price * item.quantity) })),
      shipping_methods: cart.shipping_methods.map((method) => ({ ...method })),
      shipping_address: cart.shipping_address && { id: "caaddr_shipping", ...cart.shipping_address },
      billing_address: cart.billing_address && { id: "caaddr_billing", ...cart.billing_address },
      ...totals(cart),
      payment_collection: collection ? { id: collection.id, payment_sessions: collection.sessions.map(({ id, provider_id }) => ({ id, provider_id })) } : null,
      region: { id: "reg_scripted", countries: [{ iso_2: "us", display_name: "United States", name: "UNITED STATES" }] },
    };
  }

  private cartOrThrow(cartId: string): Cart {
    const cart = this.carts.get(cartId);
    if (!cart) throw new Error(`no scripted cart ${cartId}`);
    return cart;
  }

  private newId(prefix: string): string {
    this.counter += 1;
    return `${prefix}_${String(this.counter).padStart(4, "0")}`;
  }
}

function totals(cart: Cart) {
  const item_subtotal = decimal(cart.items.reduce((sum, item) => sum + item.unit_price * item.quantity, 0));
  const shipping_total = decimal(cart.shipping_methods.reduce((sum, method) => sum + method.amount, 0));
  const rate = TAX_RATES[cart.shipping_address?.province ?? ""] ?? 0;
  const tax_total = decimal((item_subtotal + shipping_total) * rate);
  const subtotal = decimal(item_subtotal + shipping_total);
  return { item_subtotal, item_total: decimal(item_subtotal * (1 + rate)), subtotal, shipping_total, tax_total, discount_total: 0, total: decimal(subtotal + tax_total) };
}

function collectionView(collection: Collection) {
  return { id: collection.id, amount: collection.amount, currency_code: collection.currency_code, payment_sessions: collection.sessions };
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

/** A request Medusa never answers: it ends only when the caller gives up (its AbortSignal). */
function neverAnswer(signal: AbortSignal | null | undefined): Promise<Response> {
  return new Promise((_, reject) => {
    if (!signal) return;
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

/**
 * The attempts KV as prepare-for-payment uses it (`put`, `get`), in memory. Writes are
 * recorded in the shop's call list, so tests see them in order with Medusa's calls.
 */
export class ScriptedKv {
  readonly entries = new Map<string, { value: string; expirationTtl?: number }>();
  /** When set, every `put` rejects with this error. */
  failPuts: Error | null = null;
  constructor(private readonly calls: RecordedCall[]) {}

  async put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void> {
    this.calls.push({ call: `KV put ${key}` });
    if (this.failPuts) throw this.failPuts;
    this.entries.set(key, { value, expirationTtl: options?.expirationTtl });
  }

  async get(key: string, type?: "text" | "json"): Promise<unknown> {
    const entry = this.entries.get(key);
    if (!entry) return null;
    return type === "json" ? JSON.parse(entry.value) : entry.value;
  }

  /** The binding type prepare-for-payment asks for; it calls only `put` and `get`. */
  asBinding(): KVNamespace {
    return this as unknown as KVNamespace;
  }
}
