// Issue #5: same-origin requests pass the origin policy behind `vite dev` over HTTPS, where
// Vite serves HTTP/2: no Host header, and the Worker sees the request URL without its port.
// Starts its own `vite dev` (STOREFRONT_HTTPS=1) on the test stack's Medusa and Worker
// config, then shops in Chromium: add to cart, change the quantity, prepare the payment.
import http2 from "node:http2";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchChromium } from "../../dev/chromium.ts";
import { BIN, startProcess, type Managed } from "../../dev/processes.ts";
import { toMinorUnits } from "../../app/lib/money.ts";
import { cartIdFromCookie, readCart, shippingOptionId } from "../support/medusa.ts";
import { TEXAS_ADDRESS } from "../support/shopper.ts";
import { SERVER } from "../support/checkout-page.ts";

const stack = inject("stack");
const PORT = Number(process.env.TEST_HTTPS_STOREFRONT_PORT ?? 5443);
const baseUrl = `https://localhost:${PORT}`;
const stateDir = path.dirname(stack.workerConfig);

let server: Managed;
let browser: Browser;

/** One HTTP/2 request, as a browser on another site (or none) would send it. */
function h2Request(pathname: string, headers: Record<string, string>, body: string): Promise<{ status: number; alpn: string | false; text: string }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(baseUrl, { rejectUnauthorized: false });
    session.on("error", reject);
    const request = session.request({ ":method": "POST", ":path": pathname, ...headers });
    let status = 0;
    let text = "";
    request.on("response", (responseHeaders) => (status = Number(responseHeaders[":status"])));
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => (text += chunk));
    request.on("end", () => {
      const alpn = session.alpnProtocol ?? false;
      session.close();
      resolve({ status, alpn, text });
    });
    request.on("error", reject);
    request.end(body);
  });
}

async function waitForHttps(timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server.child.exitCode !== null) throw new Error(`vite dev (https) exited:\n${server.output.slice(-25).join("\n")}`);
    try {
      const answer = await new Promise<number>((resolve, reject) => {
        const session = http2.connect(baseUrl, { rejectUnauthorized: false });
        session.on("error", reject);
        const request = session.request({ ":path": "/favicon.svg" });
        request.on("response", (headers) => {
          resolve(Number(headers[":status"]));
          session.close();
        });
        request.on("error", reject);
        request.end();
      });
      if (answer < 500) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`vite dev (https) did not answer within ${timeoutMs} ms:\n${server.output.slice(-25).join("\n")}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

beforeAll(async () => {
  server = startProcess("vite dev (https)", path.join(BIN, "vite"), ["dev", "--port", String(PORT), "--strictPort", "--host", "127.0.0.1"], {
    env: {
      STOREFRONT_HTTPS: "1",
      STACK_WRANGLER_CONFIG: stack.workerConfig,
      STACK_PERSIST_DIR: path.join(stateDir, "wrangler-state-https"),
      STACK_VITE_CACHE_DIR: path.join(stateDir, "vite-cache-https"),
      WRANGLER_SEND_METRICS: "false",
      NODE_ENV: "development",
    },
    logFile: path.join(stateDir, "vite-dev-https.log"),
  });
  await waitForHttps(180_000);
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe("the origin policy under vite dev over HTTPS (HTTP/2)", () => {
  it("serves HTTP/2, and a cross-site post over it still gets 403", async () => {
    const cross = await h2Request(
      "/cart",
      { origin: "https://evil.example", "sec-fetch-site": "cross-site", "content-type": "application/x-www-form-urlencoded" },
      "intent=remove&line_id=cali_01X",
    );
    expect(cross.alpn).toBe("h2");
    expect(cross.status).toBe(403);
    expect(JSON.parse(cross.text).error.code).toBe("forbidden");
  });

  it("a shopper in Chromium adds to cart, changes the quantity and prepares the payment", { timeout: 180_000 }, async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    const posts: Array<{ url: string; status: number }> = [];
    page.on("response", (response) => {
      if (response.request().method() === "POST") posts.push({ url: new URL(response.url()).pathname, status: response.status() });
    });
    await page.goto(`${baseUrl}/products/dot-grid-notebook`);
    await page.getByRole("radio", { name: /^A5/ }).check();
    await page.getByRole("button", { name: "Add to cart" }).click();
    // Medusa round trips (through the cart's Durable Object): the checkout tests' 15 s.
    await expect.poll(() => page.getByRole("status").textContent(), SERVER).toMatch(/Added/);
    const cookie = (await context.cookies()).find((candidate) => candidate.name === "cart");
    const cartId = cartIdFromCookie(cookie!.value);

    await page.goto(`${baseUrl}/cart`);
    await page.getByLabel(/Quantity for/).fill("3");
    await page.getByRole("button", { name: "Update" }).click();
    await expect.poll(async () => (await readCart(cartId)).items[0]?.quantity, SERVER).toBe(3);

    // The checkout's one submission, sent from the page like CheckoutForm sends it.
    const standard = await shippingOptionId(cartId);
    const prepared = await page.evaluate(
      async ({ cartId, body }) => {
        const response = await fetch(`/api/carts/${cartId}/prepare-for-payment`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        return { status: response.status, body: (await response.json()) as { client_secret?: string; amount?: number } };
      },
      { cartId, body: { email: "https-dev@example.com", shipping_address: TEXAS_ADDRESS, shipping_option_id: standard } },
    );
    expect(prepared.status, JSON.stringify(prepared.body)).toBe(200);
    expect(prepared.body.client_secret).toMatch(/^pi_\w+_secret_\w+$/);
    const cart = await readCart(cartId);
    expect(toMinorUnits(cart.total, cart.currency_code)).toBe(prepared.body.amount);
    expect(posts.map((post) => post.status)).toEqual(posts.map(() => 200));
    expect(posts.length).toBeGreaterThanOrEqual(3);
    await context.close();
  });
});
