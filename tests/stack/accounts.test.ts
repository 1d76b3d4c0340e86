// Issue #11, sections 1–3: customer accounts on the production build, against the real
// Medusa (its auth and customer modules). Sign-up, sign-in, sign-out and the session cookie;
// the cart moved to the customer and an earlier cart's lines kept; the account pages
// (profile, orders, addresses) and their ownership checks, counted at the fault proxy;
// the origin policy and the rate limits of the new POSTs.
import { describe, expect, inject, it } from "vitest";
import { readWranglerConfig } from "../../dev/worker-config.ts";
import { accountInMedusa, cartOwner, customerByEmail, expectCrossOriginRefused, page, PASSWORD, postForm, registration, signedUp, signIn, signOut, signUp } from "../support/customer.ts";
import { adminRequest } from "../support/medusa-admin.ts";
import { shippingOptionId } from "../support/medusa.ts";
import { medusaRequestsFor, newTrace } from "../support/proxy.ts";
import { Shopper, TEXAS_ADDRESS, variantId } from "../support/shopper.ts";

const stack = inject("stack");
const baseUrl = stack.storefronts.preview!;
const CASE_TIMEOUT_MS = 120_000;

const newShopper = () => new Shopper(baseUrl);

function setCookies(response: Response): string[] {
  return response.headers.getSetCookie();
}

async function medusaCallsOf(run: (traceparent: string) => Promise<Response>) {
  const trace = newTrace();
  const response = await run(trace.traceparent);
  const text = await response.text();
  return { response, text, requests: await medusaRequestsFor(trace.traceId) };
}

