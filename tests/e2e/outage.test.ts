// When Medusa is unreachable the shopper gets a friendly page with a reference to quote,
// never a stack trace. The outage is made at the proxy for this test's trace id only, so
// other tests keep their Medusa.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchChromium } from "../../dev/chromium.ts";
import { SERVER } from "../support/checkout-page.ts";
import { medusaGet } from "../support/medusa.ts";
import { injectFault, medusaRequestsFor, newTrace } from "../support/proxy.ts";

/** A line of a JavaScript stack trace: "at fn (file.js:12:34)" or "at file.js:12:34". */
const STACK_FRAME = /\bat\s+(\S+\s+\()?[^\s()]+:\d+:\d+\)?/;

const storefronts = Object.entries(inject("stack").storefronts) as [string, string][];

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe.each(storefronts)("Medusa outage on the %s storefront", (_mode, baseUrl) => {
  it("shows a friendly error page with the trace id, never a stack trace", async () => {
    // A shopper with a cart: the cart page is never cached, so it must reach Medusa.
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${baseUrl}/products/dot-grid-notebook`);
    await page.getByRole("button", { name: "Add to cart" }).click();
    await expect.poll(() => page.getByRole("status").textContent(), SERVER).toMatch(/Added/);

    const { traceId, traceparent } = newTrace();
    await injectFault({ kind: "down", traceId });
    await page.setExtraHTTPHeaders({ traceparent });
    const response = await page.goto(`${baseUrl}/cart`);
    expect(response?.status()).toBe(503);
    expect(response?.headers()["x-trace-id"]).toBe(traceId);
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("The shop is taking a short break");
    expect(await page.getByText(traceId).count()).toBe(1);
    const html = await page.content();
    expect(html).not.toMatch(STACK_FRAME);
    expect(html).not.toMatch(/MedusaError|TypeError|\.server\.ts/);
    // The storefront really tried Medusa and was refused.
    expect((await medusaRequestsFor(traceId)).some((request) => request.fault === "down")).toBe(true);
    await context.close();
  });

  it("answers a cart mutation during an outage with the friendly page, not a crash", async () => {
    const { products } = await medusaGet<{ products: { variants: { id: string }[] }[] }>(
      "/store/products?handle=dot-grid-notebook&fields=*variants",
    );
    const variantId = products[0]!.variants[0]!.id;
    const { traceId, traceparent } = newTrace();
    await injectFault({ kind: "down", traceId });
    const response = await fetch(`${baseUrl}/products/dot-grid-notebook`, {
      method: "POST",
      headers: { traceparent, origin: baseUrl, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ intent: "add", variant_id: variantId, quantity: "1" }),
      redirect: "manual",
    });
    expect(response.status).toBe(503);
    const html = await response.text();
    expect(html).toContain("The shop is taking a short break");
    expect(html).not.toMatch(STACK_FRAME);
  });
});
