// The checkout page in real Chromium on both storefronts (vite dev and the production
// build), against real Medusa and the Stripe simulator with its Stripe.js stand-in: the
// shopper fills the form, sees Medusa's shipping options and totals, pays with one request,
// and gets their mistakes and declines explained next to what caused them.
import type { BrowserContext, Locator, Page, Request } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { formatMoney, toMinorUnits } from "../../app/lib/money.ts";
import { orderIdsForCart } from "../support/orders.ts";
import { AUSTIN, chooseShipping, fillContactAndAddress, payButton, SAN_DIEGO, SERVER, useCard } from "../support/checkout-page.ts";
import { chromiumForThisFile, consoleProblems } from "../support/chromium.ts";
import { awaitMail } from "../support/mail.ts";
import { cartIdFromCookie, medusaGet, readCart } from "../support/medusa.ts";

const stack = inject("stack");
const storefronts = Object.entries(stack.storefronts) as [string, string][];

const browser = chromiumForThisFile();

type SimPaymentIntent = { id: string; amount: number; currency: string; status: string; capture_method: string; metadata: Record<string, string> };

async function simPaymentIntents(): Promise<SimPaymentIntent[]> {
  const response = await fetch(`${stack.stripeSimUrl}/_sim/payment_intents`);
  if (!response.ok) throw new Error(`GET /_sim/payment_intents: HTTP ${response.status}`);
  return ((await response.json()) as { data: SimPaymentIntent[] }).data;
}

async function intentOfAttempt(attemptId: string): Promise<SimPaymentIntent | undefined> {
  return (await simPaymentIntents()).find((intent) => intent.metadata.checkout_attempt_id === attemptId);
}

/** Another tab of the same shopper adds to the cart, behind the checkout page's back. */
async function addBehindThePage(cartId: string, handle: string) {
  const { products } = await medusaGet<{ products: { variants: { id: string }[] }[] }>(`/store/products?handle=${handle}&fields=*variants`);
  const response = await fetch(`${stack.medusaUrl}/store/carts/${cartId}/line-items`, {
    method: "POST",
    headers: { "x-publishable-api-key": stack.publishableKey, "content-type": "application/json" },
    body: JSON.stringify({ variant_id: products[0]?.variants[0]?.id, quantity: 1 }),
  });
  if (!response.ok) throw new Error(`adding ${handle}: HTTP ${response.status} ${await response.text()}`);
}

type Shopper = { context: BrowserContext; page: Page; cartId: string; prepareRequests: Request[] };

/** A shopper with one notebook in the cart, on the checkout page reached from the cart. */
async function shopperAtCheckout(baseUrl: string, viewport = { width: 1200, height: 900 }): Promise<Shopper> {
  const context = await browser().newContext({ viewport });
  const page = await context.newPage();
  const prepareRequests: Request[] = [];
  page.on("request", (request) => {
    if (new URL(request.url()).pathname.startsWith("/api/carts/")) prepareRequests.push(request);
  });
  await page.goto(`${baseUrl}/products/dot-grid-notebook`);
  await page.getByRole("radio", { name: /^A5/ }).check();
  await page.getByRole("button", { name: "Add to cart" }).click();
  await expect.poll(() => page.getByRole("status").textContent(), SERVER).toMatch(/Added/);
  await page.goto(`${baseUrl}/cart`);
  await page.getByRole("link", { name: "Checkout" }).click();
  await page.waitForURL(`${baseUrl}/checkout`);
  await page.getByLabel("Card number").waitFor();
  const cookie = (await context.cookies(baseUrl)).find((c) => c.name === "cart");
  if (!cookie) throw new Error("no cart cookie was set");
  return { context, page, cartId: cartIdFromCookie(cookie.value), prepareRequests };
}


/**
 * Presses Pay (however `press` does it) and follows the shopper to the return page,
 * `/checkout/complete?attempt=…`, and from there to their order. Answers the attempt id.
 */