describe("sign up, sign in, sign out", () => {
  it("sign-up makes a Medusa customer with an account and signs in with an opaque HttpOnly session cookie", { timeout: CASE_TIMEOUT_MS }, async () => {
    const shopper = newShopper();
    const account = registration("signup");
    // Typed with capitals and spaces: the account is the lower-cased mailbox.
    const response = await signUp(shopper, { ...account, email: `  ${account.email.toUpperCase()} ` }, "/account/orders");
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/account/orders");
    const cookie = setCookies(response).find((line) => line.startsWith("session="));
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\//);
    // The browser holds an opaque id, never Medusa's token (a JWT starts "eyJ").
    expect(decodeURIComponent(cookie!)).not.toMatch(/eyJ/);

    const customer = await customerByEmail(account.email);
    expect(customer).toMatchObject({ email: account.email, has_account: true });
    const profile = await page(shopper, "/account");
    expect(profile.status).toBe(200);
    expect(profile.html).toContain(account.email);
    expect(profile.html).toContain('value="Ada"');
  });

  it("bad input gets field messages and creates nothing in Medusa", { timeout: CASE_TIMEOUT_MS }, async () => {
    const shopper = newShopper();
    const trace = newTrace();
    const email = registration("bad").email;
    const response = await postForm(shopper, "/account/register.data", { intent: "sign-up", first_name: "", last_name: "Lee", email: "not-an-email", password: "short" }, { traceparent: trace.traceparent });
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).toContain("Enter your first name.");
    expect(text).toContain("Enter an email address like name@example.com.");
    expect(text).toContain("Use at least 8 characters.");
    expect(await medusaRequestsFor(trace.traceId)).toEqual([]);
    // A valid email with a short password: still nothing reaches Medusa.
    const short = await medusaCallsOf((traceparent) => postForm(shopper, "/account/register", { intent: "sign-up", first_name: "A", last_name: "B", email, password: "1234567" }, { traceparent }));
    expect(short.response.status).toBe(400);
    expect(short.requests).toEqual([]);
    expect(await customerByEmail(email)).toBeUndefined();
  });

  it("registering an email that has an account is refused with a pointer to sign in; the account is unchanged", { timeout: CASE_TIMEOUT_MS }, async () => {
    const account = await signedUp(newShopper(), "twice");
    const again = newShopper();
    const response = await postForm(again, "/account/register", { intent: "sign-up", ...account, password: "another-password" });
    expect(response.status).toBe(409);
    expect(await response.text()).toContain("An account with this email already exists");
    expect(setCookies(response).some((line) => line.startsWith("session="))).toBe(false);
    // The original password still works; the attempted one doesn't.
    expect((await signIn(newShopper(), account.email, "another-password")).status).toBe(401);
    expect((await signIn(newShopper(), account.email, account.password)).status).toBe(302);
  });

  it("a wrong password and an unknown email get the same neutral answer", { timeout: CASE_TIMEOUT_MS }, async () => {
    const account = await signedUp(newShopper(), "neutral");
    const wrong = await postForm(newShopper(), "/account/sign-in.data", { intent: "sign-in", email: account.email, password: "not-the-password" });
    const unknown = await postForm(newShopper(), "/account/sign-in.data", { intent: "sign-in", email: registration("nobody").email, password: "not-the-password" });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const message = (text: string) => /don't match an account[^"]*/.exec(text)?.[0];
    const [wrongText, unknownText] = [await wrong.text(), await unknown.text()];
    expect(message(wrongText)).toBeDefined();
    expect(message(wrongText)).toBe(message(unknownText));
    expect(setCookies(wrong).some((line) => line.startsWith("session="))).toBe(false);
  });

  it("sign-out ends the session: the same cookie, replayed, is signed out", { timeout: CASE_TIMEOUT_MS }, async () => {
    const shopper = newShopper();
    await signedUp(shopper, "signout");
    const copied = shopper.cookie;
    expect((await page(shopper, "/account")).status).toBe(200);
    const out = await signOut(shopper);
    expect(out.status).toBe(302);
    expect(setCookies(out).find((line) => line.startsWith("session="))).toMatch(/Max-Age=0/i);
    const replay = await fetch(`${baseUrl}/account`, { headers: { cookie: copied }, redirect: "manual" });
    expect(replay.status).toBe(302);
    expect(replay.headers.get("location")).toBe("/account/sign-in?next=%2Faccount");
    // A GET of the sign-out URL signs nobody out.
    const signedIn = newShopper();
    await signedUp(signedIn, "getsignout");
    const get = await signedIn.request("/account/sign-out");
    expect(get.status).toBe(302);
    expect((await page(signedIn, "/account")).status).toBe(200);
  });

  it("a tampered or forged session cookie is no session", { timeout: CASE_TIMEOUT_MS }, async () => {
    const shopper = newShopper();
    await signedUp(shopper, "tamper");
    const value = /session=([^;]+)/.exec(shopper.cookie)![1]!;
    const decoded = decodeURIComponent(value);
    // Flip one character of the signed id; then a well-formed but unsigned value.
    const flipped = decoded.replace(/[A-Za-z]/, (char) => (char === "a" ? "b" : "a"));
    for (const forged of [flipped, btoa(JSON.stringify("A".repeat(43))), `${decoded}x`]) {
      const response = await fetch(`${baseUrl}/account`, { headers: { cookie: `session=${encodeURIComponent(forged)}` }, redirect: "manual" });
      await response.arrayBuffer();
      expect(response.status, forged).toBe(302);
      expect(response.headers.get("location")).toMatch(/^\/account\/sign-in/);
    }
    expect((await page(shopper, "/account")).status).toBe(200);
  });

  it("every account page sends a signed-out visitor to sign in and back", { timeout: CASE_TIMEOUT_MS }, async () => {
    const visitor = newShopper();
    for (const path of ["/account", "/account/orders", "/account/addresses", "/account/orders/order_01ABCDEFGHJKMNPQRSTVWXYZ00"]) {
      const answer = await page(visitor, path);
      expect(answer.status, path).toBe(302);
      expect(answer.location).toBe(`/account/sign-in?next=${encodeURIComponent(path)}`);
    }
    // `next` is a path of this shop only: another host falls back to /account.
    const account = await signedUp(newShopper(), "next");
    for (const next of ["https://evil.example/", "//evil.example/", "/\\evil.example"]) {
      const response = await signIn(newShopper(), account.email, account.password, next);
      expect(response.headers.get("location"), next).toBe("/account");
    }
  });

  it("the origin policy covers the account POSTs: cross-origin sign-in, sign-up and sign-out are refused before Medusa", { timeout: CASE_TIMEOUT_MS }, async () => {
    const shopper = newShopper();
    const account = await signedUp(shopper, "origin");
    await expectCrossOriginRefused(shopper, [
      ["/account/sign-in", { intent: "sign-in", email: account.email, password: account.password }],
      ["/account/register", { intent: "sign-up", ...registration("origin2") }],
      ["/account/sign-out", {}],
      ["/account", { intent: "update-profile", first_name: "Mallory", last_name: "X" }],
    ]);
    // Still signed in, profile unchanged.
    expect((await page(shopper, "/account")).html).toContain('value="Ada"');
  });
});

