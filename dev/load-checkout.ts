// One `npm run load` shopper (dev/shopper.ts) going from an empty cart to a paid order the
// way a browser does, each step timed: the product page's add-to-cart form, one
// prepare-for-payment, the confirmation Stripe.js (the simulator's stand-in) sends for a test
// card, then the return page until it sends the shopper to the order confirmation.
import { randomBytes } from "node:crypto";
import { REQUEST_TIMEOUT_MS, Shopper, StepFailure, TEXAS_ADDRESS, type Shop } from "./shopper.ts";

export const STEPS = ["add_to_cart", "prepare", "confirm_payment", "order_visible"] as const;
export type Step = (typeof STEPS)[number];

export type LoadShop = Shop & { stripeSimUrl: string; shippingOptionId: string };
export type Item = { handle: string; variantId: string; quantity: number };

/** A browser's Accept header, sent with every request of a load shopper. */
export const BROWSER_HEADERS = { accept: "text/html,application/json;q=0.9,*/*;q=0.8" };

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

/** One shopper from an empty cart to a paid order, each step timed. Never throws. */
export async function checkout(shop: LoadShop, index: number, clientIp: string, item: Item, email: string): Promise<ShopperResult> {
  const shopper = new Shopper(shop, { clientIp, headers: BROWSER_HEADERS });
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
    result.cartId = await timed("add_to_cart", () => shopper.addVariant(item.handle, item.variantId, item.quantity));
    const submission = {
      email,
      shipping_address: TEXAS_ADDRESS,
      shipping_option_id: shop.shippingOptionId,
      idempotency_key: `load-${randomBytes(12).toString("hex")}`,
    };
    const prepared = await timed("prepare", () => shopper.prepared(submission, { cartId: result.cartId! }));
    result.amount = prepared.amount;
    result.currency = prepared.currency_code;
    result.attemptId = prepared.checkout_attempt_id;
    result.paymentIntentId = prepared.payment_intent_id;
    await timed("confirm_payment", () => shopper.confirmPayment(shop.stripeSimUrl, prepared));
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
