// Prepare-for-payment calls into the cart's Durable Object as the route makes them, on real
// carts made through Medusa's Store API (through the stack's fault proxy, whose records and
// faults are reached at the same URL). Inside workerd only.
import { prepareRequest } from "../../app/lib/checkout/contract";
import { canonicalJson } from "../../app/lib/checkout/prepare/idempotency.server";
import { sha256Hex } from "../../app/lib/sha256";
import type { CheckoutAnswer } from "../../app/lib/http/answer";
import { injectFault as injectAt, newTrace, proxiedRequests, type FaultOptions, type RecordedRequest } from "../../dev/fault-proxy-client.ts";
import { TEXAS_ADDRESS } from "../../dev/addresses.ts";
import { env } from "./env";

/** The fault proxy in front of Medusa: the Worker's MEDUSA_BACKEND_URL in these tests. */
const medusaUrl = env.MEDUSA_BACKEND_URL;

async function medusa<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const response = await fetch(`${medusaUrl}${path}`, {
    method: init.method ?? "GET",
    headers: { "x-publishable-api-key": env.MEDUSA_PUBLISHABLE_KEY, "content-type": "application/json" },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  if (!response.ok) throw new Error(`${init.method ?? "GET"} ${path}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** A real cart with a tee in it, made through Medusa's Store API, and its Standard option. */
export async function newCart(): Promise<{ cartId: string; standard: string }> {
  const { regions } = await medusa<{ regions: { id: string }[] }>("/store/regions");
  const { products } = await medusa<{ products: { variants: { id: string; title: string }[] }[] }>(
    "/store/products?handle=organic-cotton-tee&fields=id,*variants",
  );
  const variant = products[0]!.variants.find((candidate) => candidate.title === "M")!;
  const { cart } = await medusa<{ cart: { id: string } }>("/store/carts", { method: "POST", body: { region_id: regions[0]!.id } });
  await medusa(`/store/carts/${cart.id}/line-items`, { method: "POST", body: { variant_id: variant.id, quantity: 1 } });
  const { shipping_options } = await medusa<{ shipping_options: { id: string; name: string }[] }>(`/store/shipping-options?cart_id=${cart.id}`);
  return { cartId: cart.id, standard: shipping_options.find((option) => option.name.startsWith("Standard"))!.id };
}

/** A call as the route makes it: the parsed body and its hash. */
export async function call(cartId: string, standard: string, key: string, email = "ada@example.com") {
  const body = prepareRequest.parse({ email, shipping_address: TEXAS_ADDRESS, shipping_option_id: standard });
  const bodyHash = await sha256Hex(canonicalJson(body));
  return (traceId: string) =>
    env.CART_COORDINATOR.getByName(cartId).prepare({ cartId, key, derivedKey: false, bodyHash, body, traceId, route: "/api/carts/:id/prepare-for-payment", customer: null });
}

export const newTraceId = () => newTrace().traceId;

export function requestsFor(traceId: string): Promise<RecordedRequest[]> {
  return proxiedRequests(medusaUrl, traceId);
}

export async function postsFor(traceIds: string[]): Promise<RecordedRequest[]> {
  return (await Promise.all(traceIds.map(requestsFor))).flat().filter((request) => request.method === "POST");
}

export function injectFault(fault: FaultOptions): Promise<void> {
  return injectAt(medusaUrl, fault);
}

export function errorCode(answer: CheckoutAnswer): string | undefined {
  return "error" in answer.body ? answer.body.error.code : undefined;
}
