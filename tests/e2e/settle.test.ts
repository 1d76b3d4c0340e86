// Issue 10 in Chromium: the shopper pays for the last units while another shopper buys them
// from Medusa; the return page says they sold out and that the hold was released, and the
// cart shows what is left. Read back: no order, the PaymentIntent canceled.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchChromium } from "../../dev/chromium.ts";
import { AUSTIN, chooseShipping, fillContactAndAddress, payButton, SERVER, useCard } from "../support/checkout-page.ts";
import { availableStock, setAvailableStock } from "../support/medusa-admin.ts";
import { buyElsewhere } from "../support/medusa-buyer.ts";
import { cartIdFromCookie, medusaGet, shippingOptionId } from "../support/medusa.ts";
import { orderIdsForCart } from "../support/orders.ts";
import { injectFault } from "../support/proxy.ts";
import { Shopper, TEXAS_ADDRESS, variantId } from "../support/shopper.ts";
import { confirmAsBrowser, readPaymentIntent } from "../support/stripe-sim.ts";

const stack = inject("stack");
const baseUrl = stack.storefronts.preview!;
// A variant no other test uses (tests/stack/settle.test.ts uses the 750 ml).
const BOTTLE = { handle: "insulated-water-bottle", variant: "500 ml", sku: "BOTTLE-500", title: "Insulated Steel Water Bottle (500 ml)" };

let browser: Browser;
let stockBefore: number;
beforeAll(async () => {
  browser = await launchChromium();
  stockBefore = await availableStock(BOTTLE.sku);
});
afterAll(async () => {
  await browser?.close();
  await setAvailableStock(BOTTLE.sku, stockBefore);
});

/** A shopper with two bottles in the cart, on the checkout page with address and shipping filled in. */
async function atCheckoutWithTwoBottles() {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });
  await page.goto(`${baseUrl}/products/${BOTTLE.handle}`);
  await page.getByRole("radio", { name: new RegExp(`^${BOTTLE.variant}`) }).check();
  await page.getByLabel("Quantity").fill("2");
  await page.getByRole("button", { name: "Add to cart" }).click();
  await expect.poll(() => page.getByRole("status").textContent(), SERVER).toMatch(/Added 2/);
  await page.goto(`${baseUrl}/checkout`);
  await page.getByLabel("Card number").waitFor();
  const cartId = cartIdFromCookie((await context.cookies(baseUrl)).find((cookie) => cookie.name === "cart")!.value);
  await fillContactAndAddress(page, AUSTIN);
  await chooseShipping(page, "Standard Shipping", "$5.00");
  await useCard(page, "success");
  return { context, page, cartId, consoleErrors, total: (await page.getByTestId("checkout-total").textContent())! };
}

async function simPaymentIntents() {
  const { data } = (await (await fetch(`${stack.stripeSimUrl}/_sim/payment_intents`)).json()) as { data: { id: string; metadata: Record<string, string> }[] };
  return data;
}

