// Customer accounts in real Chromium on both storefronts (vite dev and the production
// build), against real Medusa and the Stripe simulator with its Stripe.js stand-in
// (issue #11, section 5): sign up, buy with a new card saved, sign out, sign in with a
// cart, buy again with the saved card (and a saved card that asks for 3D Secure again),
// both orders in the history with the totals their pages show, an address added, edited
// and deleted, a password reset from the emailed link. The console stays clean.
import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { chooseShipping, fillContactAndAddress, payButton, SERVER, useCard } from "../support/checkout-page.ts";
import { chromiumForThisFile, consoleProblems } from "../support/chromium.ts";
import { newEmail, PASSWORD } from "../support/customer.ts";
import { newClientIp } from "../support/shopper.ts";
import { awaitMail } from "../support/mail.ts";

const stack = inject("stack");
const storefronts = Object.entries(stack.storefronts) as [string, string][];
const browser = chromiumForThisFile();
const CASE_TIMEOUT_MS = 240_000;

async function newPage(baseUrl: string) {
  const context = await browser().newContext({ viewport: { width: 1100, height: 1000 } });
  // A client of its own (sign-in and sign-up are rate-limited per CF-Connecting-IP) for
  // the page's own form submissions (`.data` requests): not for Stripe.js's calls to the
  // simulator, and not for documents, which stay as the browser sends them.
  const clientIp = newClientIp();
  const origin = new URL(baseUrl).origin;
  await context.route(
    (url) => url.origin === origin && url.pathname.endsWith(".data"),
    (route) => route.continue({ headers: { ...route.request().headers(), "cf-connecting-ip": clientIp } }),
  );
  const page = await context.newPage();
  return { context, page, problems: consoleProblems(page) };
}

async function signUpThroughTheHeader(page: Page, baseUrl: string, email: string) {
  await page.goto(`${baseUrl}/`);
  await page.getByTestId("account-link").click();
  await page.waitForURL(/\/account\/sign-in/);
  await page.getByRole("link", { name: "Create an account" }).click();
  // Client-side navigation: wait for the new page, or the old page's fields get filled.
  await page.getByRole("heading", { name: "Create an account" }).waitFor();
  await page.getByLabel("First name").fill("Ada");
  await page.getByLabel("Last name").fill("Lovelace");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(`${baseUrl}/account`);
  expect(await page.getByTestId("signed-in-as").textContent()).toBe(email);
}

/** The checkout page, once it runs (typing before it hydrates is lost: its fields are React's). */
async function openCheckout(page: Page, baseUrl: string) {
  await page.goto(`${baseUrl}/checkout`);
  await page.getByRole("button", { name: /^Pay / }).waitFor();
  await page.waitForLoadState("networkidle");
}

async function addToCart(page: Page, baseUrl: string, handle: string) {
  await page.goto(`${baseUrl}/products/${handle}`);
  await page.getByRole("button", { name: "Add to cart" }).click();
  await expect.poll(() => page.getByRole("status").first().textContent(), SERVER).toMatch(/Added/);
}

/** Pay on the checkout page and follow to the order page; answers the order's id and total as shown. */
async function payAndSeeOrder(page: Page, press: () => Promise<void>): Promise<{ orderId: string; total: string }> {
  // A refusal shown on the page ends the wait at once, with what the shopper was told.
  const shown = page.locator("#checkout-problem, #payment-error").first();
  const refused = shown.waitFor({ timeout: 60_000 }).then(async (): Promise<never> => {
    throw new Error(`payment refused on the page: ${await shown.textContent()}`);
  });
  refused.catch(() => {});
  await Promise.race([press(), refused]);
  await Promise.race([page.waitForURL(/\/orders\/[^/]+\/confirmed$/, { timeout: 60_000 }), refused]);
  const orderId = /\/orders\/([^/]+)\/confirmed$/.exec(page.url())![1]!;
  return { orderId, total: (await page.getByTestId("order-total").textContent())! };
}

