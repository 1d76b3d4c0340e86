import { describe, expect, it } from "vitest";
import { readConfig } from "../../app/lib/config.server.ts";
import { applySecurityHeaders } from "../../app/lib/http/security-headers.server.ts";

const env = {
  MEDUSA_BACKEND_URL: "https://medusa.example.com",
  MEDUSA_PUBLISHABLE_KEY: "pk_123",
  STRIPE_PUBLISHABLE_KEY: "pk_live_abc",
  STRIPE_SECRET_KEY: "sk_live_abc",
  STRIPE_WEBHOOK_SECRET: "whsec_abc",
  SESSION_SECRET: "x".repeat(32),
};

function headersFor(environment: string, contentType = "text/html; charset=utf-8") {
  const headers = new Headers({ "content-type": contentType });
  applySecurityHeaders(headers, readConfig({ ...env, ENVIRONMENT: environment }), "bm9uY2U=", { devServer: false });
  return headers;
}

describe("security headers (issue #5)", () => {
  it("send HSTS in production only", () => {
    expect(headersFor("production").get("strict-transport-security")).toBe("max-age=63072000; includeSubDomains");
    expect(headersFor("development").get("strict-transport-security")).toBeNull();
  });

  it("allow exactly what Stripe's Payment Element needs in production, and nothing else", () => {
    const policy = headersFor("production").get("content-security-policy")!;
    const directives = Object.fromEntries(policy.split("; ").map((part) => [part.split(" ")[0], part.split(" ").slice(1)]));
    expect(directives).toEqual({
      "default-src": ["'self'"],
      "script-src": ["'self'", "'nonce-bm9uY2U='", "https://js.stripe.com", "https://*.js.stripe.com"],
      "style-src": ["'self'", "'unsafe-inline'"],
      "img-src": ["'self'", "data:", "https://*.stripe.com"],
      "connect-src": ["'self'", "https://api.stripe.com"],
      "frame-src": ["https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"],
      "frame-ancestors": ["'none'"],
      "base-uri": ["'self'"],
      "form-action": ["'self'"],
      "object-src": ["'none'"],
    });
  });

  it("put the policy on pages only, and the other headers on everything", () => {
    const asset = headersFor("production", "application/javascript");
    expect(asset.get("content-security-policy")).toBeNull();
    expect(asset.get("x-content-type-options")).toBe("nosniff");
    expect(asset.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
    expect(asset.get("x-frame-options")).toBe("DENY");
  });
});
