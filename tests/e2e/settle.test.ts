// Issue 10 in Chromium: the shopper pays for the last units while another shopper buys them
// from Medusa; the return page says they sold out and that the hold was released, and the
// cart shows what is left. Read back: no order, the PaymentIntent canceled.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchChromium } from "../../dev/chromium.ts";
import { AUSTIN, chooseShipping, fillContactAndAddress, payButton, SERVER, useCard } from "../support/checkout-page.ts";
import { availableStock, setAvailableStock } from "../support/medusa-admin.ts";
import { buyElsewhere } from "../support/medusa-buyer.ts";
import { cartIdFromCookie } from "../support/medusa.ts";
import { orderIdsForCart } from "../support/orders.ts";
import { variantId } from "../support/shopper.ts";
import { readPaymentIntent } from "../support/stripe-sim.ts";

const stack = inject("stack");
const baseUrl = stack.storefronts.preview!;
// A variant no other test uses (tests/stack/settle.test.ts uses the 750 ml).
const BOTTLE = { handle: "insulated-water-bottle", variant: "500 ml", sku: "BOTTLE-500", title: "Insulated Steel Water Bottle (500 ml)" };

let browser: Browser;
let stockBefore: number;
beforeAll(async () => {
  browser = await launchChromium();
  stockBefore = await availableStock(BOTTLE.sku);
  await setAvailableStock(BOTTLE.sku, 2);
});
afterAll(async () => {
  await browser?.close();
  await setAvailableStock(BOTTLE.sku, stockBefore);
});

describe("the last units sell while the shopper pays", () => {
  it("releases the hold, tells the shopper what sold out, and the cart shows it", async () => {
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
    const total = (await page.getByTestId("checkout-total").textContent())!;

    // Someone else takes the last two while this shopper is about to pay.
    await buyElsewhere(await variantId(BOTTLE.handle, BOTTLE.variant), 2);

    await useCard(page, "success");
    await payButton(page).click();
    await page.waitForURL(/\/checkout\/complete\?attempt=/, SERVER);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent(), { timeout: 30_000 }).toBe("We couldn't place your order");
    expect(await page.getByTestId("released-what").textContent()).toBe(`${BOTTLE.title} sold out while you were paying. We couldn't place your order.`);
    expect(await page.getByTestId("released-money").textContent()).toBe(`Your card was not charged: the hold of ${total} has been released.`);
    await page.screenshot({ path: "dev/.state/screenshots/released.png", fullPage: true });

    const attemptId = new URL(page.url()).searchParams.get("attempt")!;
    expect(attemptId).toMatch(/^ca_/);
    expect(await orderIdsForCart(cartId)).toEqual([]);
    const intents = (await (await fetch(`${stack.stripeSimUrl}/_sim/payment_intents`)).json()) as { data: { id: string; metadata: Record<string, string> }[] };
    const intent = intents.data.find((candidate) => candidate.metadata.checkout_attempt_id === attemptId);
    expect((await readPaymentIntent(intent!.id)).status).toBe("canceled");

    await page.getByRole("link", { name: "Back to your cart" }).click();
    await page.waitForURL(`${baseUrl}/cart`);
    expect(await page.getByTestId("line-stock").textContent()).toBe("Sold out: remove it to check out.");
    await page.screenshot({ path: "dev/.state/screenshots/released-cart.png", fullPage: true });
    expect(consoleErrors).toEqual([]);
    await context.close();
  });
});
