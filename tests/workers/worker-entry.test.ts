// The Worker entry inside workerd, with the bindings of wrangler.jsonc and the real Medusa
// of the local stack: typed context, trace ids, configuration errors, KV binding.
import { createExecutionContext, SELF, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../workers/app";
import { env, type TestEnv } from "./env";

/** A request as the Workers runtime hands it to `fetch` (with `cf` properties). */
const incoming = (url: string) => new Request(url) as Request<unknown, IncomingRequestCfProperties>;

/**
 * The Worker entry with these bindings. It reads them through its config schema
 * (app/lib/config.server.ts), which takes any ENVIRONMENT; only `Env`'s generated type
 * narrows the vars to wrangler.jsonc's production values.
 */
function fetchWith(bindings: TestEnv, url: string, ctx: ExecutionContext) {
  return worker.fetch(incoming(url), bindings as Env, ctx);
}

describe("the Worker entry", () => {
  it("renders the catalog from Medusa through React Router", async () => {
    const response = await SELF.fetch("http://shop.test/");
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain("Organic Cotton Tee");
    expect(html).toContain("$19.99");
  });

  it("returns the trace id, taken from an incoming traceparent", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const response = await SELF.fetch("http://shop.test/", {
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    await response.text();
    expect(response.headers.get("x-trace-id")).toBe(traceId);
  });

  it("answers an unknown page with 404 and the shop's own page", async () => {
    const response = await SELF.fetch("http://shop.test/products/no-such-product");
    expect(response.status).toBe(404);
    expect(await response.text()).toContain("Page not found");
  });

  it("refuses to serve with a missing setting and names it", async () => {
    const broken: TestEnv = { ...env, ENVIRONMENT: "development", MEDUSA_PUBLISHABLE_KEY: "" };
    const ctx = createExecutionContext();
    const response = await fetchWith(broken, "http://shop.test/", ctx);
    await waitOnExecutionContext(ctx);
    expect(response.status).toBe(500);
    expect(await response.text()).toMatch(/MEDUSA_PUBLISHABLE_KEY is missing/);
  });

  it("does not reveal configuration details in production", async () => {
    const broken: TestEnv = { ...env, ENVIRONMENT: "production", MEDUSA_PUBLISHABLE_KEY: "" };
    const ctx = createExecutionContext();
    const response = await fetchWith(broken, "http://shop.test/", ctx);
    expect(response.status).toBe(500);
    expect(await response.text()).toBe("The shop is not configured correctly.");
  });

  it("has the CHECKOUT_ATTEMPTS KV namespace bound", async () => {
    await env.CHECKOUT_ATTEMPTS.put("probe", "1", { expirationTtl: 60 });
    expect(await env.CHECKOUT_ATTEMPTS.get("probe")).toBe("1");
  });
});
