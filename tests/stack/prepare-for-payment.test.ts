// POST /api/carts/:id/prepare-for-payment against the real Medusa and the Stripe simulator,
// through the production build (checkout contract, section 2).
import { describe, expect, inject, it } from "vitest";
import { toMinorUnits } from "../../app/lib/money.ts";
import { medusaGet, readCart, shippingOptionId } from "../support/medusa.ts";
import { medusaRequestsFor, newTrace } from "../support/proxy.ts";
import { CALIFORNIA_ADDRESS, Shopper, TEXAS_ADDRESS } from "../support/shopper.ts";
import { readPaymentIntent } from "../support/stripe-sim.ts";

const stack = inject("stack");
const baseUrl = stack.storefronts.preview!;

async function shopperWithCart() {
  const shopper = new Shopper(baseUrl);
  await shopper.addToCart("organic-cotton-tee", "M", 2);
  await shopper.addToCart("dot-grid-notebook", "A5", 1);
  return shopper;
}

function body(shopperCartOption: string, extra: Record<string, unknown> = {}) {
  return { email: "ada@Example.COM", shipping_address: TEXAS_ADDRESS, shipping_option_id: shopperCartOption, ...extra };
}

describe("prepare-for-payment", () => {
  it("sets details, shipping and a Stripe session, and charges exactly Medusa's total", async () => {
    const shopper = await shopperWithCart();
    const standard = await shippingOptionId(shopper.cartId, "Standard");
    const { status, body: answer, headers } = await shopper.prepare(body(standard, { idempotency_key: "first-try-0001" }));
    expect(status).toBe(200);
    expect(headers.get("x-trace-id")).toBe(answer.trace_id);
    const cart = await readCart(shopper.cartId);
    expect(answer.amount).toBe(toMinorUnits(cart.total, "usd"));
    expect(answer.currency_code).toBe("usd");
    expect(answer.client_secret).toMatch(/^pi_\w+_secret_\w+$/);
    expect(answer.checkout_attempt_id).toMatch(/^ca_[0-9A-Z]{24}$/);

    const intent = await readPaymentIntent(answer.payment_intent_id!);
    expect(intent.amount).toBe(answer.amount);
    expect(intent.capture_method).toBe("manual");
    // Only the attempt id (and Medusa's own session id) reach Stripe.
    expect(Object.keys(intent.metadata).sort()).toEqual(["checkout_attempt_id", "session_id"]);
    expect(intent.metadata.checkout_attempt_id).toBe(answer.checkout_attempt_id);

    const details = await medusaGet<{ cart: { email: string; metadata: Record<string, string>; shipping_address: { province: string }; billing_address: { city: string }; shipping_methods: { shipping_option_id: string }[] } }>(
      `/store/carts/${shopper.cartId}?fields=email,metadata,*shipping_address,*billing_address,*shipping_methods`,
    );
    expect(details.cart.email).toBe("ada@example.com");
    expect(details.cart.metadata.checkout_attempt_id).toBe(answer.checkout_attempt_id);
    expect(details.cart.shipping_address.province).toBe("us-tx");
    expect(details.cart.billing_address.city).toBe("Austin");
    expect(details.cart.shipping_methods.map((method) => method.shipping_option_id)).toEqual([standard]);
  });

  it("a second submission with the same key makes no backend call and gets the first answer", async () => {
    const shopper = await shopperWithCart();
    const standard = await shippingOptionId(shopper.cartId, "Standard");
    const first = await shopper.prepare(body(standard, { idempotency_key: "replay-key-0001" }));
    expect(first.status).toBe(200);
    const trace = newTrace();
    const second = await shopper.prepare(body(standard, { idempotency_key: "replay-key-0001" }), { traceparent: trace.traceparent });
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(await medusaRequestsFor(trace.traceId)).toEqual([]);
  });

  it("the same key with another body is idempotency_key_reused and changes nothing", async () => {
    const shopper = await shopperWithCart();
    const standard = await shippingOptionId(shopper.cartId, "Standard");
    await shopper.prepare(body(standard, { idempotency_key: "reused-key-0001" }));
    const trace = newTrace();
    const other = await shopper.prepare(body(standard, { idempotency_key: "reused-key-0001", email: "someone@else.com" }), {
      traceparent: trace.traceparent,
    });
    expect(other.status).toBe(409);
    expect(other.body.error!.code).toBe("idempotency_key_reused");
    expect(await medusaRequestsFor(trace.traceId)).toEqual([]);
  });

  it("without a key, a blind retry of the same submission is recognised and writes nothing", async () => {
    const shopper = await shopperWithCart();
    const standard = await shippingOptionId(shopper.cartId, "Standard");
    const first = await shopper.prepare(body(standard));
    const trace = newTrace();
    const retry = await shopper.prepare(body(standard), { traceparent: trace.traceparent });
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    // One read checks the stored answer is still the cart's payment; no write.
    expect((await medusaRequestsFor(trace.traceId)).map((request) => request.method)).toEqual(["GET"]);
  });

  it("answers total_changed with the new amount when the shopper saw another total, and restores the cart", async () => {
    const shopper = await shopperWithCart();
    const standard = await shippingOptionId(shopper.cartId, "Standard");
    const before = await readCart(shopper.cartId);
    const { status, body: answer } = await shopper.prepare(body(standard, { expected_total: 1 }));
    expect(status).toBe(409);
    expect(answer.error!.code).toBe("total_changed");
    expect(answer.error!.amount).toBeGreaterThan(toMinorUnits(before.total, "usd"));
    // Confirming the new total succeeds with exactly that amount.
    const confirmed = await shopper.prepare(body(standard, { expected_total: answer.error!.amount }));
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.amount).toBe(answer.error!.amount);
    // A later submission with new details and a stale total is refused after its writes,
    // and the cart is put back exactly: the confirmed payment stays the cart's.
    const details = () =>
      medusaGet<{ cart: { email: string; metadata: Record<string, unknown> | null; shipping_methods: { shipping_option_id: string }[] } }>(
        `/store/carts/${shopper.cartId}?fields=email,metadata,*shipping_methods`,
      ).then(({ cart }) => ({ email: cart.email, attempt: cart.metadata?.checkout_attempt_id, methods: cart.shipping_methods.map((method) => method.shipping_option_id) }));
    const kept = await details();
    const stale = await shopper.prepare(body(standard, { email: "someone.else@example.com", expected_total: 1 }));
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({ code: "total_changed", amount: confirmed.body.amount, rolled_back: true, left_changed: [] });
    expect(await details()).toEqual(kept);
    expect(kept.attempt).toBe(confirmed.body.checkout_attempt_id);
  });

  it("refuses a province-limited option for an address outside the province, and keeps the previous one", async () => {
    const shopper = await shopperWithCart();
    const texasCourier = await (async () => {
      // The Texas-only option is listed once the cart has a Texas address.
      const ok = await shopper.prepare(body(await shippingOptionId(shopper.cartId, "Standard")));
      expect(ok.status).toBe(200);
      return shippingOptionId(shopper.cartId, "Texas");
    })();
    const inTexas = await shopper.prepare(body(texasCourier));
    expect(inTexas.status).toBe(200);
    const refused = await shopper.prepare({ ...body(texasCourier), shipping_address: CALIFORNIA_ADDRESS });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ code: "shipping_option_unavailable", step: "add_shipping_method", rolled_back: true, left_changed: [] });
    const after = await medusaGet<{ cart: { shipping_address: { province: string }; shipping_methods: { shipping_option_id: string }[] } }>(
      `/store/carts/${shopper.cartId}?fields=*shipping_address,*shipping_methods`,
    );
    expect(after.cart.shipping_address.province).toBe("us-tx");
    expect(after.cart.shipping_methods.map((method) => method.shipping_option_id)).toEqual([texasCourier]);
  });

  it("refuses a cross-origin request and a cart that is not this session's, with no Medusa call", async () => {
    const shopper = await shopperWithCart();
    const stranger = await shopperWithCart();
    const standard = await shippingOptionId(shopper.cartId, "Standard");
    const crossSite = newTrace();
    const cross = await shopper.prepare(body(standard), { origin: "https://evil.example", traceparent: crossSite.traceparent });
    expect(cross.status).toBe(403);
    expect(cross.body.error!.code).toBe("forbidden");
    const foreign = newTrace();
    const theirs = await shopper.prepare(body(standard), { cartId: stranger.cartId, traceparent: foreign.traceparent });
    expect(theirs.status).toBe(403);
    expect(await medusaRequestsFor(crossSite.traceId)).toEqual([]);
    expect(await medusaRequestsFor(foreign.traceId)).toEqual([]);
  });

  it("names each bad field in a 400 and changes nothing", async () => {
    const shopper = await shopperWithCart();
    const trace = newTrace();
    const { status, body: answer } = await shopper.prepare(
      { email: "not-an-email", shipping_address: { ...TEXAS_ADDRESS, postal_code: "ABC" }, shipping_option_id: "", extra: 1 },
      { traceparent: trace.traceparent },
    );
    expect(status).toBe(400);
    expect(answer.error!.code).toBe("invalid_request");
    expect(Object.keys(answer.error!.fields!).sort()).toEqual(["email", "extra", "shipping_address.postal_code", "shipping_option_id"]);
    expect(await medusaRequestsFor(trace.traceId)).toEqual([]);
  });

  it("refuses an idempotency key that is too short, too long, or differs between header and body, before any Medusa call", async () => {
    const shopper = await shopperWithCart();
    const standard = await shippingOptionId(shopper.cartId, "Standard");
    const cases: Array<{ label: string; body: Record<string, unknown>; header?: string }> = [
      { label: "body key of 5", body: body(standard, { idempotency_key: "short" }) },
      { label: "header key of 5", body: body(standard), header: "short" },
      { label: "body key of 256", body: body(standard, { idempotency_key: "k".repeat(256) }) },
      { label: "header and body differ", body: body(standard, { idempotency_key: "body-key-0001" }), header: "header-key-0001" },
    ];
    for (const { label, body: submitted, header } of cases) {
      const trace = newTrace();
      const answer = await shopper.prepare(submitted, { traceparent: trace.traceparent, ...(header ? { idempotencyKey: header } : {}) });
      expect(answer.status, label).toBe(400);
      expect(answer.body.error, label).toMatchObject({ code: "invalid_request", fields: { idempotency_key: expect.any(String) } });
      expect(await medusaRequestsFor(trace.traceId), label).toEqual([]);
    }
  });

  it("accepts the same submission as form fields", async () => {
    const shopper = await shopperWithCart();
    const standard = await shippingOptionId(shopper.cartId, "Standard");
    const form = new URLSearchParams({ email: "form@example.com", shipping_option_id: standard });
    for (const [key, value] of Object.entries(TEXAS_ADDRESS)) form.set(`shipping_address.${key}`, value);
    const { status, body: answer } = await shopper.prepare(null, { contentType: "application/x-www-form-urlencoded", rawBody: form.toString() });
    expect(status).toBe(200);
    expect(answer.client_secret).toBeTruthy();
  });
});
