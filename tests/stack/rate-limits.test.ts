// Issue #5, section 1: Workers rate limits (the ratelimit bindings in wrangler.jsonc, as the
// local runtime enforces them) on prepare-for-payment and the cart mutations, per client and
// per cart. Over the limit: 429, Retry-After, the contract's error shape, and nothing reaches
// Medusa. The limits tested are the ones wrangler.jsonc declares for production.
import { describe, expect, inject, it } from "vitest";
import { readWranglerConfig } from "../../dev/worker-config.ts";
import { readCart, shippingOptionId } from "../support/medusa.ts";
import { medusaRequestsFor, newTrace } from "../support/proxy.ts";
import { newClientIp, Shopper, shopperWithNotebook, TEXAS_ADDRESS } from "../support/shopper.ts";
import { answerBody, type AnswerBody } from "../support/single-fetch.ts";

const stack = inject("stack");
const baseUrl = stack.storefronts.preview!;
const FORM = "application/x-www-form-urlencoded";
const CASE_TIMEOUT_MS = 120_000;

type RateLimitBinding = { name: string; simple: { limit: number; period: number } };
const LIMITS = new Map(((readWranglerConfig().ratelimits ?? []) as RateLimitBinding[]).map((binding) => [binding.name, binding.simple]));
function limitOf(name: string): number {
  const simple = LIMITS.get(name);
  if (!simple) throw new Error(`wrangler.jsonc declares no rate limit ${name}`);
  expect(simple.period).toBe(60);
  return simple.limit;
}

/**
 * Windows are aligned to the clock minute, and a minute boundary resets every count. So
 * `attempt` (which makes `limit` allowed requests and then one more) starts early in a
 * window when it needs `neededMs`, and runs once more if a boundary still fell inside it.
 */
async function withinOneWindow(neededMs: number, attempt: () => Promise<void>): Promise<void> {
  for (let tries = 0; ; tries += 1) {
    const leftMs = 60_000 - (Date.now() % 60_000);
    // The next window starts at the next clock minute, and only the clock says when: sleep to it.
    if (leftMs < neededMs) await new Promise((resolve) => setTimeout(resolve, leftMs + 100));
    const window = Math.floor(Date.now() / 60_000);
    try {
      await attempt();
      return;
    } catch (error) {
      if (Math.floor(Date.now() / 60_000) === window || tries === 1) throw error;
    }
  }
}

function expectRateLimited(answer: { status: number; headers: Headers }, body: AnswerBody, traceId: string) {
  expect(answer.status).toBe(429);
  expect(answer.headers.get("retry-after")).toBe("60");
  expect(body).toMatchObject({ error: { code: "rate_limited" }, trace_id: traceId });
  expect(body.error!.message).toMatch(/wait a minute/);
}

const shopperWithCart = (clientIp?: string) => shopperWithNotebook(baseUrl, clientIp);

/** A shopper with a cart, and a valid prepare-for-payment submission for it. */
async function readyToPrepare() {
  const shopper = await shopperWithCart();
  return { shopper, body: { email: "limits@example.com", shipping_address: TEXAS_ADDRESS, shipping_option_id: await shippingOptionId(shopper.cartId) } };
}

describe("prepare-for-payment rate limits", () => {
  it("per client: past the limit a minute, 429 with Retry-After and no Medusa call", { timeout: CASE_TIMEOUT_MS }, async () => {
    const limit = limitOf("RATE_LIMIT_PREPARE_PER_CLIENT");
    await withinOneWindow(20_000, async () => {
      const { shopper, body } = await readyToPrepare();
      // One real run, then replays of it (same key, same body): cheap, but each is a request.
      for (let n = 1; n <= limit; n += 1) {
        const answer = await shopper.prepare(body, { idempotencyKey: "per-client-limit-1" });
        expect(answer.status, `request ${n}: ${JSON.stringify(answer.body)}`).toBe(200);
      }
      const trace = newTrace();
      const over = await shopper.prepare(body, { idempotencyKey: "per-client-limit-1", traceparent: trace.traceparent });
      expectRateLimited(over, over.body, trace.traceId);
      expect(await medusaRequestsFor(trace.traceId)).toEqual([]);
    });
  });

  it("per cart: only new runs count (not replays); past the limit, 429 and no Medusa call", { timeout: CASE_TIMEOUT_MS }, async () => {
    const limit = limitOf("RATE_LIMIT_PREPARE_PER_CART");
    await withinOneWindow(50_000, async () => {
      const { shopper, body } = await readyToPrepare();
      for (let n = 1; n <= limit; n += 1) {
        const answer = await shopper.prepare(body, { idempotencyKey: `per-cart-limit-${n}` });
        expect(answer.status, `run ${n}: ${JSON.stringify(answer.body)}`).toBe(200);
        // A replay of the same key does not count against the cart.
        expect((await shopper.prepare(body, { idempotencyKey: `per-cart-limit-${n}` })).headers.get("idempotent-replayed")).toBe("true");
      }
      const trace = newTrace();
      const over = await shopper.prepare(body, { idempotencyKey: "per-cart-limit-over", traceparent: trace.traceparent });
      expectRateLimited(over, over.body, trace.traceId);
      expect(await medusaRequestsFor(trace.traceId)).toEqual([]);
      // The refusal is not stored as the key's answer: the same key is refused again by the
      // limit itself, not replayed.
      const again = await shopper.prepare(body, { idempotencyKey: "per-cart-limit-over" });
      expect(again.status).toBe(429);
      expect(again.headers.get("idempotent-replayed")).toBeNull();
      // Another cart of the same client is unaffected.
      const other = await shopperWithCart(shopper.clientIp);
      const elsewhere = await other.prepare({ ...body, shipping_option_id: await shippingOptionId(other.cartId) });
      expect(elsewhere.status).toBe(200);
    });
  });
});

