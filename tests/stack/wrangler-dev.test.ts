// `npm run preview`, the benchmark and the load run serve the production build with
// `wrangler dev`; the rest of the suite uses `vite preview` (docs/decisions/0006). This
// checks the same build under `wrangler dev` end to end: a page, a cart change, the one
// checkout submission, and the webhook's signature check.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { BIN, startProcess, waitForHttp, type Managed } from "../../dev/processes.ts";
import { readCart, shippingOptionId } from "../support/medusa.ts";
import { Shopper, TEXAS_ADDRESS } from "../support/shopper.ts";

const stack = inject("stack");
const PORT = Number(process.env.TEST_WRANGLER_PORT ?? 8798);
const baseUrl = `http://localhost:${PORT}`;
const stateDir = path.dirname(stack.workerConfig);

let server: Managed;

beforeAll(async () => {
  server = startProcess(
    "wrangler dev (smoke)",
    path.join(BIN, "wrangler"),
    [
      "dev",
      "--config",
      path.join(stateDir, "build", "server", "wrangler.json"),
      "--port",
      String(PORT),
      "--ip",
      "127.0.0.1",
      "--persist-to",
      path.join(stateDir, "wrangler-state-smoke"),
      "--show-interactive-dev-session=false",
    ],
    { env: { WRANGLER_SEND_METRICS: "false" }, logFile: path.join(stateDir, "wrangler-dev-smoke.log") },
  );
  await waitForHttp(`${baseUrl}/favicon.svg`, 120_000, server);
}, 150_000);

afterAll(async () => {
  await server?.stop();
});

describe("the production build under wrangler dev", () => {
  it("renders the catalog with its security headers", async () => {
    const response = await fetch(`${baseUrl}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(response.headers.get("x-trace-id")).toMatch(/^[\da-f]{32}$/);
    expect(await response.text()).toContain("Harbor &amp; Pine");
  });

  it("adds to cart and prepares the payment for Medusa's total", async () => {
    const shopper = new Shopper(baseUrl);
    await shopper.addToCart("dot-grid-notebook", "A5", 2);
    expect((await readCart(shopper.cartId)).items.map((item) => item.quantity)).toEqual([2]);
    const standard = await shippingOptionId(shopper.cartId);
    const prepared = await shopper.prepare({ email: "wrangler-dev@example.com", shipping_address: TEXAS_ADDRESS, shipping_option_id: standard });
    expect(prepared.status, JSON.stringify(prepared.body)).toBe(200);
    expect(prepared.body.client_secret).toMatch(/^pi_\w+_secret_\w+$/);
  });

  it("refuses a webhook without a valid signature", async () => {
    const response = await fetch(`${baseUrl}/webhooks/stripe`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("invalid_signature");
  });
});