describe("the cart across sign-in", () => {
  it("signing in with a cart moves it to the customer; the cookie keeps the same cart", { timeout: CASE_TIMEOUT_MS }, async () => {
    const account = await signedUp(newShopper(), "transfer");
    const guest = newShopper();
    await guest.addToCart("dot-grid-notebook", "A6");
    const cartId = guest.cartId;
    expect((await cartOwner(cartId)).cart.customer_id).not.toBe((await customerByEmail(account.email))!.id);
    expect((await signIn(guest, account.email, account.password)).status).toBe(302);
    expect(guest.cartId).toBe(cartId);
    const { cart } = await cartOwner(cartId);
    expect(cart.customer_id).toBe((await customerByEmail(account.email))!.id);
    expect(cart.email).toBe(account.email);
  });

  it("an earlier cart is not lost: its lines join the cart in hand, and with no cart it comes back", { timeout: CASE_TIMEOUT_MS }, async () => {
    const first = newShopper();
    const account = await signedUp(first, "merge");
    await first.addToCart("canvas-tote-bag", "Natural", 2);
    const earlierCart = first.cartId;
    expect((await cartOwner(earlierCart)).cart.customer_id).toBe((await customerByEmail(account.email))!.id);

    // Another browser, a guest cart with a notebook, then sign in: one cart with both.
    const second = newShopper();
    await second.addToCart("dot-grid-notebook", "A6");
    const response = await signIn(second, account.email, account.password, "/cart");
    expect(response.headers.get("location")).toBe("/cart?cart_notice=merged");
    const merged = (await cartOwner(second.cartId)).cart;
    const tote = await variantId("canvas-tote-bag", "Natural");
    const notebook = await variantId("dot-grid-notebook", "A6");
    expect(merged.items.map((item) => [item.variant_id, item.quantity]).sort()).toEqual([[notebook, 1], [tote, 2]].sort());
    const cartPage = await page(second, "/cart?cart_notice=merged");
    expect(cartPage.html).toContain("We added the items from your last visit to your cart.");

    // Signed out, the browser forgets the cart; signing in again brings it back.
    const mergedCartId = second.cartId;
    await signOut(second);
    expect(second.hasCart).toBe(false);
    const back = await signIn(second, account.email, account.password, "/cart");
    expect(back.headers.get("location")).toBe("/cart?cart_notice=restored");
    expect(second.cartId).toBe(mergedCartId);
    expect((await cartOwner(second.cartId)).cart.items).toHaveLength(2);
  });

  it("a signed-in customer's new cart is theirs from the start", { timeout: CASE_TIMEOUT_MS }, async () => {
    const shopper = newShopper();
    const account = await signedUp(shopper, "newcart");
    await shopper.addToCart("dot-grid-notebook", "A6");
    expect((await cartOwner(shopper.cartId)).cart.customer_id).toBe((await customerByEmail(account.email))!.id);
  });
});

describe("orders and ownership", () => {
  it("a signed-in customer's order is theirs and listed at once with its total and statuses; another customer gets 404", { timeout: 180_000 }, async () => {
    const buyer = newShopper();
    const account = await signedUp(buyer, "orders");
    await buyer.addToCart("dot-grid-notebook", "A6");
    const prepared = await buyer.prepared({ email: account.email, shipping_address: TEXAS_ADDRESS, shipping_option_id: await shippingOptionId(buyer.cartId) });
    await buyer.confirmPayment(stack.stripeSimUrl, prepared);
    const { orderId } = await buyer.waitForOrder(prepared.checkout_attempt_id);

    const list = await page(buyer, "/account/orders");
    expect(list.status).toBe(200);
    const row = new RegExp(`data-order-id="${orderId}"[\\s\\S]*?</tr>`).exec(list.html)?.[0];
    expect(row, "the order is in the list").toBeDefined();
    const total = (prepared.amount / 100).toFixed(2);
    expect(row).toContain(`$${total}`);
    expect(row).toContain("1 × Dot Grid Notebook");
    expect(row).toMatch(/data-testid="order-payment">Authorized</);
    expect(row).toMatch(/data-testid="order-fulfillment">Preparing</);

    const detail = await page(buyer, `/account/orders/${orderId}`);
    expect(detail.status).toBe(200);
    expect(detail.html).toContain("Order #");
    expect(detail.html).toContain(`$${total}`);

    // Another customer, signed in, with the order id: not found, like an unknown id.
    const other = newShopper();
    await signedUp(other, "snoop");
    const snooped = await page(other, `/account/orders/${orderId}`);
    expect(snooped.status).toBe(404);
    expect(snooped.html).not.toContain(account.email);
    expect((await page(other, "/account/orders")).html).not.toContain(orderId);
    const unknown = await page(other, "/account/orders/order_01ABCDEFGHJKMNPQRSTVWXYZ00");
    expect(unknown.status).toBe(404);
  });
});

