import { afterEach, describe, expect, it, vi } from "vitest";
import { createLogger, redact, traceIdFor } from "../../app/lib/log.server.ts";

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

  it("masks client secrets, keys, webhook secrets and email addresses in every line", () => {
    const lines: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: string) => void lines.push(line));
    const logger = createLogger("trace-2", "/api");
    logger.log("warn", "backend said", {
      error: "bad email jane.doe+tag@example.co.uk for pi_3AbC_secret_XyZ123 with sk_test_51Hq and whsec_abc/DEF=",
    });
    const line = lines[0]!;
    expect(line).not.toContain("jane.doe");
    expect(line).not.toContain("XyZ123");
    expect(line).not.toContain("sk_test_51Hq");
    expect(line).not.toContain("whsec_abc");
    expect(JSON.parse(line).error).toBe(
      "bad email j***@example.co.uk for pi_3AbC_secret_[redacted] with sk_test_[redacted] and whsec_[redacted]",
    );
    expect(redact("no secrets here, trace 4bf92f35")).toBe("no secrets here, trace 4bf92f35");
  });
});
