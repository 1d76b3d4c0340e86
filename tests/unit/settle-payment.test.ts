// What the storefront does with a paid attempt whose cart Medusa refuses to complete
// (issue 10, section 1): Medusa's completion answers as Medusa 2.21 words them (its
// completion route and workflow steps), read as transient or permanent; a permanent one
// releases the money once, under one idempotency key, however often the news arrives.
import { afterEach, describe, expect, it, vi } from "vitest";
import { createAttempt, readAttempt, type AttemptStore } from "../../app/lib/checkout/attempts.server";
import { applyPaymentIntent, UNKNOWN_REFUSAL_BOUND_MS, type PaymentDeps } from "../../app/lib/checkout/payment/apply-payment.server";
import type { PaymentIntentFacts } from "../../app/lib/checkout/payment/payment-intent";
import { createLogger } from "../../app/lib/log.server";
import { createMedusaClient } from "../../app/lib/medusa/client.server";
import { completeCart } from "../../app/lib/medusa/order.server";
import { ScriptedKv } from "../support/scripted-medusa.ts";

type Answer = { status: number; body: unknown };
/** The cart as Medusa reads it back: its payment session's intent is `pi_01` unless said otherwise. */
const cartWithSession = (intentId = "pi_01"): Answer => ({
  status: 200,
  body: {
    cart: {
      id: "cart_01",
      currency_code: "usd",
      total: 29.98,
      payment_collection: { id: "pay_col_01", payment_sessions: [{ id: "payses_01", provider_id: "pp_stripe_stripe", data: { id: intentId, amount: 2998, currency: "usd" } }] },
    },
  },
});
/** Medusa answering completions with `answers` (the last one repeats) and cart reads with `cart`. */
const medusaAnswering = (answers: Answer[], cart: Answer = cartWithSession()) => {
  const calls: string[] = [];
  const client = createMedusaClient({
    baseUrl: "http://medusa.test",
    publishableKey: "pk_test",
    timeoutMs: 1000,
    logger: createLogger("0".repeat(32), "/test"),
    fetch: async (input, init) => {
      const method = init?.method ?? "GET";
      calls.push(`${method} ${new URL(String(input)).pathname}`);
      const answer = method === "GET" ? cart : answers.length > 1 ? answers.shift()! : answers[0]!;
      return Response.json(answer.body, { status: answer.status });
    },
  });
  return { client, calls };
};
const refusal = (status: number, type: string, message: string, code?: string): Answer => ({ status, body: { type, message, ...(code ? { code } : {}) } });

describe("Medusa's answers to completing a cart", () => {
  const cases: [string, Answer, { kind: string; reason?: string }][] = [
    ["409 already being completed", refusal(409, "conflict", "Cart is already being completed by another request"), { kind: "transient" }],
    ["200 cart with a payment authorization error", { status: 200, body: { type: "cart", cart: {}, error: { message: "Payment authorization failed", name: "Error", type: "payment_authorization_error" } } }, { kind: "transient" }],
    ["400 session not authorized with the provider", refusal(400, "not_allowed", "Session: payses_01 was not authorized with the provider."), { kind: "transient" }],
    ["400 not enough stock (inventory module)", refusal(400, "not_allowed", "Not enough stock available for item iitem_01 at location sloc_01"), { kind: "permanent", reason: "out_of_stock" }],
    ["400 insufficient inventory (confirm-inventory step)", refusal(400, "not_allowed", "Some variant does not have the required inventory", "insufficient_inventory"), { kind: "permanent", reason: "out_of_stock" }],
    ["404 cart not found", refusal(404, "not_found", "Cart id not found: cart_01"), { kind: "permanent", reason: "cart_gone" }],
    ["400 no items", refusal(400, "invalid_data", "Cannot complete a cart with no items"), { kind: "permanent", reason: "cart_changed" }],
    ["400 shipping options invalid", refusal(400, "invalid_data", "Shipping Options are invalid for cart."), { kind: "permanent", reason: "cart_changed" }],
    ["400 no shipping method", refusal(400, "invalid_data", "No shipping method selected but the cart contains items that require shipping."), { kind: "permanent", reason: "cart_changed" }],
    ["400 no payment session", refusal(400, "invalid_data", "Payment sessions are required to complete cart"), { kind: "permanent", reason: "cart_changed" }],
    ["400 items without a price", refusal(400, "invalid_data", "Items item_01 do not have a price"), { kind: "permanent", reason: "cart_changed" }],
    ["400 already completed (not readable: bounded retries)", refusal(400, "invalid_data", "Cart cart_01 is already completed."), { kind: "unknown" }],
    ["400 anything else", refusal(400, "invalid_data", "Something new in a later Medusa"), { kind: "unknown" }],
  ];
  it.each(cases)("%s", async (_label, answer, expected) => {
    const { client } = medusaAnswering([answer]);
    expect(await completeCart(client, "cart_01")).toMatchObject(expected);
  });

  it("an order is an order; 5xx and no answer are thrown for the caller to retry", async () => {
    expect(await completeCart(medusaAnswering([{ status: 200, body: { type: "order", order: { id: "order_01", display_id: 1 } } }]).client, "cart_01")).toEqual({
      kind: "order",
      orderId: "order_01",
    });
    await expect(completeCart(medusaAnswering([refusal(500, "unknown_error", "An unknown error occurred.")]).client, "cart_01")).rejects.toMatchObject({ kind: "http", status: 500 });
  });
});

