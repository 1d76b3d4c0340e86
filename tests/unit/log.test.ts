import { afterEach, describe, expect, it, vi } from "vitest";
import { createLogger, traceIdFor } from "../../app/lib/log.server.ts";

afterEach(() => vi.restoreAllMocks());

describe("structured logs (contract section 6)", () => {
  it("takes the trace id from an incoming traceparent", () => {
    const request = new Request("http://shop.test/", {
      headers: { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" },
    });
    expect(traceIdFor(request)).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
  });

  it("makes a fresh trace id when there is no valid traceparent", () => {
    const a = traceIdFor(new Request("http://shop.test/", { headers: { traceparent: "garbage" } }));
    const b = traceIdFor(new Request("http://shop.test/"));
    expect(a).toMatch(/^[\da-f]{32}$/);
    expect(b).toMatch(/^[\da-f]{32}$/);
    expect(a).not.toBe(b);
  });

  it("writes one JSON line per step with trace id, step, duration and outcome", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: string) => void lines.push(line));
    vi.spyOn(console, "error").mockImplementation((line: string) => void lines.push(line));
    const logger = createLogger("trace-1", "/cart");
    await logger.step("add_line_item", async () => "ok", { cart_id: "cart_1" });
    await expect(logger.step("remove", async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    const [ok, failed] = lines.map((line) => JSON.parse(line));
    expect(ok).toMatchObject({ level: "info", trace_id: "trace-1", route: "/cart", step: "add_line_item", cart_id: "cart_1", outcome: "ok" });
    expect(typeof ok.duration_ms).toBe("number");
    expect(failed).toMatchObject({ level: "warn", step: "remove", outcome: "error", error: "boom" });
  });
});
