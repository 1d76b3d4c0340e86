// Response headers of the production build (what deploys run): a Content-Security-Policy
// that lets exactly Stripe's Payment Element in, and the usual hardening headers.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchChromium } from "../../dev/chromium.ts";

const baseUrl = inject("stack").storefronts.preview!;
const stripeSim = new URL(inject("stack").stripeSimUrl).origin;

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

function directives(policy: string): Map<string, string[]> {
  return new Map(policy.split(";").map((part) => part.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
}

describe("security headers on the production build", () => {
  it("sends a nonce-based Content-Security-Policy that allows Stripe and forbids framing", async () => {
    const response = await fetch(`${baseUrl}/`);
    const html = await response.text();
    const policy = directives(response.headers.get("content-security-policy") ?? "");
    const nonce = policy.get("script-src")?.find((value) => value.startsWith("'nonce-"))?.slice(7, -1);
    expect(policy.get("script-src"), response.headers.get("content-security-policy") ?? "no policy").toBeDefined();
    expect(nonce).toBeTruthy();
    expect(policy.get("script-src")).toEqual(expect.arrayContaining(["'self'", "https://js.stripe.com", stripeSim]));
    expect(policy.get("script-src")).not.toContain("'unsafe-inline'");
    expect(policy.get("frame-src")).toEqual(expect.arrayContaining(["https://js.stripe.com", "https://hooks.stripe.com"]));
    expect(policy.get("connect-src")).toEqual(expect.arrayContaining(["'self'", "https://api.stripe.com"]));
    expect(policy.get("frame-ancestors")).toEqual(["'none'"]);
    expect(policy.get("object-src")).toEqual(["'none'"]);
    // Every inline script React Router writes carries this response's nonce.
    const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)([^>]*)>/g)].map((match) => match[1] ?? "");
    expect(inline.length).toBeGreaterThan(0);
    for (const attributes of inline) expect(attributes).toContain(`nonce="${nonce}"`);
    // A new nonce per response.
    const second = await fetch(`${baseUrl}/`);
    await second.text();
    expect(second.headers.get("content-security-policy")).not.toContain(`'nonce-${nonce}'`);
  });

  it("sends nosniff, a referrer policy and no framing on pages, including error pages", async () => {
    for (const path of ["/", "/cart", "/products/no-such-product"]) {
      const response = await fetch(`${baseUrl}${path}`);
      await response.arrayBuffer();
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(response.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
      expect(response.headers.get("x-frame-options")).toBe("DENY");
    }
  });

  it("runs the checkout page with the Payment Element and no policy violation", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const violations: string[] = [];
    page.on("console", (message) => {
      if (/Content Security Policy|Refused to/.test(message.text())) violations.push(message.text());
    });
    await page.goto(`${baseUrl}/products/dot-grid-notebook`);
    await page.getByRole("button", { name: "Add to cart" }).click();
    await expect.poll(() => page.getByRole("status").textContent(), { timeout: 15_000 }).toMatch(/Added/);
    await page.goto(`${baseUrl}/checkout`);
    await page.getByLabel("Card number").waitFor();
    await page.getByLabel("Email").fill("csp@example.com");
    expect(violations).toEqual([]);
    await context.close();
  });
});