describe("cart mutation rate limits", () => {
  /**
   * A quantity change naming a line that is not in the cart: counted, then one Medusa read,
   * no write. Sent as the page sends it with JavaScript (`.data`: the action alone, no
   * page render afterwards), so every Medusa call of its trace is the action's.
   */
  async function missingLineUpdate(shopper: Shopper, traceparent?: string) {
    const answer = await shopper.post("/cart.data", new URLSearchParams({ intent: "update-quantity", line_id: "cali_NOTINTHISCART", quantity: "2" }).toString(), {
      ...shopper.headers(traceparent ? { traceparent } : {}),
      "content-type": FORM,
    });
    return answer;
  }

  it("per cart: past the limit, 429 with Retry-After and no Medusa call; the cart is unchanged", { timeout: CASE_TIMEOUT_MS }, async () => {
    const limit = limitOf("RATE_LIMIT_CART_PER_CART");
    await withinOneWindow(30_000, async () => {
      // Its first add to cart made the cart, so it counted for the client only.
      const shopper = await shopperWithCart();
      const before = await readCart(shopper.cartId);
      for (let n = 1; n <= limit; n += 1) {
        expect((await missingLineUpdate(shopper)).status, `request ${n}`).toBe(404);
      }
      const trace = newTrace();
      const over = await missingLineUpdate(shopper, trace.traceparent);
      expectRateLimited(over, await answerBody(over, "/cart.data"), trace.traceId);
      expect(await medusaRequestsFor(trace.traceId)).toEqual([]);
      // Without JavaScript (a document post) the page says so, with the same status and Retry-After.
      const page = await shopper.post("/cart", new URLSearchParams({ intent: "remove", line_id: before.items[0]!.id }).toString(), {
        ...shopper.headers(),
        "content-type": FORM,
      });
      expect(page.status).toBe(429);
      expect(page.headers.get("retry-after")).toBe("60");
      expect(page.text).toContain("Too many requests for this cart");
      // Another client working on another cart is not held back.
      const other = await shopperWithCart();
      expect((await missingLineUpdate(other)).status).toBe(404);
      expect((await readCart(shopper.cartId)).items.map((item) => item.quantity)).toEqual(before.items.map((item) => item.quantity));
    });
  });

  it("per client, across carts: past the limit, 429 even on a fresh cart", { timeout: CASE_TIMEOUT_MS }, async () => {
    const limit = limitOf("RATE_LIMIT_CART_PER_CLIENT");
    const perCart = limitOf("RATE_LIMIT_CART_PER_CART");
    await withinOneWindow(40_000, async () => {
      const clientIp = newClientIp();
      // Enough carts that no single one reaches its own limit; each add to cart counts once.
      const carts = await Promise.all(Array.from({ length: Math.ceil(limit / (perCart - 1)) + 1 }, () => shopperWithCart(clientIp)));
      let sent = carts.length;
      for (let n = 0; sent < limit; n += 1) {
        const answer = await missingLineUpdate(carts[n % carts.length]!);
        expect(answer.status, `request ${sent + 1}`).toBe(404);
        sent += 1;
      }
      const trace = newTrace();
      const over = await missingLineUpdate(carts.at(-1)!, trace.traceparent);
      expectRateLimited(over, await answerBody(over, "/cart.data"), trace.traceId);
      expect(await medusaRequestsFor(trace.traceId)).toEqual([]);
    });
  });
});
