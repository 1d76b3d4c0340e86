// The catalog's edge cache against workerd's real Cache API: fresh entries are served
// without calling Medusa, stale ones are served while one refresh runs in the background.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../app/lib/log.server";
import { cachedJson } from "../../app/lib/medusa/edge-cache.server";

const logger = createLogger("test-trace", "/test");

function loader(values: string[]) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    load: async () => values[Math.min(calls++, values.length - 1)]!,
  };
}

describe("catalog edge cache", () => {
  it("serves a fresh entry without calling the backend again", async () => {
    const ctx = createExecutionContext();
    const options = { ttlSeconds: 60, swrSeconds: 60, waitUntil: (p: Promise<unknown>) => ctx.waitUntil(p), logger };
    const backend = loader(["v1", "v2"]);
    expect(await cachedJson("fresh-key", options, backend.load)).toBe("v1");
    await waitOnExecutionContext(ctx);
    expect(await cachedJson("fresh-key", options, backend.load)).toBe("v1");
    expect(backend.calls).toBe(1);
  });

  it("serves a stale entry at once and refreshes it in the background", async () => {
    const ctx = createExecutionContext();
    const options = { ttlSeconds: 1, swrSeconds: 60, waitUntil: (p: Promise<unknown>) => ctx.waitUntil(p), logger };
    const backend = loader(["v1", "v2"]);
    expect(await cachedJson("stale-key", options, backend.load)).toBe("v1");
    await waitOnExecutionContext(ctx);
    // The entry turns stale when its 1 s TTL has passed on the clock (the Cache API keeps real
    // time; fake timers don't reach it): letting that time pass is the point here.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const ctx2 = createExecutionContext();
    const options2 = { ...options, waitUntil: (p: Promise<unknown>) => ctx2.waitUntil(p) };
    expect(await cachedJson("stale-key", options2, backend.load)).toBe("v1");
    await waitOnExecutionContext(ctx2);
    expect(backend.calls).toBe(2);
    expect(await cachedJson("stale-key", options2, backend.load)).toBe("v2");
    expect(backend.calls).toBe(2);
  });

  it("calls the backend every time when caching is off", async () => {
    const ctx = createExecutionContext();
    const options = { ttlSeconds: 0, swrSeconds: 0, waitUntil: (p: Promise<unknown>) => ctx.waitUntil(p), logger };
    const backend = loader(["v1", "v2"]);
    await cachedJson("off-key", options, backend.load);
    expect(await cachedJson("off-key", options, backend.load)).toBe("v2");
    expect(backend.calls).toBe(2);
  });
});