describe("a paid attempt whose cart can't become an order", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });
  async function paidAttempt(kv: AttemptStore) {
    return createAttempt(kv, {
      id: "ca_0123456789ABCDEFGHJKMNPQ",
      cart_id: "cart_01",
      trace_id: "1".repeat(32),
      email: "ada@example.com",
      shipping_address: null,
      items: [{ title: "Canvas Tote Bag", variant_title: "Natural", variant_id: "variant_01", product_id: null, quantity: 1, unit_price: 2400 }],
      totals: { total: 2998, subtotal: 2400, tax: 198, shipping: 400 },
      currency_code: "usd",
      amount: 2998,
      payment_intent_id: "pi_01",
      payment_collection_id: "pay_col_01",
    });
  }
  const intent = (status: string): PaymentIntentFacts => ({ id: "pi_01", status, amount: 2998, currency: "usd", attemptId: "ca_0123456789ABCDEFGHJKMNPQ" });

  function deps(kv: ScriptedKv, answers: Answer[], now = () => new Date(), cart?: Answer) {
    const medusa = medusaAnswering(answers, cart);
    const releases: { intent: string; key: string }[] = [];
    const lines: string[] = [];
    for (const stream of ["log", "error"] as const) {
      vi.spyOn(console, stream).mockImplementation((line: unknown) => {
        lines.push(String(line));
      });
    }
    const value: PaymentDeps = {
      medusa: medusa.client,
      attempts: kv.asBinding(),
      logger: createLogger("2".repeat(32), "/webhooks/stripe"),
      releasePayment: async (paid, key) => {
        releases.push({ intent: paid.id, key });
        return paid.status === "succeeded" ? { action: "refund", id: "re_01" } : { action: "cancel", id: paid.id };
      },
      now,
    };
    return { deps: value, releases, lines, calls: medusa.calls };
  }

  it("a captured payment is refunded once, under the attempt's key, however many times the news comes", async () => {
    const kv = new ScriptedKv([]);
    await paidAttempt(kv.asBinding());
    const world = deps(kv, [refusal(400, "invalid_data", "Shipping Options are invalid for cart.")]);
    const first = await applyPaymentIntent(world.deps, intent("succeeded"));
    expect(first).toMatchObject({ kind: "released", release: { reason: "cart_changed", action: "refund", stripe_id: "re_01" } });
    const again = await applyPaymentIntent(world.deps, intent("succeeded"));
    expect(again).toEqual(first);
    expect(world.releases).toEqual([{ intent: "pi_01", key: "release-ca_0123456789ABCDEFGHJKMNPQ" }]);
    expect(world.calls).toEqual(["GET /store/carts/cart_01", "POST /store/carts/cart_01/complete"]);
    const record = await readAttempt(kv.asBinding(), "ca_0123456789ABCDEFGHJKMNPQ");
    expect(record).toMatchObject({ status: "released", release: { reason: "cart_changed", detail: "Shipping Options are invalid for cart.", action: "refund", stripe_id: "re_01" } });
    const alerts = world.lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.level === "error");
    expect(alerts).toEqual([expect.objectContaining({ msg: "paid cart could not become an order: payment released", attempt_id: "ca_0123456789ABCDEFGHJKMNPQ", release_action: "refund" })]);
  });

  it("when Stripe can't be reached, asks for a retry; the retry releases under the same key", async () => {
    const kv = new ScriptedKv([]);
    await paidAttempt(kv.asBinding());
    const world = deps(kv, [refusal(404, "not_found", "Cart id not found: cart_01")]);
    let failing = true;
    const release = world.deps.releasePayment;
    world.deps.releasePayment = async (paid, key) => {
      if (failing) {
        failing = false;
        throw new Error("connection refused");
      }
      return release(paid, key);
    };
    expect(await applyPaymentIntent(world.deps, intent("requires_capture"))).toMatchObject({ kind: "retry" });
    expect((await readAttempt(kv.asBinding(), "ca_0123456789ABCDEFGHJKMNPQ"))?.status).toBe("prepared");
    expect(await applyPaymentIntent(world.deps, intent("requires_capture"))).toMatchObject({ kind: "released", release: { reason: "cart_gone", action: "cancel" } });
    expect(world.releases).toEqual([{ intent: "pi_01", key: "release-ca_0123456789ABCDEFGHJKMNPQ" }]);
  });

  it("an unreadable refusal is retried until the bound, then the money is released", async () => {
    const kv = new ScriptedKv([]);
    await paidAttempt(kv.asBinding());
    let clock = Date.parse("2026-12-03T12:00:00Z");
    const world = deps(kv, [refusal(400, "invalid_data", "Something new in a later Medusa")], () => new Date(clock));
    expect(await applyPaymentIntent(world.deps, intent("requires_capture"))).toMatchObject({ kind: "retry" });
    clock += UNKNOWN_REFUSAL_BOUND_MS - 1000;
    expect(await applyPaymentIntent(world.deps, intent("requires_capture"))).toMatchObject({ kind: "retry" });
    expect(world.releases).toEqual([]);
    clock += 2000;
    expect(await applyPaymentIntent(world.deps, intent("requires_capture"))).toMatchObject({ kind: "released", release: { reason: "unknown_refusal" } });
    expect(world.releases).toHaveLength(1);
  });

  it("a payment a newer prepare replaced is released without asking Medusa to complete the cart", async () => {
    const kv = new ScriptedKv([]);
    await paidAttempt(kv.asBinding());
    const world = deps(kv, [{ status: 200, body: { type: "order", order: { id: "order_paid_by_the_other", display_id: 7 } } }], undefined, cartWithSession("pi_02"));
    expect(await applyPaymentIntent(world.deps, intent("requires_capture"))).toMatchObject({ kind: "released", release: { reason: "cart_changed", action: "cancel" } });
    expect(world.calls).toEqual(["GET /store/carts/cart_01"]);
    expect(world.releases).toEqual([{ intent: "pi_01", key: "release-ca_0123456789ABCDEFGHJKMNPQ" }]);
  });

  it("a transient refusal never releases", async () => {
    const kv = new ScriptedKv([]);
    await paidAttempt(kv.asBinding());
    const world = deps(kv, [refusal(409, "conflict", "Cart is already being completed by another request")]);
    for (let i = 0; i < 3; i++) expect(await applyPaymentIntent(world.deps, intent("requires_capture"))).toMatchObject({ kind: "retry" });
    expect(world.releases).toEqual([]);
    expect((await readAttempt(kv.asBinding(), "ca_0123456789ABCDEFGHJKMNPQ"))?.status).toBe("prepared");
  });
});
