// Issue 10, section 2 in Chromium: one shopper, two tabs of one cart. Tab A is in the middle
// of paying (its 3D Secure challenge open) when tab B changes the quantity: the payment of
// tab A is canceled before the change, tab B says so, tab A can't pay the old total, and
// paying again charges the new one. Read back: the PaymentIntents in the simulator, the
// order in Medusa.
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchChromium } from "../../dev/chromium.ts";
import { PAYMENT_CANCELED } from "../../app/lib/checkout/payment/in-flight.server.ts";
import { AUSTIN, chooseShipping, fillContactAndAddress, payButton, SERVER, useCard } from "../support/checkout-page.ts";
import { cartIdFromCookie } from "../support/medusa.ts";
import { orderIdsForCart } from "../support/orders.ts";
import { readPaymentIntent } from "../support/stripe-sim.ts";

const stack = inject("stack");
/** What this test saw, for a person to look at (not compared). */
const SCREENSHOTS = path.join(path.dirname(stack.workerConfig), "screenshots");
mkdirSync(SCREENSHOTS, { recursive: true });
const baseUrl = stack.storefronts.preview!;

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe("two tabs of one cart", () => {
  it("a change in one tab while the other is paying cancels that payment first, says so, and the next payment charges the new total", async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const consoleErrors: string[] = [];
    const failedRequests: string[] = [];
    const tabA = await context.newPage();
    tabA.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    tabA.on("response", (response) => {
      if (response.status() >= 400) failedRequests.push(`${response.status()} ${new URL(response.url()).pathname}`);
    });
    await tabA.goto(`${baseUrl}/products/dot-grid-notebook`);
    await tabA.getByRole("radio", { name: /^A5/ }).check();
    await tabA.getByRole("button", { name: "Add to cart" }).click();
    await expect.poll(() => tabA.getByRole("status").textContent(), SERVER).toMatch(/Added/);
    const cartId = cartIdFromCookie((await context.cookies(baseUrl)).find((cookie) => cookie.name === "cart")!.value);

    await tabA.goto(`${baseUrl}/checkout`);
    await tabA.getByLabel("Card number").waitFor();
    await fillContactAndAddress(tabA, AUSTIN);
    await chooseShipping(tabA, "Standard Shipping", "$5.00");
    const oldTotal = await tabA.getByTestId("checkout-total").textContent();
    await useCard(tabA, "3D Secure");
    const prepared = tabA.waitForResponse((response) => new URL(response.url()).pathname.endsWith("/prepare-for-payment"));
    await payButton(tabA).click();
    const firstIntentId = ((await (await prepared).json()) as { payment_intent_id: string }).payment_intent_id;
    const challenge = tabA.getByRole("dialog", { name: /Authentication required/ });
    await challenge.waitFor();
    expect((await readPaymentIntent(firstIntentId)).status).toBe("requires_action");

    // Tab B: the same cart, one more notebook.
    const tabB = await context.newPage();
    tabB.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    await tabB.goto(`${baseUrl}/cart`);
    await tabB.getByLabel(/^Quantity for/).fill("2");
    await tabB.getByRole("button", { name: "Update" }).click();
    await expect.poll(() => tabB.getByRole("status").textContent(), SERVER).toBe(`Quantity updated. ${PAYMENT_CANCELED}`);
    expect((await readPaymentIntent(firstIntentId)).status).toBe("canceled");
    await tabB.screenshot({ path: path.join(SCREENSHOTS, "two-tabs-b-notice.png"), fullPage: true });

    // Tab A finishes its challenge: the payment it was for is gone, so nothing is charged.
    await challenge.getByRole("button", { name: "Complete authentication" }).click();
    await expect.poll(() => tabA.getByRole("alert").count(), SERVER).toBeGreaterThan(0);
    expect(tabA.url()).toBe(`${baseUrl}/checkout`);
    await tabA.screenshot({ path: path.join(SCREENSHOTS, "two-tabs-a-after-challenge.png"), fullPage: true });
    expect((await readPaymentIntent(firstIntentId)).status).toBe("canceled");
    expect(await orderIdsForCart(cartId)).toEqual([]);

    // Back on checkout, the total is the new cart's, and paying it makes one order for it.
    await tabA.reload();
    await tabA.getByLabel("Card number").waitFor();
    await fillContactAndAddress(tabA, AUSTIN);
    await chooseShipping(tabA, "Standard Shipping", "$5.00");
    const newTotal = await tabA.getByTestId("checkout-total").textContent();
    expect(newTotal).not.toBe(oldTotal);
    await useCard(tabA, "success");
    await payButton(tabA).click();
    await tabA.waitForURL(/\/orders\/[^/]+\/confirmed$/, { timeout: 30_000 });
    expect(await tabA.getByTestId("order-total").textContent()).toBe(newTotal);
    expect(await orderIdsForCart(cartId)).toHaveLength(1);
    // The one failure is Stripe's: the challenge answered for a PaymentIntent canceled
    // meanwhile (Chromium logs every 4xx it receives).
    expect(failedRequests).toEqual([`400 /v1/payment_intents/${firstIntentId}/_authenticate`]);
    expect(consoleErrors).toEqual(["Failed to load resource: the server responded with a status of 400 (Bad Request)"]);
    await context.close();
  });
});
