// Carts for the prepare-for-payment fault tests (tests/stack/prepare-faults.test.ts): what
// prepare may change on a cart, read back from Medusa (not through the storefront); carts
// prepared once with the Texas-only courier, or fresh; and what a 200 must mean.
import { inject, type ExpectStatic } from "vitest";
import { toMinorUnits } from "../../app/lib/money.ts";
import type { RecordedRequest } from "../../dev/fault-proxy-client.ts";
import { medusaGet } from "./medusa.ts";
import { until } from "./poll.ts";
import { medusaRequestsFor } from "./proxy.ts";
import { CALIFORNIA_ADDRESS, Shopper, TEXAS_ADDRESS, type PrepareResult } from "./shopper.ts";
import { readPaymentIntent } from "./stripe-sim.ts";

const stack = () => inject("stack");
const baseUrl = () => stack().storefronts.preview!;

// ---- Medusa, straight (not through the storefront)

export async function medusaPost<T>(path: string, body: unknown): Promise<T> {
  const response = await fetch(`${stack().medusaUrl}${path}`, {
    method: "POST",
    headers: { "x-publishable-api-key": stack().publishableKey, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`POST ${path}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

const ADDRESS_KEYS = ["first_name", "last_name", "company", "address_1", "address_2", "city", "postal_code", "province", "country_code", "phone"] as const;
type MedusaAddress = Partial<Record<(typeof ADDRESS_KEYS)[number], string | null>>;
type MedusaCheckoutCart = {
  email: string | null;
  total: number;
  currency_code: string;
  metadata: Record<string, unknown> | null;
  shipping_address: MedusaAddress | null;
  billing_address: MedusaAddress | null;
  shipping_methods: { shipping_option_id: string }[];
  items: { variant_id: string }[];
};

export async function medusaCart(cartId: string): Promise<MedusaCheckoutCart> {
  const fields = "email,total,currency_code,metadata,*shipping_address,*billing_address,*shipping_methods,*items";
  return (await medusaGet<{ cart: MedusaCheckoutCart }>(`/store/carts/${cartId}?fields=${fields}`)).cart;
}

/** What prepare-for-payment may change on a cart, in the words of `left_changed`. */
export type CartDetails = {
  email: string | null;
  shipping_address: MedusaAddress | null;
  billing_address: MedusaAddress | null;
  metadata: string | null;
  shipping_method: string[];
};

export async function cartDetails(cartId: string): Promise<CartDetails> {
  const cart = await medusaCart(cartId);
  const address = (value: MedusaAddress | null) => (value ? Object.fromEntries(ADDRESS_KEYS.map((key) => [key, value[key] ?? null])) : null);
  const attempt = cart.metadata?.checkout_attempt_id;
  return {
    email: cart.email,
    shipping_address: address(cart.shipping_address),
    billing_address: address(cart.billing_address),
    metadata: typeof attempt === "string" && attempt ? attempt : null,
    shipping_method: cart.shipping_methods.map((method) => method.shipping_option_id).sort(),
  };
}

export function changedParts(before: CartDetails, after: CartDetails): string[] {
  return (Object.keys(before) as (keyof CartDetails)[]).filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
}

// ---- The fault proxy's records

/** Resolves once the proxy holds a request of this trace that a `delay` fault matched. */
export function delayedRequestArrived(traceId: string): Promise<RecordedRequest> {
  return until(`a delayed request for trace ${traceId}`, async () => (await medusaRequestsFor(traceId)).find((request) => request.fault === "delay"));
}

export async function postsFor(traceIds: string[]): Promise<RecordedRequest[]> {
  return (await Promise.all(traceIds.map(medusaRequestsFor))).flat().filter((request) => request.method === "POST");
}

// ---- Shoppers and carts

type Options = { standard: string; express: string; texas: string };
let optionsOnce: Promise<Options> | undefined;
/** The seeded options' ids (the same for every cart); the Texas one is listed only for a Texas address. */
export function shippingOptions(): Promise<Options> {
  optionsOnce ??= (async () => {
    const shopper = new Shopper(baseUrl());
    await shopper.addToCart("organic-cotton-tee", "M", 1);
    await medusaPost(`/store/carts/${shopper.cartId}`, { shipping_address: TEXAS_ADDRESS });
    const { shipping_options } = await medusaGet<{ shipping_options: { id: string; name: string }[] }>(`/store/shipping-options?cart_id=${shopper.cartId}`);
    const named = (prefix: string) => {
      const option = shipping_options.find((candidate) => candidate.name.startsWith(prefix));
      if (!option) throw new Error(`no shipping option "${prefix}"`);
      return option.id;
    };
    return { standard: named("Standard"), express: named("Express"), texas: named("Texas") };
  })();
  return optionsOnce;
}

/**
 * A cart that went through one successful prepare with the Texas-only courier: it has an
 * email, both addresses, an attempt id and a shipping method, so all of it is restorable.
 */
export async function preparedCart(expect: ExpectStatic): Promise<Shopper> {
  const { texas } = await shippingOptions();
  const shopper = new Shopper(baseUrl());
  await shopper.addToCart("organic-cotton-tee", "M", 1);
  const body = { email: "ada@example.com", shipping_address: TEXAS_ADDRESS, shipping_option_id: texas };
  // A 5xx is rolled back and not stored, so a retry is safe; it only happens when the
  // machine is busy enough for a Medusa call to pass the stack's 2.5 s limit.
  let first = await shopper.prepare(body);
  for (let retry = 0; retry < 2 && first.status >= 500; retry++) first = await shopper.prepare(body);
  expect(first.status, JSON.stringify(first.body)).toBe(200);
  return shopper;
}

export async function freshCart(): Promise<Shopper> {
  const shopper = new Shopper(baseUrl());
  await shopper.addToCart("organic-cotton-tee", "M", 1);
  return shopper;
}

/** Another shopper's details: every part of the cart prepare touches would change. */
export async function californiaSubmission() {
  return { email: "grace@example.com", shipping_address: CALIFORNIA_ADDRESS, shipping_option_id: (await shippingOptions()).express };
}

/** A 200 means every step holds in Medusa and Stripe: details, option, amount, live intent. */
export async function expectEveryStepHolds(expect: ExpectStatic, shopper: Shopper, answer: PrepareResult, submitted: { email: string; shipping_option_id: string }) {
  const cart = await medusaCart(shopper.cartId);
  const details = await cartDetails(shopper.cartId);
  expect(details).toMatchObject({ email: submitted.email, metadata: answer.body.checkout_attempt_id, shipping_method: [submitted.shipping_option_id] });
  expect(answer.body.amount).toBe(toMinorUnits(cart.total, cart.currency_code));
  const intent = await readPaymentIntent(answer.body.payment_intent_id!);
  expect(intent).toMatchObject({ amount: answer.body.amount, status: "requires_payment_method" });
  expect(intent.metadata.checkout_attempt_id).toBe(answer.body.checkout_attempt_id);
}

/** At most `size` pieces of work at once (each waits for a free slot). */
export function limiter(size: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(work: () => Promise<T>): Promise<T> => {
    if (active >= size) await new Promise<void>((resolve) => waiting.push(resolve));
    active += 1;
    try {
      return await work();
    } finally {
      active -= 1;
      waiting.shift()?.();
    }
  };
}
