import { describe, expect, it } from "vitest";
import { clearCartIdCookie, readCartId, setCartIdCookie } from "../../app/lib/cart-cookie.server.ts";
import { readConfig } from "../../app/lib/config.server.ts";

const base = {
  MEDUSA_BACKEND_URL: "http://localhost:9000",
  MEDUSA_PUBLISHABLE_KEY: "pk_1",
  STRIPE_PUBLISHABLE_KEY: "pk_test_1",
  STRIPE_SECRET_KEY: "sk_test_1",
  STRIPE_WEBHOOK_SECRET: "whsec_1",
};
const production = readConfig({ ...base, SESSION_SECRET: "a".repeat(40) });
const development = readConfig({ ...base, ENVIRONMENT: "development", SESSION_SECRET: "a".repeat(40) });
const otherSecret = readConfig({ ...base, SESSION_SECRET: "b".repeat(40) });

const requestWith = (setCookie: string) => new Request("http://shop.test/", { headers: { cookie: setCookie.split(";")[0]! } });
const CART = "cart_01M813Y8PZ9J0N4XSDNKSXYVC7";

describe("the cart cookie", () => {
  it("is signed, HttpOnly, SameSite=Lax, and Secure in production", async () => {
    const header = await setCartIdCookie(production, CART);
    expect(header).toMatch(/HttpOnly/);
    expect(header).toMatch(/SameSite=Lax/);
    expect(header).toMatch(/Secure/);
    expect(header).not.toContain(CART);
    expect(await readCartId(production, requestWith(header))).toBe(CART);
  });

  it("is not Secure in development, so http://localhost works", async () => {
    expect(await setCartIdCookie(development, CART)).not.toMatch(/Secure/);
  });

  it("rejects a cookie signed with another secret", async () => {
    const header = await setCartIdCookie(otherSecret, CART);
    expect(await readCartId(production, requestWith(header))).toBeNull();
  });

  it("rejects a tampered or hand-made cookie", async () => {
    const header = await setCartIdCookie(production, CART);
    const [name, value] = header.split(";")[0]!.split("=");
    const tampered = `${name}=${value!.slice(0, -3)}abc`;
    expect(await readCartId(production, new Request("http://shop.test/", { headers: { cookie: tampered } }))).toBeNull();
    const forged = `cart=${btoa(JSON.stringify("cart_01FORGEDFORGEDFORGED"))}`;
    expect(await readCartId(production, new Request("http://shop.test/", { headers: { cookie: forged } }))).toBeNull();
  });

  it("is cleared by an expiring cookie", async () => {
    expect(await clearCartIdCookie(production)).toMatch(/Max-Age=0/);
  });
});
