// The cart's Durable Object inside workerd (checkout contract, sections 1 and 2): it runs
// prepare-for-payment against the stack's real Medusa (through the fault proxy, which
// records every request by trace id) and keeps the idempotency records.
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ATTEMPT_TTL_SECONDS } from "../../app/lib/checkout/attempts.server";
import { prepareRequest } from "../../app/lib/checkout/contract";
import { canonicalJson, sha256Hex } from "../../app/lib/checkout/prepare/idempotency.server";
import type { CheckoutAnswer } from "../../app/lib/http/answer";

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
async function newCart(): Promise<{ cartId: string; standard: string }> {
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
async function call(cartId: string, standard: string, key: string, email = "ada@example.com") {
  const body = prepareRequest.parse({
    email,
    shipping_address: { first_name: "Ada", last_name: "Lovelace", address_1: "1100 Congress Ave", city: "Austin", postal_code: "78701", province: "us-tx", country_code: "us" },
    shipping_option_id: standard,
  });
  const bodyHash = await sha256Hex(canonicalJson(body));
  return (traceId: string) =>
    env.CART_COORDINATOR.getByName(cartId).prepare({ cartId, key, derivedKey: false, bodyHash, body, traceId, route: "/api/carts/:id/prepare-for-payment" });
}

const newTraceId = () => crypto.randomUUID().replaceAll("-", "");

type Recorded = { method: string; path: string };
async function requestsFor(traceId: string): Promise<Recorded[]> {
  return (await medusa<{ requests: Recorded[] }>(`/__proxy/requests?trace_id=${traceId}`)).requests;
}
async function postsFor(traceIds: string[]): Promise<Recorded[]> {
  return (await Promise.all(traceIds.map(requestsFor))).flat().filter((request) => request.method === "POST");
}

async function injectFault(fault: { kind: string; traceId: string; method?: string; path?: string; nth?: number; delayMs?: number }) {
  const response = await fetch(`${medusaUrl}/__proxy/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(fault) });
  if (!response.ok) throw new Error(`could not inject fault: HTTP ${response.status}`);
}

function errorCode(answer: CheckoutAnswer): string | undefined {
  return "error" in answer.body ? answer.body.error.code : undefined;
}

describe("the cart's Durable Object", () => {
  it("a replay with the same key returns the stored answer, marked idempotent-replayed, with no backend call", async () => {
    const { cartId, standard } = await newCart();
    const prepare = await call(cartId, standard, "do-replay-0001");
    const first = await prepare(newTraceId());
    expect(first.status).toBe(200);
    const replayTrace = newTraceId();
    const replay = await prepare(replayTrace);
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(first.body);
    expect(replay.headers?.["idempotent-replayed"]).toBe("true");
    expect(await requestsFor(replayTrace)).toEqual([]);
  });

  it("forgets everything it stored (answers with client secrets, attempts with personal data) a KV lifetime after the cart's last write", async () => {
    const { cartId, standard } = await newCart();
    const prepare = await call(cartId, standard, "do-forget-0001");
    const before = Date.now();
    const first = await prepare(newTraceId());
    expect(first.status).toBe(200);
    const stub = env.CART_COORDINATOR.getByName(cartId);
    const stored = await runInDurableObject(stub, async (_instance, state) => ({ keys: [...(await state.storage.list()).keys()], alarm: await state.storage.getAlarm() }));
    expect(stored.keys.some((key) => key.startsWith("idem:"))).toBe(true);
    expect(stored.keys.some((key) => key.startsWith("attempt:"))).toBe(true);
    expect(stored.alarm).toBeGreaterThanOrEqual(before + ATTEMPT_TTL_SECONDS * 1000);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await runInDurableObject(stub, async (_instance, state) => (await state.storage.list()).size)).toBe(0);
    // The key is no longer known: the same submission runs again instead of replaying.
    const again = await prepare(newTraceId());
    expect(again.status).toBe(200);
    expect(again.headers?.["idempotent-replayed"]).toBeUndefined();
  });

  it("the same key with another body is idempotency_key_reused, with no backend call", async () => {
    const { cartId, standard } = await newCart();
    expect((await (await call(cartId, standard, "do-reused-0001"))(newTraceId())).status).toBe(200);
    const otherTrace = newTraceId();
    const other = await (await call(cartId, standard, "do-reused-0001", "someone@else.example"))(otherTrace);
    expect(other.status).toBe(409);
    expect(errorCode(other)).toBe("idempotency_key_reused");
    expect(await requestsFor(otherTrace)).toEqual([]);
  });

  it("concurrent duplicates make one set of backend writes and all get the same answer", async () => {
    const { cartId, standard } = await newCart();
    const prepare = await call(cartId, standard, "do-double-click-0001");
    const traces = Array.from({ length: 5 }, newTraceId);
    const answers = await Promise.all(traces.map((traceId) => prepare(traceId)));
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual(answers[0]!.body);
    }
    // One prepare on a new cart writes: details, shipping method, payment collection, session.
    const posts = await postsFor(traces);
    expect(posts.map((request) => request.path.replace(/\/(cart|pay_col)_\w+/, "/:id"))).toEqual([
      "/store/carts/:id",
      "/store/carts/:id/shipping-methods",
      "/store/payment-collections",
      "/store/payment-collections/:id/payment-sessions",
    ]);
    const tracesThatWrote = (await Promise.all(traces.map(requestsFor))).filter((requests) => requests.length > 0);
    expect(tracesThatWrote).toHaveLength(1);
  });

  it("another key while one prepare runs is in_progress with Retry-After, and makes no backend call", async () => {
    const { cartId, standard } = await newCart();
    const runningTrace = newTraceId();
    // Holds the running prepare's first Medusa call, so the second surely arrives meanwhile.
    await injectFault({ kind: "delay", traceId: runningTrace, method: "GET", nth: 1, delayMs: 1500 });
    const running = (await call(cartId, standard, "do-running-0001"))(runningTrace);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const otherTrace = newTraceId();
    const other = await (await call(cartId, standard, "do-other-key-0001", "other@example.com"))(otherTrace);
    expect(other.status).toBe(409);
    expect(errorCode(other)).toBe("in_progress");
    expect(Number(other.headers?.["retry-after"])).toBeGreaterThan(0);
    expect(await requestsFor(otherTrace)).toEqual([]);
    expect((await running).status).toBe(200);
    // Once it finished, the other submission is taken.
    expect((await (await call(cartId, standard, "do-other-key-0001", "other@example.com"))(newTraceId())).status).toBe(200);
  });

  it("a failed prepare (5xx) is not stored: the same key runs again and can succeed", async () => {
    const { cartId, standard } = await newCart();
    const prepare = await call(cartId, standard, "do-retry-after-5xx-0001");
    const failedTrace = newTraceId();
    await injectFault({ kind: "error_500", traceId: failedTrace, method: "POST", path: "^/store/carts/[^/]+$", nth: 1 });
    const failed = await prepare(failedTrace);
    expect(failed.status).toBe(502);
    expect(errorCode(failed)).toBe("backend_error");
    const retryTrace = newTraceId();
    const retry = await prepare(retryTrace);
    expect(retry.status).toBe(200);
    expect(retry.headers?.["idempotent-replayed"]).toBeUndefined();
    expect((await requestsFor(retryTrace)).length).toBeGreaterThan(0);
  });
});
