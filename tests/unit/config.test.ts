import { describe, expect, it } from "vitest";
import { ConfigError, publicConfig, readConfig } from "../../app/lib/config.server.ts";

const valid = {
  MEDUSA_BACKEND_URL: "http://localhost:9000",
  MEDUSA_PUBLISHABLE_KEY: "pk_123",
  STRIPE_PUBLISHABLE_KEY: "pk_test_abc",
  STRIPE_SECRET_KEY: "sk_test_abc",
  STRIPE_WEBHOOK_SECRET: "whsec_abc",
  SESSION_SECRET: "x".repeat(32),
};

describe("configuration (contract section 7)", () => {
  it("parses a complete configuration with defaults", () => {
    const config = readConfig({ ...valid });
    expect(config.ENVIRONMENT).toBe("production");
    expect(config.MEDUSA_TIMEOUT_MS).toBe(8000);
    expect(config.ALLOWED_ORIGINS).toEqual([]);
  });

  it("names a missing value", () => {
    const { MEDUSA_BACKEND_URL: _omitted, ...rest } = valid;
    expect(() => readConfig(rest)).toThrow(ConfigError);
    expect(() => readConfig({ ...rest })).toThrow(/MEDUSA_BACKEND_URL/);
  });

  it("names a malformed value and says what it should look like", () => {
    expect(() => readConfig({ ...valid, STRIPE_WEBHOOK_SECRET: "secret" })).toThrow(/STRIPE_WEBHOOK_SECRET must start with whsec_/);
    expect(() => readConfig({ ...valid, SESSION_SECRET: "short" })).toThrow(/SESSION_SECRET must be at least 32 characters/);
    expect(() => readConfig({ ...valid, MEDUSA_BACKEND_URL: "ftp://medusa" })).toThrow(/MEDUSA_BACKEND_URL must be an http\(s\) URL/);
    expect(() => readConfig({ ...valid, ALLOWED_ORIGINS: "not a url" })).toThrow(/ALLOWED_ORIGINS/);
  });

  it("never puts the error's values in the message, only names", () => {
    try {
      readConfig({ ...valid, STRIPE_SECRET_KEY: "pk_live_leaked_value" });
      expect.unreachable();
    } catch (error) {
      expect(String(error)).toMatch(/STRIPE_SECRET_KEY/);
      expect(String(error)).not.toMatch(/leaked_value/);
    }
  });

  it("normalises ALLOWED_ORIGINS to origins", () => {
    const config = readConfig({ ...valid, ALLOWED_ORIGINS: "https://shop.example.com/, https://proxy.example.com:8443/path" });
    expect(config.ALLOWED_ORIGINS).toEqual(["https://shop.example.com", "https://proxy.example.com:8443"]);
  });

  it("gives the browser only public values", () => {
    const exposed = JSON.stringify(publicConfig(readConfig({ ...valid })));
    expect(exposed).toContain("pk_test_abc");
    expect(exposed).not.toContain("sk_test_abc");
    expect(exposed).not.toContain("whsec_abc");
    expect(exposed).not.toContain("x".repeat(32));
  });
});
