// A shopper in real Chromium against the running stack, on both the dev server and the
// production build: browse, pick a variant, add to cart, change quantity, remove, and the
// totals shown are the totals Medusa holds.
import type { BrowserContext, Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { formatMoney } from "../../app/lib/money.ts";
import { SERVER } from "../support/checkout-page.ts";
import { chromiumForThisFile } from "../support/chromium.ts";
import { cartIdFromCookie, readCart } from "../support/medusa.ts";

const stack = inject("stack");
const storefronts = Object.entries(stack.storefronts) as [string, string][];

const browser = chromiumForThisFile();

async function cartIdOf(context: BrowserContext, baseUrl: string): Promise<string> {
  const cookie = (await context.cookies(baseUrl)).find((c) => c.name === "cart");
  if (!cookie) throw new Error("no cart cookie was set");
  return cartIdFromCookie(cookie.value);
}

const money = (amount: number, currency = "usd") => formatMoney(amount, currency);

async function addToCart(page: Page, baseUrl: string, handle: string, option: string, quantity = 1) {
  await page.goto(`${baseUrl}/products/${handle}`);
  await page.getByRole("radio", { name: new RegExp(`^${option}`) }).check();
  await page.getByLabel("Quantity").fill(String(quantity));
  await page.getByRole("button", { name: "Add to cart" }).click();
  await expect.poll(() => page.getByRole("status").textContent(), SERVER).toMatch(/Added/);
}

describe.each(storefronts)("shopping on the %s storefront", (_mode, baseUrl) => {
  it("lists the catalog with prices, images and stock state", async () => {
    const page = await browser().newPage();
    const response = await page.goto(baseUrl);
    expect(response?.status()).toBe(200);
    const cards = page.getByRole("list", { name: "Products" }).getByRole("listitem");
    expect(await cards.count()).toBeGreaterThanOrEqual(6);
    await expect.poll(() => page.getByText("Ceramic Coffee Mug").count()).toBeGreaterThan(0);
    expect(await page.getByText("$14.50").count()).toBeGreaterThan(0);
    // Images come from this storefront, not a remote host, and really load.
    // Images are lazy: bring them all into view, then every one has loaded from this origin.
    await page.locator(".product-card img").last().scrollIntoViewIfNeeded();
    const images = () =>
      page.locator(".product-card img").evaluateAll((nodes) =>
        nodes.map((node) => ({ src: (node as HTMLImageElement).src, loaded: (node as HTMLImageElement).complete && (node as HTMLImageElement).naturalWidth > 0 })),
      );
    expect((await images()).every((image) => image.src.startsWith(`${baseUrl}/images/products/`))).toBe(true);
    await expect.poll(async () => (await images()).every((image) => image.loaded), { timeout: 10_000 }).toBe(true);
    await page.close();
  });

  it("hydrates every shopping page with a clean browser console (no errors, no hydration mismatch)", async () => {
    const context = await browser().newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning") problems.push(`${message.type()}: ${message.text().slice(0, 500)}`);
    });
    page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
    const hydrated = async (path: string) => {
      await page.goto(`${baseUrl}${path}`);
      // The client router exists once hydration has begun; then let it finish.
      await page.waitForFunction(() => (window as unknown as { __reactRouterDataRouter?: unknown }).__reactRouterDataRouter !== undefined);
      await page.waitForLoadState("networkidle");
    };
    await hydrated("/");
    await addToCart(page, baseUrl, "dot-grid-notebook", "A6");
    for (const path of ["/products/ceramic-coffee-mug", "/cart", "/checkout"]) await hydrated(path);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("picks a variant on the product page, shows its price and the low-stock hint", async () => {
    const page = await browser().newPage();
    await page.goto(`${baseUrl}/products/ceramic-coffee-mug`);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Ceramic Coffee Mug");
    await page.getByRole("radio", { name: /^Sage Green/ }).check();
    await expect.poll(() => page.getByTestId("product-price").textContent()).toBe("$16.00");
    expect(await page.getByText("Only 2 left", { exact: true }).count()).toBe(1);
    await page.getByRole("radio", { name: /^Matte Black/ }).check();
    await expect.poll(() => page.getByTestId("product-price").textContent()).toBe("$14.50");
    await page.close();
  });

  it("adds to cart, changes quantity and removes, with totals equal to Medusa's", async () => {
    const context = await browser().newContext();
    const page = await context.newPage();
    await addToCart(page, baseUrl, "organic-cotton-tee", "XL", 2);
    await expect.poll(() => page.getByTestId("cart-count").textContent(), SERVER).toBe("2");
    await addToCart(page, baseUrl, "dot-grid-notebook", "A6", 1);
    await expect.poll(() => page.getByTestId("cart-count").textContent(), SERVER).toBe("3");

    const cartId = await cartIdOf(context, baseUrl);
    await page.goto(`${baseUrl}/cart`);
    let cart = await readCart(cartId);
    expect(cart.items).toHaveLength(2);
    expect(await page.getByTestId("cart-total").textContent()).toBe(money(cart.total));
    expect(await page.getByTestId("cart-subtotal").textContent()).toBe(money(cart.item_subtotal));
    // No address yet: Medusa hasn't taxed the cart, so the page doesn't claim a tax of $0.00.
    expect(await page.getByTestId("cart-tax").textContent()).toBe("Calculated at checkout");
    expect(await page.locator(".cart-summary dt").last().textContent()).toBe("Total before shipping and tax");

    await page.getByLabel("Quantity for Organic Cotton Tee").fill("3");
    await page.getByTestId("cart-line").filter({ hasText: "Organic Cotton Tee" }).getByRole("button", { name: "Update" }).click();
    await expect.poll(() => page.getByRole("status").textContent(), SERVER).toBe("Quantity updated.");
    cart = await readCart(cartId);
    expect(cart.items.find((item) => item.product_title === "Organic Cotton Tee")?.quantity).toBe(3);
    await expect.poll(() => page.getByTestId("cart-total").textContent(), SERVER).toBe(money(cart.total));
    expect(await page.getByTestId("cart-count").textContent()).toBe("4");

    await page.getByRole("button", { name: /Remove Dot Grid Notebook/ }).click();
    await expect.poll(() => page.getByRole("status").textContent(), SERVER).toBe("Item removed.");
    cart = await readCart(cartId);
    expect(cart.items.map((item) => item.product_title)).toEqual(["Organic Cotton Tee"]);
    await expect.poll(() => page.getByTestId("cart-total").textContent(), SERVER).toBe(money(cart.total));
    expect(await page.getByTestId("cart-line").count()).toBe(1);

    await page.getByRole("button", { name: /Remove Organic Cotton Tee/ }).click();
    await expect.poll(() => page.getByText("Your cart is empty.").count(), SERVER).toBe(1);
    expect((await readCart(cartId)).items).toHaveLength(0);
    await context.close();
  });

  it("says how many are left when the shopper asks for more than the stock", async () => {
    const page = await browser().newPage();
    await page.goto(`${baseUrl}/products/ceramic-coffee-mug`);
    await page.getByRole("radio", { name: /^Sage Green/ }).check();
    await page.getByLabel("Quantity").fill("5");
    await page.getByRole("button", { name: "Add to cart" }).click();
    await expect.poll(() => page.getByRole("status").textContent(), SERVER).toMatch(/Only 2 left in stock/);
    await page.close();
  });

  it("adds to cart without JavaScript (progressive enhancement)", async () => {
    const context = await browser().newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/products/canvas-tote-bag`);
    await page.getByRole("radio", { name: /^Black/ }).check();
    await page.getByRole("button", { name: "Add to cart" }).click();
    await page.waitForURL(`${baseUrl}/products/canvas-tote-bag`);
    expect(await page.getByRole("status").textContent()).toMatch(/Added 1 × Canvas Tote Bag/);
    // The same response made the cart and set its cookie; its header already counts the bag.
    expect(await page.getByTestId("cart-count").textContent()).toBe("1");
    const cart = await readCart(await cartIdOf(context, baseUrl));
    expect(cart.items).toHaveLength(1);
    expect(cart.items[0]?.quantity).toBe(1);
    await context.close();
  });

  it("works by keyboard alone and fits a 360 px wide screen", async () => {
    const context = await browser().newContext({ viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/products/merino-wool-beanie`);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    // Skip link first, then reach the add button by Tab and press it.
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Skip to content");
    const button = page.getByRole("button", { name: "Add to cart" });
    for (let i = 0; i < 30 && !(await button.evaluate((node) => node === document.activeElement)); i++) {
      await page.keyboard.press("Tab");
    }
    await page.keyboard.press("Enter");
    await expect.poll(() => page.getByRole("status").textContent(), SERVER).toMatch(/Added 1 × Merino Wool Beanie/);
    await page.goto(`${baseUrl}/cart`);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await context.close();
  });
});