async function payAndReturn(page: Page, press: () => Promise<void>): Promise<string> {
  const returned = page.waitForRequest((request) => request.isNavigationRequest() && new URL(request.url()).pathname === "/checkout/complete");
  await press();
  // A refusal shown on the page (after the previous one was cleared) ends the wait at once,
  // with what the shopper was told.
  const shown = page.locator("#checkout-problem, #payment-error").first();
  const refused = shown
    .waitFor({ state: "detached", timeout: 5_000 })
    .catch(() => {})
    .then(() => shown.waitFor({ timeout: 30_000 }))
    .then(async (): Promise<never> => {
      throw new Error(`payment refused on the page: ${await shown.textContent()}`);
    });
  refused.catch(() => {});
  const request = await Promise.race([returned, refused]);
  const attemptId = new URL(request.url()).searchParams.get("attempt") ?? "";
  await page.waitForURL(/\/orders\/[^/]+\/confirmed$/);
  expect(await page.getByRole("heading", { level: 1 }).textContent()).toMatch(/Order #\d+ is confirmed/);
  return attemptId;
}

/** Presses Tab until `target` has focus, as a keyboard user would. */
async function tabTo(page: Page, target: Locator) {
  for (let i = 0; i < 60; i++) {
    if (await target.evaluate((node) => node === document.activeElement)) return;
    await page.keyboard.press("Tab");
  }
  throw new Error("could not reach the element with Tab");
}

describe.each(storefronts)("checkout on the %s storefront", (_mode, baseUrl) => {
  it("pays with the success card, returns through the complete page to the order, and leaves a PaymentIntent awaiting capture", async () => {
    const { context, page, cartId, prepareRequests } = await shopperAtCheckout(baseUrl, { width: 360, height: 740 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await fillContactAndAddress(page, AUSTIN);
    await chooseShipping(page, "Standard Shipping", "$5.00");

    // The summary shows Medusa's totals for the cart as it now stands.
    const cart = await readCart(cartId);
    await expect.poll(() => page.getByTestId("checkout-total").textContent(), SERVER).toBe(formatMoney(cart.total, "usd"));
    expect(await page.getByTestId("checkout-tax").textContent()).toBe(formatMoney(cart.tax_total, "usd"));
    expect(await payButton(page).textContent()).toBe(`Pay ${formatMoney(cart.total, "usd")}`);

    await useCard(page, "success");
    const attemptId = await payAndReturn(page, () => payButton(page).click());

    const intent = await intentOfAttempt(attemptId);
    expect(intent).toBeDefined();
    expect(intent?.status).toBe("requires_capture");
    expect(intent?.capture_method).toBe("manual");
    expect(intent?.currency).toBe("usd");
    expect(intent?.amount).toBe(toMinorUnits((await readCart(cartId)).total, "usd"));
    expect(intent?.amount).toBe(toMinorUnits(cart.total, "usd"));
    expect(prepareRequests).toHaveLength(1);
    await context.close();
  });

  it("goes from the catalog through 3D Secure to one confirmed order with its items and totals, and its email's link opens it in another browser; a clean console throughout", async () => {
    const context = await browser().newContext();
    const page = await context.newPage();
    const problems = consoleProblems(page);
    await page.goto(baseUrl);
    await page.getByRole("link", { name: "Merino Wool Beanie" }).click();
    await page.getByRole("button", { name: "Add to cart" }).click();
    await expect.poll(() => page.getByRole("status").textContent(), SERVER).toMatch(/Added/);
    await page.getByRole("link", { name: /^Cart/ }).click();
    await page.getByRole("link", { name: "Checkout" }).click();
    await page.getByLabel("Card number").waitFor();
    const cookie = (await context.cookies(baseUrl)).find((c) => c.name === "cart");
    const cartId = cartIdFromCookie(cookie!.value);
    await fillContactAndAddress(page, AUSTIN);
    await chooseShipping(page, "Standard Shipping", "$5.00");
    const total = await page.getByTestId("checkout-total").textContent();

    await useCard(page, "3D Secure");
    await payAndReturn(page, async () => {
      await payButton(page).click();
      const dialog = page.getByRole("dialog", { name: /Authentication required/ });
      await dialog.getByRole("button", { name: "Complete authentication" }).click();
    });
    expect(await orderIdsForCart(cartId)).toHaveLength(1);
    expect(await page.getByTestId("order-line").count()).toBe(1);
    expect(await page.getByText("Merino Wool Beanie").count()).toBeGreaterThan(0);
    expect(await page.getByTestId("order-total").textContent()).toBe(total);
    expect(await page.getByTestId("payment-status").textContent()).toMatch(/authorized/i);
    // The cart cookie is cleared: the header shows an empty cart.
    expect(await page.getByTestId("cart-count").textContent()).toBe("0");

    // The page says a confirmation is on its way, and it is: the mail catcher has it.
    expect(await page.locator("main").textContent()).toContain("A confirmation with a link to this page is on its way to ada@example.com.");
    const heading = (await page.getByRole("heading", { level: 1 }).textContent()) ?? "";
    const displayId = /Order #(\d+)/.exec(heading)?.[1];
    const mail = await awaitMail("ada@example.com", new RegExp(`^Order #${displayId} confirmed`));
    expect(mail.text).toMatch(new RegExp(`^Total\\s+${total!.replace("$", "\\$")}$`, "m"));
    await page.waitForLoadState("networkidle");
    expect(problems).toEqual([]);
    await context.close();

    // Another browser opens the order from the email's link (its host is the test stack's
    // production storefront: the path and key are what count here).
    const link = new URL(/See your order: (\S+)/.exec(mail.text)![1]!);
    const elsewhere = await browser().newContext();
    const otherPage = await elsewhere.newPage();
    const otherProblems = consoleProblems(otherPage);
    await otherPage.goto(`${baseUrl}${link.pathname}${link.search}`);
    await otherPage.waitForLoadState("networkidle");
    expect(new URL(otherPage.url()).search).toBe("");
    expect(await otherPage.getByTestId("order-total").textContent()).toBe(total);
    expect(otherProblems).toEqual([]);
    await elsewhere.close();
  });

  it("a failed 3D Secure authentication keeps the shopper on checkout, and another card then pays", async () => {
    const { context, page, cartId } = await shopperAtCheckout(baseUrl);
    await fillContactAndAddress(page, AUSTIN);
    await chooseShipping(page, "Standard Shipping", "$5.00");
    await useCard(page, "3D Secure");
    await payButton(page).click();
    await page.getByRole("dialog", { name: /Authentication required/ }).getByRole("button", { name: "Fail authentication" }).click();
    await expect.poll(() => page.getByText(/unable to authenticate your payment method/).count(), SERVER).toBe(1);
    expect(page.url()).toBe(`${baseUrl}/checkout`);
    expect(await orderIdsForCart(cartId)).toEqual([]);
    await useCard(page, "success");
    await payAndReturn(page, () => payButton(page).click());
    expect(await orderIdsForCart(cartId)).toHaveLength(1);
    await context.close();
  });

  it("shows a decline beside the payment form, and another card then pays for the same cart", async () => {
    const { context, page, cartId, prepareRequests } = await shopperAtCheckout(baseUrl);
    await fillContactAndAddress(page, AUSTIN);
    await chooseShipping(page, "Express Shipping", "$15.00");

    await useCard(page, "decline");
    await payButton(page).click();
    await expect.poll(() => page.locator("#payment-error").textContent(), SERVER).toBe("Your card was declined.");
    expect(page.url()).toBe(`${baseUrl}/checkout`);
    expect(await payButton(page).isEnabled()).toBe(true);

    await useCard(page, "success");
    const attemptId = await payAndReturn(page, () => payButton(page).click());
    expect((await intentOfAttempt(attemptId))?.status).toBe("requires_capture");

    // Two attempts, each with its own idempotency key, on the one cart.
    expect(prepareRequests).toHaveLength(2);
    const keys = await Promise.all(prepareRequests.map(async (request) => (await request.allHeaders())["idempotency-key"]));
    expect(new Set(keys).size).toBe(2);
    expect(prepareRequests.every((request) => request.url() === `${baseUrl}/api/carts/${cartId}/prepare-for-payment`)).toBe(true);
    await context.close();
  });

  it("sends exactly one prepare-for-payment request for a double click", async () => {
    const { context, page, prepareRequests } = await shopperAtCheckout(baseUrl);
    await fillContactAndAddress(page, AUSTIN);
    await chooseShipping(page, "Standard Shipping", "$5.00");
    await useCard(page, "success");
    await payAndReturn(page, () => payButton(page).dblclick());
    expect(prepareRequests).toHaveLength(1);
    await context.close();
  });

  it("offers Texas Courier for a Texas address and takes it away for California", async () => {
    const { context, page, cartId } = await shopperAtCheckout(baseUrl);
    const texasCourier = page.getByRole("radio", { name: /Texas Courier/ });
    await fillContactAndAddress(page, AUSTIN);
    await expect.poll(() => texasCourier.count(), SERVER).toBe(1);
    await chooseShipping(page, "Texas Courier", "$3.00");
    await expect.poll(async () => page.getByTestId("checkout-total").textContent(), SERVER).toBe(formatMoney((await readCart(cartId)).total, "usd"));

    await page.getByLabel("State", { exact: true }).selectOption({ label: SAN_DIEGO.state });
    await expect.poll(() => texasCourier.count(), SERVER).toBe(0);
    expect(await page.getByRole("radio", { name: /Standard Shipping/ }).count()).toBe(1);
    const shippingMethods = page.getByRole("group", { name: "Shipping method" });
    expect(await shippingMethods.getByText("Texas Courier isn't available for this address").count()).toBe(1);
    expect(await page.getByTestId("checkout-shipping").textContent()).toBe("Choose a shipping method");
    // California's tax, as Medusa computes it, without the Texas method.
    const cart = await readCart(cartId);
    expect(await page.getByTestId("checkout-total").textContent()).toBe(formatMoney(cart.total, "usd"));
    await context.close();
  });

  it("can be completed with the keyboard alone", async () => {
    const { context, page } = await shopperAtCheckout(baseUrl);
    await fillContactAndAddress(page, AUSTIN);
    // Options are listed cheapest first: Tab enters the group on Texas Courier.
    await expect.poll(() => page.getByRole("radio", { name: /Texas Courier/ }).count(), SERVER).toBe(1);
    await page.getByLabel("Phone").focus();
    await tabTo(page, page.getByRole("radio", { name: /Texas Courier/ }));
    await page.keyboard.press("Space");
    await expect.poll(() => page.getByTestId("checkout-shipping").textContent(), SERVER).toBe("$3.00");
    await tabTo(page, page.getByRole("button", { name: /^Use success test card/ }));
    await page.keyboard.press("Enter");
    const pay = payButton(page);
    await expect.poll(() => pay.isEnabled(), SERVER).toBe(true);
    await tabTo(page, pay);
    await payAndReturn(page, () => page.keyboard.press("Enter"));
    await context.close();
  });

  it("asks the shopper to confirm a total that changed behind the page, then pays the new total", async () => {
    const { context, page, cartId, prepareRequests } = await shopperAtCheckout(baseUrl);
    await fillContactAndAddress(page, AUSTIN);
    await chooseShipping(page, "Standard Shipping", "$5.00");
    await addBehindThePage(cartId, "canvas-tote-bag");
    const newTotal = (await readCart(cartId)).total;
    const newTotalText = formatMoney(newTotal, "usd");
    expect(await page.getByTestId("checkout-total").textContent()).not.toBe(newTotalText);

    await useCard(page, "success");
    await payButton(page).click();
    const confirm = page.getByRole("button", { name: `Pay ${newTotalText}` });
    await confirm.waitFor();
    expect(await page.getByText(`The total changed to ${newTotalText}.`).count()).toBe(1);
    // The summary catches up with the cart, so the shopper sees what they confirm.
    await expect.poll(() => page.getByTestId("checkout-total").textContent(), SERVER).toBe(newTotalText);

    const attemptId = await payAndReturn(page, () => confirm.click());
    expect((await intentOfAttempt(attemptId))?.amount).toBe(toMinorUnits(newTotal, "usd"));
    expect(prepareRequests).toHaveLength(2);
    const bodies = prepareRequests.map((request) => JSON.parse(request.postData() ?? "{}") as { expected_total?: number });
    expect(bodies[1]?.expected_total).toBe(toMinorUnits(newTotal, "usd"));
    await context.close();
  });

  it("shows the server's field errors beside their fields and focuses the first one", async () => {
    const { context, page, prepareRequests } = await shopperAtCheckout(baseUrl);
    await fillContactAndAddress(page, { ...AUSTIN, zip: "7870" });
    await chooseShipping(page, "Standard Shipping", "$5.00");
    await useCard(page, "success");
    await payButton(page).click();

    const zip = page.getByLabel("ZIP code");
    await expect.poll(() => zip.getAttribute("aria-invalid"), SERVER).toBe("true");
    const describedBy = (await zip.getAttribute("aria-describedby")) ?? "";
    expect(await page.locator(`#${describedBy}`).textContent()).toMatch(/ZIP/);
    expect(await zip.evaluate((node) => node === document.activeElement)).toBe(true);
    expect(page.url()).toBe(`${baseUrl}/checkout`);
    expect(prepareRequests).toHaveLength(1);
    expect(prepareRequests[0] ? (await prepareRequests[0].response())?.status() : undefined).toBe(400);

    // Corrected, the next press pays.
    await zip.fill("78701");
    expect(await zip.getAttribute("aria-invalid")).toBeNull();
    await useCard(page, "success");
    await payAndReturn(page, () => payButton(page).click());
    expect(prepareRequests).toHaveLength(2);
    await context.close();
  });
});