describe("the last units sell while the shopper pays", () => {
  it("releases the hold, tells the shopper what sold out, and the cart shows it", async () => {
    await setAvailableStock(BOTTLE.sku, 2);
    const { context, page, cartId, consoleErrors, total } = await atCheckoutWithTwoBottles();
    // The payment is prepared (the stock was there); while the card is being confirmed,
    // someone else buys the last two from Medusa.
    const bottleVariant = await variantId(BOTTLE.handle, BOTTLE.variant);
    await page.route(/\/v1\/payment_intents\/[^/]+\/confirm$/, async (route) => {
      await buyElsewhere(bottleVariant, 2);
      await route.continue();
    });
    await payButton(page).click();
    await page.waitForURL(/\/checkout\/complete\?attempt=/, { timeout: 30_000 });
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent(), { timeout: 30_000 }).toBe("We couldn't place your order");
    expect(await page.getByTestId("released-what").textContent()).toBe(`${BOTTLE.title} sold out while you were paying. We couldn't place your order.`);
    expect(await page.getByTestId("released-money").textContent()).toBe(`Your card was not charged: the hold of ${total} has been released.`);
    await page.screenshot({ path: "dev/.state/screenshots/released.png", fullPage: true });

    const attemptId = new URL(page.url()).searchParams.get("attempt")!;
    expect(attemptId).toMatch(/^ca_/);
    expect(await orderIdsForCart(cartId)).toEqual([]);
    const intent = (await simPaymentIntents()).find((candidate) => candidate.metadata.checkout_attempt_id === attemptId);
    expect((await readPaymentIntent(intent!.id)).status).toBe("canceled");

    await page.getByRole("link", { name: "Back to your cart" }).click();
    await page.waitForURL(`${baseUrl}/cart`);
    expect(await page.getByTestId("line-stock").textContent()).toBe("Sold out: remove it to check out.");
    await page.screenshot({ path: "dev/.state/screenshots/released-cart.png", fullPage: true });
    expect(consoleErrors).toEqual([]);
    await context.close();
  });

  it("sold before Pay is pressed: refused before any payment exists, with what is left", async () => {
    await setAvailableStock(BOTTLE.sku, 2);
    const { context, page, cartId, consoleErrors } = await atCheckoutWithTwoBottles();
    // While the shopper fills the form, the shop's stock falls to one.
    await setAvailableStock(BOTTLE.sku, 1);
    const answered = page.waitForResponse((response) => new URL(response.url()).pathname.endsWith("/prepare-for-payment"));
    await payButton(page).click();
    const answer = await answered;
    expect(answer.status()).toBe(409);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe("out_of_stock");
    await expect
      .poll(() => page.locator("#checkout-problem").textContent(), SERVER)
      .toContain(`Not enough stock: only 1 of ${BOTTLE.title} left (you have 2). Update your cart to continue; nothing was charged.`);
    // No payment was asked for: the cart never got a payment collection.
    const cart = (await medusaGet<{ cart: { payment_collection?: unknown } }>(`/store/carts/${cartId}?fields=*payment_collection`)).cart;
    expect(cart.payment_collection ?? null).toBeNull();
    expect(page.url()).toBe(`${baseUrl}/checkout`);
    await page.screenshot({ path: "dev/.state/screenshots/out-of-stock-at-pay.png", fullPage: true });
    // The browser logs the refused request (HTTP 409) itself; nothing else may appear.
    expect(consoleErrors.filter((line) => !line.includes("409"))).toEqual([]);
    await context.close();
  });
});

describe("an order Medusa can't make yet", () => {
  it("keeps the return page checking, and after 2 minutes says the order is delayed, that nothing is charged twice, and the reference", async () => {
    const shopper = new Shopper(baseUrl);
    await shopper.addToCart("canvas-tote-bag", "Natural", 1);
    const prepared = await shopper.prepared({ email: "delayed@example.com", shipping_address: TEXAS_ADDRESS, shipping_option_id: await shippingOptionId(shopper.cartId) });
    // Medusa is unreachable for this cart's completion: every try is transient.
    await injectFault({ kind: "down", method: "POST", path: `^/store/carts/${shopper.cartId}/complete$`, times: 1000 });
    expect((await confirmAsBrowser(prepared.client_secret, "pm_card_visa")).body.status).toBe("requires_capture");

    const context = await browser.newContext();
    const cartCookie = shopper.cookie.split("; ").find((cookie) => cookie.startsWith("cart="))!.slice("cart=".length);
    await context.addCookies([{ name: "cart", value: cartCookie, url: baseUrl }]);
    const page = await context.newPage();
    await page.clock.install();
    await page.goto(`${baseUrl}/checkout/complete?attempt=${prepared.checkout_attempt_id}`);
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Finishing your order…");
    // Hydrated: the page's own timers run from here (a loaded machine hydrates late).
    await page.locator('[role="status"][data-checking="true"]').waitFor();
    await page.clock.fastForward("01:50");
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Finishing your order…");
    await page.clock.fastForward("00:15");
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Your order is delayed");
    expect(await page.getByRole("status").textContent()).toBe(
      "Your payment is in, but our shop is taking longer than usual to create your order. You won't be charged twice: we keep trying, and this page updates by itself. If you contact us, quote the reference below.",
    );
    expect(await page.getByTestId("attempt-id").textContent()).toBe(prepared.checkout_attempt_id);
    await page.screenshot({ path: "dev/.state/screenshots/delayed.png", fullPage: true });
    await context.close();
  });
});
