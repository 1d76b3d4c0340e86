// Issue 10, sections 1 and 4: a paid cart that Medusa can no longer complete gets its money
// back at once and the shopper is told; a cart short of stock is refused before any payment
// exists. Against the real Medusa and the simulator; each test reads the outcome back from
// Medusa (orders, the cart) and from the simulator (the PaymentIntent).
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { availableStock, setAvailableStock } from "../support/medusa-admin.ts";
import { buyElsewhere } from "../support/medusa-buyer.ts";
import { medusaGet, readCart, shippingOptionId } from "../support/medusa.ts";
import { orderIdsForCart } from "../support/orders.ts";
import { medusaRequestsFor, newTrace } from "../support/proxy.ts";
import { Shopper, TEXAS_ADDRESS, variantId } from "../support/shopper.ts";
import { confirmAsBrowser, readPaymentIntent } from "../support/stripe-sim.ts";
import { answerOf, deliveredOk, eventOf } from "../support/webhook-deliveries.ts";

const baseUrl = () => inject("stack").storefronts.preview!;
// A variant no other test uses: its stock is changed here while other files run.
const BOTTLE = { handle: "insulated-water-bottle", variant: "750 ml", sku: "BOTTLE-750", title: "Insulated Steel Water Bottle (750 ml)" };

async function returnPageText(shopper: Shopper, attemptId: string) {
  const response = await shopper.request(`/checkout/complete?attempt=${attemptId}`);
  return { status: response.status, text: await response.text() };
}

describe("a paid cart whose stock sold while the shopper paid", () => {
  let stockBefore: number;
  beforeAll(async () => {
    stockBefore = await availableStock(BOTTLE.sku);
    await setAvailableStock(BOTTLE.sku, 2);
  });
  afterAll(async () => {
    await setAvailableStock(BOTTLE.sku, stockBefore);
  });

  it("has its authorization canceled, makes no order, and the return page says what happened and where the money is", async () => {
    const shopper = new Shopper(baseUrl());
    await shopper.addToCart(BOTTLE.handle, BOTTLE.variant, 2);
    const prepared = await shopper.prepared({ email: "last-bottles@example.com", shipping_address: TEXAS_ADDRESS, shipping_option_id: await shippingOptionId(shopper.cartId) });

    // While the shopper's card is being confirmed, someone else buys the last two.
    await buyElsewhere(await variantId(BOTTLE.handle, BOTTLE.variant), 2);
    expect(await availableStock(BOTTLE.sku)).toBe(0);
    const paid = await confirmAsBrowser(prepared.client_secret, "pm_card_visa");
    expect(paid.body.status).toBe("requires_capture");

    // The storefront's webhook: Medusa refuses for stock, the money is released, 200.
    const capturable = await eventOf(prepared.payment_intent_id, "payment_intent.amount_capturable_updated");
    const deliveries = await deliveredOk(capturable.id);
    expect(answerOf(deliveries.at(-1)!).result).toBe("released");
    expect(deliveries.filter((delivery) => delivery.status === 503)).toEqual([]);

    expect((await readPaymentIntent(prepared.payment_intent_id)).status).toBe("canceled");
    expect(await orderIdsForCart(shopper.cartId)).toEqual([]);

    const page = await returnPageText(shopper, prepared.checkout_attempt_id);
    expect(page.status).toBe(200);
    expect(page.text).toContain("We couldn&#x27;t place your order");
    expect(page.text).toContain(`${BOTTLE.title} sold out while you were paying. We couldn&#x27;t place your order.`);
    const amount = `$${(prepared.amount / 100).toFixed(2)}`;
    expect(page.text).toContain(`Your card was not charged: the hold of ${amount} has been released.`);
    expect(page.text).toContain('href="/cart"');
  });
});

describe("prepare-for-payment checks stock before any payment exists", () => {
  let stockBefore: number;
  beforeAll(async () => {
    stockBefore = await availableStock(BOTTLE.sku);
  });
  afterAll(async () => {
    await setAvailableStock(BOTTLE.sku, stockBefore);
  });

  it("refuses with out_of_stock naming the line and what is left, and changes nothing in Medusa", async () => {
    await setAvailableStock(BOTTLE.sku, 2);
    const shopper = new Shopper(baseUrl());
    await shopper.addToCart(BOTTLE.handle, BOTTLE.variant, 2);
    const body = { email: "short@example.com", shipping_address: TEXAS_ADDRESS, shipping_option_id: await shippingOptionId(shopper.cartId) };
    await setAvailableStock(BOTTLE.sku, 1);

    const trace = newTrace();
    const answer = await shopper.prepare(body, { traceparent: trace.traceparent });
    expect(answer.status).toBe(409);
    expect(answer.body.error).toMatchObject({
      code: "out_of_stock",
      step: "read_cart",
      lines: [{ variant_id: await variantId(BOTTLE.handle, BOTTLE.variant), title: BOTTLE.title, wanted: 2, available: 1 }],
    });
    expect(answer.body.error?.message).toBe(`Not enough stock: only 1 of ${BOTTLE.title} left (you have 2). Update your cart to continue; nothing was charged.`);
    expect((await medusaRequestsFor(trace.traceId)).filter((request) => request.method !== "GET")).toEqual([]);
    const cart = await readCart(shopper.cartId);
    expect(cart.completed_at).toBeNull();
    const unchanged = (await medusaGet<{ cart: { email: string | null; payment_collection?: unknown } }>(`/store/carts/${shopper.cartId}?fields=email,*payment_collection`)).cart;
    expect(unchanged.email).toBeNull();
    expect(unchanged.payment_collection ?? null).toBeNull();

    // With the stock back, the same submission prepares.
    await setAvailableStock(BOTTLE.sku, 2);
    expect((await shopper.prepare(body)).status).toBe(200);
  });
});