describe("the order list", () => {
  it("pages by 10, newest first; a guest who pays with an account's email isn't asked to sign in, and Medusa files the order under that account", { timeout: 300_000 }, async () => {
    const buyer = newShopper();
    const account = await signedUp(buyer, "pages");
    const orderIds: string[] = [];
    for (let index = 0; index < 11; index++) {
      await buyer.addToCart("dot-grid-notebook", "A6");
      const prepared = await buyer.prepared({ email: account.email, shipping_address: TEXAS_ADDRESS, shipping_option_id: await shippingOptionId(buyer.cartId) });
      await buyer.confirmPayment(stack.stripeSimUrl, prepared);
      orderIds.push((await buyer.waitForOrder(prepared.checkout_attempt_id)).orderId);
    }
    const listed = (html: string) => [...html.matchAll(/data-order-id="([^"]+)"/g)].map((match) => match[1]);
    const first = await page(buyer, "/account/orders");
    expect(listed(first.html)).toEqual(orderIds.slice(1).reverse());
    expect(first.html).toContain("Page 1 of 2");
    expect(first.html).toContain("Older orders");
    const second = await page(buyer, "/account/orders?page=2");
    expect(listed(second.html)).toEqual([orderIds[0]]);
    expect(second.html).toContain("Newer orders");
    // A page number that isn't one: the first page.
    expect(listed((await page(buyer, "/account/orders?page=abc")).html)).toEqual(orderIds.slice(1).reverse());

    // A guest (another browser, not signed in) pays with the account's email: no sign-in asked.
    const guest = newShopper();
    await guest.addToCart("dot-grid-notebook", "A6");
    const prepared = await guest.prepared({ email: account.email, shipping_address: TEXAS_ADDRESS, shipping_option_id: await shippingOptionId(guest.cartId) });
    await guest.confirmPayment(stack.stripeSimUrl, prepared);
    const { orderId } = await guest.waitForOrder(prepared.checkout_attempt_id);
    const { order } = await adminRequest<{ order: { customer_id: string } }>(`/admin/orders/${orderId}?fields=id,customer_id`);
    // Medusa (2.21, measured) gives a guest cart with an account's email to that account:
    // the order is the account's, and listed there (its confirmation went to that mailbox anyway).
    expect(order.customer_id).toBe((await customerByEmail(account.email))!.id);
    expect(listed((await page(buyer, "/account/orders")).html)[0]).toBe(orderId);
  });
});

