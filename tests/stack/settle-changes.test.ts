// Issue 10, section 5: the world changes between the shopper's payment and the order. A
// price change in Medusa's admin, a write to the cart that bypassed the storefront (so the
// cart is re-priced), the cart deleted in Medusa. Every case ends in exactly one order at
// the paid amount or in released money, read back from Medusa and from the simulator.
import { describe, expect, inject, it } from "vitest";
import { toMinorUnits } from "../../app/lib/money.ts";
import { restoresPrice, setVariantPrice, variantPrice } from "../support/medusa-admin.ts";
import { store } from "../support/medusa-buyer.ts";
import { medusaGet, readCart, shippingOptionId } from "../support/medusa.ts";
import { deleteCartInMedusa, orderIdsForCart } from "../support/orders.ts";
import { CALIFORNIA_ADDRESS, Shopper, TEXAS_ADDRESS } from "../support/shopper.ts";
import { confirmAsBrowser, readPaymentIntent } from "../support/stripe-sim.ts";
import { answerOf, deliveredOk, eventOf, holdingDeliveries } from "../support/webhook-deliveries.ts";

const baseUrl = () => inject("stack").storefronts.preview!;
// A variant no other test file buys: its price is changed here while other files run.
const HOODIE = { handle: "classic-pullover-hoodie", variant: "M / Heather Grey" };

/** A shopper with one hoodie, prepared for payment. */
async function preparedHoodie(email: string) {
  const shopper = new Shopper(baseUrl());
  await shopper.addToCart(HOODIE.handle, HOODIE.variant, 1);
  const prepared = await shopper.prepared({ email, shipping_address: TEXAS_ADDRESS, shipping_option_id: await shippingOptionId(shopper.cartId) });
  return { shopper, cartId: shopper.cartId, prepared };
}

/** Pays (the card is authorized) while every webhook is held; `meanwhile` runs before any is delivered. */
async function payThen(clientSecret: string, meanwhile: () => Promise<void>): Promise<void> {
  await holdingDeliveries(async () => {
    expect((await confirmAsBrowser(clientSecret, "pm_card_visa")).body.status).toBe("requires_capture");
    await meanwhile();
  });
}

async function returnPageText(shopper: Shopper, attemptId: string): Promise<string> {
  return (await shopper.request(`/checkout/complete?attempt=${attemptId}`)).text();
}

describe("a price change in Medusa's admin between the payment and the order", () => {
  restoresPrice(HOODIE.handle, HOODIE.variant);

  it("doesn't reach the paid cart: the one order is at the price paid and its total equals the payment", async () => {
    const { cartId, prepared } = await preparedHoodie("price-change@example.com");
    const paidPrice = await variantPrice(HOODIE.handle, HOODIE.variant);
    await payThen(prepared.client_secret, () => setVariantPrice(HOODIE.handle, HOODIE.variant, paidPrice + 10));

    const capturable = await eventOf(prepared.payment_intent_id, "payment_intent.amount_capturable_updated");
    expect(answerOf((await deliveredOk(capturable.id)).at(-1)!).result).toBe("completed");
    const orders = await orderIdsForCart(cartId);
    expect(orders).toHaveLength(1);
    // Medusa completes a cart with the prices and tax lines it holds; the admin's new price
    // reaches a cart only when the cart is written again (the next case).
    const { order } = await medusaGet<{ order: { total: number; currency_code: string; items: { unit_price: number }[] } }>(`/store/orders/${orders[0]}?fields=total,currency_code,items.unit_price`);
    expect(order.items.map((item) => item.unit_price)).toEqual([paidPrice]);
    expect(toMinorUnits(order.total, order.currency_code)).toBe(prepared.amount);
    expect((await readPaymentIntent(prepared.payment_intent_id)).amount_capturable).toBe(prepared.amount);
  });
});

describe("a paid cart re-priced by a write that bypassed the storefront", () => {
  restoresPrice(HOODIE.handle, HOODIE.variant);

  it("loses its payment (Medusa cancels the authorization with the session); no order, the attempt released, the shopper told", async () => {
    const { shopper, cartId, prepared } = await preparedHoodie("repriced@example.com");
    const paidPrice = await variantPrice(HOODIE.handle, HOODIE.variant);
    await payThen(prepared.client_secret, async () => {
      await setVariantPrice(HOODIE.handle, HOODIE.variant, paidPrice + 10);
      // Any client that knows the cart id can write to it through Medusa's Store API; a
      // tax-relevant address change makes Medusa re-price the items and tax.
      await store(`/store/carts/${cartId}`, { shipping_address: CALIFORNIA_ADDRESS });
    });
    const cart = await readCart(cartId);
    expect(cart.items[0]!.unit_price).toBe(paidPrice + 10);
    expect(toMinorUnits(cart.total, cart.currency_code)).not.toBe(prepared.amount);

    const capturable = await eventOf(prepared.payment_intent_id, "payment_intent.amount_capturable_updated");
    expect(answerOf((await deliveredOk(capturable.id)).at(-1)!).result).toBe("released");
    expect((await readPaymentIntent(prepared.payment_intent_id)).status).toBe("canceled");
    expect(await orderIdsForCart(cartId)).toEqual([]);
    expect((await readCart(cartId)).completed_at).toBeNull();

    const page = await returnPageText(shopper, prepared.checkout_attempt_id);
    expect(page).toContain("Your cart changed while you were paying");
    expect(page).toContain(`Your card was not charged: the hold of $${(prepared.amount / 100).toFixed(2)} has been released.`);
  });
});

describe("a paid cart deleted in Medusa before its order", () => {
  it("has its money released at once (cart_gone), makes no order, and the shopper is told", async () => {
    const { shopper, cartId, prepared } = await preparedHoodie("deleted-cart@example.com");
    await payThen(prepared.client_secret, () => deleteCartInMedusa(cartId));

    const capturable = await eventOf(prepared.payment_intent_id, "payment_intent.amount_capturable_updated");
    const deliveries = await deliveredOk(capturable.id);
    expect(answerOf(deliveries.at(-1)!).result).toBe("released");
    expect(deliveries.filter((delivery) => delivery.status === 503)).toEqual([]);
    expect((await readPaymentIntent(prepared.payment_intent_id)).status).toBe("canceled");
    expect(await orderIdsForCart(cartId)).toEqual([]);

    const page = await returnPageText(shopper, prepared.checkout_attempt_id);
    expect(page).toContain("Your cart expired while you were paying, so we couldn&#x27;t place your order.");
    expect(page).toContain(`Your card was not charged: the hold of $${(prepared.amount / 100).toFixed(2)} has been released.`);
  });
});
