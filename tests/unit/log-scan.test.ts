import { describe, expect, it } from "vitest";
import { scanLogText } from "../support/log-scan.ts";

const SECRETS = [{ name: "SESSION_SECRET", value: "5950c0b45ad0ebc817f8" }];

describe("the log scan (run over every storefront log of the test suite)", () => {
  it("finds a client secret, a secret key, a webhook secret, a full email and a configured secret value", () => {
    const text = [
      '{"msg":"ok","client_secret":"pi_3Ab_secret_Zz9"}',
      "key sk_live_51Habc in a stack trace",
      "signing with whsec_abc123",
      '{"email":"jane.doe@example.com"}',
      "cookie secret 5950c0b45ad0ebc817f8 printed",
    ].join("\n");
    const kinds = scanLogText("x.log", text, SECRETS).map((finding) => [finding.line, finding.kind]);
    expect(kinds).toEqual([
      [1, "client_secret"],
      [2, "secret key"],
      [3, "webhook secret"],
      [4, "email address"],
      [5, "SESSION_SECRET"],
    ]);
  });

  it("lets redacted values, masked emails, ids and package versions through", () => {
    const text = [
      '{"error":"pi_3Ab_secret_[redacted] sk_test_[redacted] whsec_[redacted] j***@example.com"}',
      '{"cart_id":"cart_01M81F","attempt_id":"ca_5XSNV1E589CK5KCWQEDYC0PP","payment_intent_id":"pi_3AbC"}',
      "@react-router/dev@7.18.4 wrangler@4.124.0",
    ].join("\n");
    expect(scanLogText("x.log", text, SECRETS)).toEqual([]);
  });
});