describe.each(storefronts)("customer accounts on the %s storefront", (_mode, baseUrl) => {
  it(
    "sign up, buy with a new card saved, sign out, sign in with a cart, buy again with the saved card, and see both orders in the history",
    { timeout: CASE_TIMEOUT_MS },
    async () => {
      const { context, page, problems } = await newPage(baseUrl);
      const email = newEmail("e2e");
      await signUpThroughTheHeader(page, baseUrl, email);

      // First order: a new card, saved, and the address saved.
      await addToCart(page, baseUrl, "dot-grid-notebook");
      await openCheckout(page, baseUrl);
      expect(await page.getByLabel("Email").inputValue()).toBe(email);
      await fillContactAndAddress(page, { state: "Texas", city: "Austin", zip: "78701" });
      await page.getByLabel("Email").fill(email);
      await page.getByLabel("Save this address to my account").check();
      await chooseShipping(page, "Standard Shipping", "$5.00");
      await useCard(page, "success");
      await page.getByLabel("Save this card for next time").check();
      const first = await payAndSeeOrder(page, () => payButton(page).click());

      // Sign out; as a guest, put a tote in the cart; sign in: the cart comes along.
      await page.goto(`${baseUrl}/account`);
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.waitForURL(/signed_out=1/);
      await expect.poll(() => page.getByTestId("account-link").textContent(), SERVER).toBe("Sign in");
      await addToCart(page, baseUrl, "canvas-tote-bag");
      await page.getByTestId("account-link").click();
      await page.getByRole("heading", { name: "Sign in" }).waitFor();
      await page.getByLabel("Email").fill(email);
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(`${baseUrl}/account`);
      expect(await page.getByTestId("cart-count").textContent()).toBe("1");

      // Second order: the saved address and the saved card are offered; one click each.
      await openCheckout(page, baseUrl);
      await expect.poll(() => page.getByTestId("checkout-saved-address").count(), SERVER).toBe(1);
      await page.getByRole("button", { name: /Ship here|Shipping here/ }).click();
      await chooseShipping(page, "Standard Shipping", "$5.00");
      const savedCard = page.getByRole("radio", { name: /^Visa ending in 4242/ });
      expect(await savedCard.isChecked()).toBe(true);
      expect(await page.getByLabel("Card number").count()).toBe(0);
      const second = await payAndSeeOrder(page, () => payButton(page).click());

      // Both orders in the history, newest first, with the totals their pages showed.
      await page.goto(`${baseUrl}/account/orders`);
      const rows = page.getByTestId("order-row");
      await expect.poll(() => rows.count()).toBe(2);
      expect(await rows.nth(0).getAttribute("data-order-id")).toBe(second.orderId);
      expect(await rows.nth(1).getAttribute("data-order-id")).toBe(first.orderId);
      expect(await rows.nth(0).getByTestId("order-row-total").textContent()).toBe(second.total);
      expect(await rows.nth(1).getByTestId("order-row-total").textContent()).toBe(first.total);
      expect(await rows.nth(0).getByTestId("order-payment").textContent()).toBe("Authorized");
      expect(await rows.nth(0).getByTestId("order-fulfillment").textContent()).toBe("Preparing");
      await rows.nth(1).getByRole("link").click();
      await page.waitForURL(`${baseUrl}/account/orders/${first.orderId}`);
      await page.getByRole("link", { name: "← All orders" }).waitFor();
      expect(await page.getByTestId("order-total").textContent()).toBe(first.total);
      expect(await page.getByTestId("payment-status").textContent()).toMatch(/authorized/i);

      // The saved card is listed on the account page.
      await page.goto(`${baseUrl}/account`);
      expect(await page.getByTestId("account-saved-card").textContent()).toMatch(/^Visa ending in 4242/);
      expect(problems).toEqual([]);
      await context.close();
    },
  );

  it("a saved card that needs 3D Secure asks for it again at the next checkout", { timeout: CASE_TIMEOUT_MS }, async () => {
    const { context, page, problems } = await newPage(baseUrl);
    const email = newEmail("e2e-3ds");
    await signUpThroughTheHeader(page, baseUrl, email);
    for (const round of [1, 2]) {
      await addToCart(page, baseUrl, "dot-grid-notebook");
      await openCheckout(page, baseUrl);
      if (round === 1) {
        await fillContactAndAddress(page, { state: "Texas", city: "Austin", zip: "78701" });
        await page.getByLabel("Email").fill(email);
        await useCard(page, "3D Secure");
        await page.getByLabel("Save this card for next time").check();
      } else {
        expect(await page.getByRole("radio", { name: /ending in 3184/ }).isChecked()).toBe(true);
        await fillContactAndAddress(page, { state: "Texas", city: "Austin", zip: "78701" });
        await page.getByLabel("Email").fill(email);
      }
      await chooseShipping(page, "Standard Shipping", "$5.00");
      await payAndSeeOrder(page, async () => {
        await payButton(page).click();
        const dialog = page.getByRole("dialog", { name: /Authentication required/ });
        await dialog.getByRole("button", { name: "Complete authentication" }).click();
      });
    }
    await page.goto(`${baseUrl}/account/orders`);
    await expect.poll(() => page.getByTestId("order-row").count()).toBe(2);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("adds, edits, makes default and deletes an address", { timeout: CASE_TIMEOUT_MS }, async () => {
    const { context, page, problems } = await newPage(baseUrl);
    await signUpThroughTheHeader(page, baseUrl, newEmail("e2e-addr"));
    await page.getByRole("link", { name: "Addresses" }).click();
    await page.getByRole("heading", { name: "Your addresses" }).waitFor();
    const form = page.locator("section", { has: page.getByRole("heading", { name: "Add an address" }) });
    // Every field each time: under vite dev a page can reload while its modules settle.
    const fillAddress = async (zip: string) => {
      await page.waitForLoadState("networkidle");
      await form.getByLabel("First name").fill("Ada");
      await form.getByLabel("Last name").fill("Lovelace");
      await form.getByLabel("Street address").fill("1 Congress Ave");
      await form.getByLabel("City").fill("Austin");
      await form.getByLabel("State").selectOption({ label: "Texas" });
      await form.getByLabel("ZIP code").fill(zip);
    };
    await fillAddress("7870");
    await form.getByRole("button", { name: "Add address" }).click();
    await expect.poll(() => page.getByTestId("form-status").textContent(), SERVER).toBe("Enter a 5-digit ZIP code, like 78701.");
    expect(await page.getByTestId("saved-address").count()).toBe(0);
    // The refusal is a 400, which Chromium reports in the console: the one expected line.
    expect(problems.splice(0)).toEqual(["error: Failed to load resource: the server responded with a status of 400 (Bad Request)"]);
    await fillAddress("78701");
    await form.getByRole("button", { name: "Add address" }).click();
    await expect.poll(() => page.getByTestId("saved-address").count(), SERVER).toBe(1);

    const card = page.getByTestId("saved-address").first();
    await card.locator("summary").click();
    await card.getByLabel("Street address").fill("200 Lavaca St");
    await card.getByRole("button", { name: "Save address" }).click();
    await expect.poll(() => card.locator("address").textContent(), SERVER).toContain("200 Lavaca St");
    await card.getByRole("button", { name: "Make default shipping" }).click();
    await expect.poll(() => card.textContent(), SERVER).toContain("Default shipping");

    await card.getByRole("button", { name: "Delete" }).click();
    await expect.poll(() => page.getByTestId("saved-address").count(), SERVER).toBe(0);
    expect(await page.getByTestId("form-status").textContent()).toBe("Address deleted.");
    expect(problems).toEqual([]);
    await context.close();
  });

  it("resets a forgotten password from the emailed link, then signs in with the new one", { timeout: CASE_TIMEOUT_MS }, async () => {
    const { context, page, problems } = await newPage(baseUrl);
    const email = newEmail("e2e-reset");
    await signUpThroughTheHeader(page, baseUrl, email);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/signed_out=1/);
    await page.goto(`${baseUrl}/account/sign-in`);
    await page.getByRole("link", { name: /Forgot your password/ }).click();
    await page.getByRole("heading", { name: "Forgot your password?" }).waitFor();
    await page.waitForLoadState("networkidle");
    await page.getByLabel("Email").fill(email);
    await page.getByRole("button", { name: /link/i }).click();
    await expect.poll(() => page.locator("main").textContent(), SERVER).toMatch(/on its way/);

    const mail = await awaitMail(email, /password/i);
    const link = /https?:\/\/\S+\/account\/reset-password\?[^\s"<]+/.exec(mail.text)?.[0];
    expect(link).toBeDefined();
    // The mail's link names the storefront Medusa was told about; open it on this one.
    const target = new URL(link!.replaceAll("&amp;", "&"));
    await page.goto(`${baseUrl}${target.pathname}${target.search}`);
    // Typed into once the page runs (vite dev loads its modules one by one).
    await page.waitForLoadState("networkidle");
    await page.getByLabel(/New password/i).fill("a-brand-new-password");
    await page.getByRole("button", { name: /password/i }).click();
    await page.waitForURL(/\/account\/sign-in/);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("a-brand-new-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${baseUrl}/account`);
    expect(problems).toEqual([]);
    await context.close();
  });
});
