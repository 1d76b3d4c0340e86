// Issue #5, section 1: the origin policy and cart ownership on every state-changing request,
// on both storefronts (vite dev and the production build). A refused
// request gets the contract's error shape and makes no request to Medusa at all (counted at
// the fault proxy by trace id); the cart read back from Medusa is unchanged.
import { describe, expect, inject, it } from "vitest";
import { readCart } from "../support/medusa.ts";
import { medusaRequestsFor, newTrace } from "../support/proxy.ts";
import { Shopper, shopperWithNotebook, TEXAS_ADDRESS, variantId } from "../support/shopper.ts";
import { answerBody } from "../support/single-fetch.ts";
import { PARTNER_ORIGIN } from "../support/stack-info.ts";

const stack = inject("stack");
const FORM = "application/x-www-form-urlencoded";
const CASE_TIMEOUT_MS = 60_000;

type Mutation = { name: string; path: (shopper: Shopper) => string; contentType: string; body: (shopper: Shopper) => Promise<string> };

/** Every state-changing request the shop accepts, with a valid body for the given shopper. */
const MUTATIONS: Mutation[] = [
  {
    name: "add to cart (document)",
    path: () => "/products/dot-grid-notebook",
    contentType: FORM,
    body: async () => new URLSearchParams({ intent: "add", variant_id: await variantId("dot-grid-notebook", "A5"), quantity: "1" }).toString(),
  },
  {
    name: "add to cart (.data)",
    path: () => "/products/dot-grid-notebook.data",
    contentType: FORM,
    body: async () => new URLSearchParams({ intent: "add", variant_id: await variantId("dot-grid-notebook", "A5"), quantity: "2" }).toString(),
  },
  {
    name: "change quantity",
    path: () => "/cart",
    contentType: FORM,
    body: async (shopper) => new URLSearchParams({ intent: "update-quantity", line_id: (await readCart(shopper.cartId)).items[0]!.id, quantity: "3" }).toString(),
  },
  {
    name: "remove a line (.data)",
    path: () => "/cart.data",
    contentType: FORM,
    body: async (shopper) => new URLSearchParams({ intent: "remove", line_id: (await readCart(shopper.cartId)).items[0]!.id }).toString(),
  },
  {
    name: "checkout shipping refresh",
    path: () => "/checkout.data",
    contentType: "application/json",
    body: async () => JSON.stringify({ intent: "shipping-options", shipping_address: TEXAS_ADDRESS }),
  },
  {
    name: "prepare-for-payment",
    path: (shopper) => `/api/carts/${shopper.cartId}/prepare-for-payment`,
    contentType: "application/json",
    body: async () => JSON.stringify({ email: "policy@example.com", shipping_address: TEXAS_ADDRESS, shipping_option_id: "so_unknown" }),
  },
];

/** Cart fields any of the mutations above would change. */
async function cartState(cartId: string) {
  const cart = await readCart(cartId);
  return { items: cart.items.map((item) => [item.id, item.quantity]), total: cart.total };
}