describe("profile and addresses", () => {
  it("the profile's name and phone are saved in Medusa; bad input changes nothing", { timeout: CASE_TIMEOUT_MS }, async () => {
    const shopper = newShopper();
    const account = await signedUp(shopper, "profile");
    const saved = await postForm(shopper, "/account", { intent: "update-profile", first_name: "Grace", last_name: "Hopper", phone: "+1 512 555 0100" });
    expect(saved.status).toBe(200);
    expect(await saved.text()).toContain("Your details are saved.");
    const trace = newTrace();
    const refused = await postForm(shopper, "/account.data", { intent: "update-profile", first_name: "", last_name: "Hopper", phone: "call me" }, { traceparent: trace.traceparent });
    expect(refused.status).toBe(400);
    const text = await refused.text();
    expect(text).toContain("Enter your first name.");
    expect(text).toContain("Enter a phone number with digits only.");
    expect(await medusaRequestsFor(trace.traceId)).toEqual([]);
    const customer = await customerByEmail(account.email);
    const { customer: stored } = await adminRequest<{ customer: { first_name: string; last_name: string; phone: string } }>(`/admin/customers/${customer!.id}`);
    expect(stored).toMatchObject({ first_name: "Grace", last_name: "Hopper", phone: "+1 512 555 0100" });
  });

  it("add, edit, make default and delete an address; another customer's address id is 404 and never written", { timeout: CASE_TIMEOUT_MS }, async () => {
    const shopper = newShopper();
    await signedUp(shopper, "addresses");
    const fields = (overrides: Record<string, string> = {}) => {
      const form: Record<string, string> = {};
      for (const [key, value] of Object.entries({ ...TEXAS_ADDRESS, ...overrides })) if (value !== null && value !== undefined) form[`address.${key}`] = String(value);
      return form;
    };
    expect((await postForm(shopper, "/account/addresses", { intent: "add-address", ...fields(), "address.is_default_shipping": "on" })).status).toBe(200);
    expect((await postForm(shopper, "/account/addresses", { intent: "add-address", ...fields({ address_1: "2 Second St" }) })).status).toBe(200);
    let listed = await page(shopper, "/account/addresses");
    const ids = [...listed.html.matchAll(/data-address-id="([^"]+)"/g)].map((match) => match[1]!);
    expect(ids).toHaveLength(2);

    const cardOf = (html: string, id: string) => new RegExp(`data-address-id="${id}"[\\s\\S]*?</li>`).exec(html)?.[0] ?? "";
    const second = ids.find((id) => cardOf(listed.html, id).includes("2 Second St"))!;
    expect((await postForm(shopper, "/account/addresses", { intent: "update-address", address_id: second, ...fields({ address_1: "3 Third St" }) })).status).toBe(200);
    expect((await postForm(shopper, "/account/addresses", { intent: "set-default", address_id: second, kind: "billing" })).status).toBe(200);
    listed = await page(shopper, "/account/addresses");
    expect(listed.html).toContain("3 Third St");
    expect(listed.html).not.toContain("2 Second St");
    expect(listed.html).toMatch(/Default billing/);

    // Another customer with these ids: 404, and no write reached Medusa.
    const other = newShopper();
    await signedUp(other, "addr-snoop");
    const attempts: Record<string, string>[] = [
      { intent: "update-address", address_id: second, ...fields({ address_1: "Hijacked" }) },
      { intent: "delete-address", address_id: second },
      { intent: "set-default", address_id: second, kind: "shipping" },
    ];
    for (const form of attempts) {
      const trace = newTrace();
      const response = await postForm(other, "/account/addresses.data", form, { traceparent: trace.traceparent });
      expect(response.status, form.intent).toBe(404);
      await response.arrayBuffer();
      const writes = (await medusaRequestsFor(trace.traceId)).filter((request) => request.method !== "GET");
      expect(writes, form.intent).toEqual([]);
    }
    expect((await page(shopper, "/account/addresses")).html).toContain("3 Third St");

    // Invalid input: field messages, nothing sent to Medusa.
    const trace = newTrace();
    const bad = await postForm(shopper, "/account/addresses.data", { intent: "add-address", ...fields({ postal_code: "ABC" }) }, { traceparent: trace.traceparent });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("Enter a 5-digit ZIP code, like 78701.");
    expect(await medusaRequestsFor(trace.traceId)).toEqual([]);

    expect((await postForm(shopper, "/account/addresses", { intent: "delete-address", address_id: second })).status).toBe(200);
    listed = await page(shopper, "/account/addresses");
    expect([...listed.html.matchAll(/data-address-id="([^"]+)"/g)].map((match) => match[1])).toEqual(ids.filter((id) => id !== second));
  });
});

describe("rate limits on sign-in and sign-up", () => {
  type Binding = { name: string; simple: { limit: number; period: number } };
  const limits = new Map(((readWranglerConfig().ratelimits ?? []) as Binding[]).map((binding) => [binding.name, binding.simple.limit]));

  it("per email: the attempts past the limit are 429 with Retry-After, whatever the connection; nothing reaches Medusa", { timeout: CASE_TIMEOUT_MS }, async () => {
    // Made in Medusa directly: a sign-up through the storefront would count against this email's limit.
    const account = await accountInMedusa("limit-email");
    const limit = limits.get("RATE_LIMIT_ACCOUNT_PER_EMAIL")!;
    expect(limit).toBeGreaterThan(0);
    // Windows follow the clock minute: start early in one.
    if (60_000 - (Date.now() % 60_000) < 20_000) await new Promise((resolve) => setTimeout(resolve, 60_000 - (Date.now() % 60_000) + 100));
    const statuses: number[] = [];
    for (let index = 0; index < limit; index++) statuses.push((await signIn(newShopper(), account.email, "wrong-password")).status);
    expect(statuses.every((status) => status === 401)).toBe(true);
    const trace = newTrace();
    const limited = await postForm(newShopper(), "/account/sign-in", { intent: "sign-in", email: account.email, password: PASSWORD }, { traceparent: trace.traceparent });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("60");
    expect(await limited.text()).toContain("Too many requests for this email address");
    expect(await medusaRequestsFor(trace.traceId)).toEqual([]);
  });

  it("per client: one connection trying many emails is stopped", { timeout: CASE_TIMEOUT_MS }, async () => {
    const limit = limits.get("RATE_LIMIT_ACCOUNT_PER_CLIENT")!;
    if (60_000 - (Date.now() % 60_000) < 20_000) await new Promise((resolve) => setTimeout(resolve, 60_000 - (Date.now() % 60_000) + 100));
    const shopper = newShopper();
    const statuses: number[] = [];
    for (let index = 0; index <= limit; index++) statuses.push((await signIn(shopper, registration("spray").email, "wrong-password")).status);
    expect(statuses.slice(0, limit).every((status) => status === 401)).toBe(true);
    expect(statuses[limit]).toBe(429);
  });
});
