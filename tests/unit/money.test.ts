import { describe, expect, it } from "vitest";
import { currencyExponent, formatMoney, toMinorUnits } from "../../app/lib/money.ts";

describe("money in minor units, rounded as Medusa's Stripe provider rounds", () => {
  it("rounds Medusa's unrounded USD totals half up to cents", () => {
    expect(toMinorUnits(21.639175, "usd")).toBe(2164);
    expect(toMinorUnits(43.3, "usd")).toBe(4330);
    expect(toMinorUnits(10.825, "usd")).toBe(1083);
    expect(toMinorUnits(0.1 + 0.2, "usd")).toBe(30);
  });

  it("multiplies on decimal digits, so 1.005 dollars is 101 cents and not 100", () => {
    expect(toMinorUnits(1.005, "usd")).toBe(101);
    expect(toMinorUnits(2.675, "eur")).toBe(268);
  });

  it("treats JPY as a zero-decimal currency", () => {
    expect(currencyExponent("JPY")).toBe(0);
    expect(toMinorUnits(1234.5, "jpy")).toBe(1235);
    expect(toMinorUnits(1500, "jpy")).toBe(1500);
  });

  it("rounds three-decimal currencies up to a multiple of ten, as Stripe requires", () => {
    expect(currencyExponent("kwd")).toBe(3);
    expect(toMinorUnits(12.3456, "jod")).toBe(12350);
    expect(toMinorUnits(1.0001, "kwd")).toBe(1000);
    expect(toMinorUnits(1.0011, "bhd")).toBe(1010);
  });

  it("handles numbers JavaScript prints in exponent form", () => {
    expect(toMinorUnits(1e-7, "usd")).toBe(0);
    expect(toMinorUnits(1.5e3, "usd")).toBe(150000);
  });

  it("formats per currency with the currency's own decimals", () => {
    expect(formatMoney(21.639175, "usd")).toBe("$21.64");
    expect(formatMoney(1234.5, "jpy")).toBe("¥1,235");
    expect(formatMoney(12.3456, "jod")).toBe("JOD\u00a012.350");
  });
});