describe.each(["dev", "preview"] as const)("origin policy (%s storefront)", (mode) => {
  const baseUrl = stack.storefronts[mode]!;
  const CROSS_SITE: Array<{ label: string; headers: (shopper: Shopper) => Record<string, string> }> = [
    { label: "from another site", headers: (shopper) => ({ ...shopper.headers(), origin: "https://evil.example", "sec-fetch-site": "cross-site" }) },
    { label: "with another Origin and no Sec-Fetch-Site", headers: (shopper) => ({ ...shopper.headers(), origin: "https://evil.example" }) },
    { label: "with a look-alike Origin", headers: (shopper) => ({ ...shopper.headers(), origin: `${baseUrl}.evil.example` }) },
    { label: "with Origin: null (sandboxed frame)", headers: (shopper) => ({ ...shopper.headers(), origin: "null" }) },
    { label: "without Origin", headers: (shopper) => Object.fromEntries(Object.entries(shopper.headers()).filter(([name]) => name !== "origin")) },
  ];

  it.for(MUTATIONS)("$name: cross-site requests get 403 and Medusa hears nothing", { timeout: CASE_TIMEOUT_MS }, async (mutation) => {
    const shopper = await shopperWithNotebook(baseUrl);
    const before = await cartState(shopper.cartId);
    for (const cross of CROSS_SITE) {
      const trace = newTrace();
      const answer = await shopper.post(mutation.path(shopper), await mutation.body(shopper), {
        ...cross.headers(shopper),
        "content-type": mutation.contentType,
        traceparent: trace.traceparent,
      });
      expect(answer.status, `${cross.label}: ${answer.text}`).toBe(403);
      expect(JSON.parse(answer.text)).toEqual({
        error: { code: "forbidden", message: "This request did not come from this shop." },
        trace_id: trace.traceId,
      });
      expect(await medusaRequestsFor(trace.traceId), cross.label).toEqual([]);
    }
    expect(await cartState(shopper.cartId)).toEqual(before);
  });

  it("same-origin requests pass: as the URL names the site, behind vite dev --https, behind a proxy, and from ALLOWED_ORIGINS", async () => {
    const shopper = await shopperWithNotebook(baseUrl);
    const add = MUTATIONS[0]!;
    const variants: Array<{ label: string; headers: Record<string, string> }> = [
      { label: "Origin equals the site", headers: {} },
      // Under `vite dev --https` (HTTP/2) the Worker sees no Host header and a URL without
      // the port, so the Origin matches nothing it can see; the browser's Sec-Fetch-Site can.
      { label: "Sec-Fetch-Site: same-origin, Origin not the URL's", headers: { origin: "https://localhost:5443", "sec-fetch-site": "same-origin" } },
      { label: "behind a proxy (X-Forwarded-Host/-Proto)", headers: { origin: "https://shop.example", "x-forwarded-host": "shop.example", "x-forwarded-proto": "https" } },
      { label: "an origin in ALLOWED_ORIGINS", headers: { origin: PARTNER_ORIGIN, "sec-fetch-site": "cross-site" } },
    ];
    let expectedQuantity = 1;
    for (const variant of variants) {
      const answer = await shopper.post(add.path(shopper), await add.body(shopper), {
        ...shopper.headers(),
        ...variant.headers,
        "content-type": add.contentType,
      });
      expect(answer.status, `${variant.label}: ${answer.text.slice(0, 300)}`).toBe(200);
      expectedQuantity += 1;
      expect((await readCart(shopper.cartId)).items[0]!.quantity, variant.label).toBe(expectedQuantity);
    }
  });

  it("leaves the Stripe webhook to its signature: a cross-site post without one is 400, not 403", async () => {
    const response = await fetch(`${baseUrl}/webhooks/stripe`, {
      method: "POST",
      headers: { origin: "https://evil.example", "content-type": "application/json" },
      body: JSON.stringify({ id: "evt_1", type: "payment_intent.succeeded" }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("invalid_signature");
  });
});

describe("ownership: another shopper's cart, line, attempt or order", () => {
  const baseUrl = stack.storefronts.preview!;

  it("prepare-for-payment for someone else's cart: 403, no Medusa call, their cart unchanged", async () => {
    const me = await shopperWithNotebook(baseUrl);
    const them = await shopperWithNotebook(baseUrl);
    const before = await cartState(them.cartId);
    const trace = newTrace();
    const answer = await me.prepare(
      { email: "me@example.com", shipping_address: TEXAS_ADDRESS, shipping_option_id: "so_x" },
      { cartId: them.cartId, traceparent: trace.traceparent },
    );
    expect(answer.status).toBe(403);
    expect(answer.body.error!.code).toBe("forbidden");
    expect(await medusaRequestsFor(trace.traceId)).toEqual([]);
    expect(await cartState(them.cartId)).toEqual(before);
  });

  it.for<{ intent: string; extra: Record<string, string> }>([
    { intent: "update-quantity", extra: { quantity: "5" } },
    { intent: "remove", extra: {} },
  ])("$intent of a line in someone else's cart: 404 and no write to Medusa", async ({ intent, extra }) => {
    const me = await shopperWithNotebook(baseUrl);
    const them = await shopperWithNotebook(baseUrl);
    const theirLine = (await readCart(them.cartId)).items[0]!.id;
    const before = await cartState(them.cartId);
    for (const asWho of [me, new Shopper(baseUrl)]) {
      const trace = newTrace();
      const answer = await asWho.post("/cart", new URLSearchParams({ intent, line_id: theirLine, ...extra }).toString(), {
        ...asWho.headers(),
        "content-type": FORM,
        traceparent: trace.traceparent,
      });
      expect(answer.status).toBe(404);
      const writes = (await medusaRequestsFor(trace.traceId)).filter((request) => request.method !== "GET");
      expect(writes).toEqual([]);
    }
    expect(await cartState(them.cartId)).toEqual(before);
  });

  it("the checkout refresh without a cart of one's own: 404 and no Medusa call", async () => {
    const stranger = new Shopper(baseUrl);
    const trace = newTrace();
    const answer = await stranger.post("/checkout.data", JSON.stringify({ intent: "shipping-options", shipping_address: TEXAS_ADDRESS }), {
      ...stranger.headers(),
      "content-type": "application/json",
      traceparent: trace.traceparent,
    });
    expect(answer.status).toBe(404);
    expect((await answerBody(answer, "/checkout.data")).error!.code).toBe("cart_not_found");
    expect(await medusaRequestsFor(trace.traceId)).toEqual([]);
  });
});
