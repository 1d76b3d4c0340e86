// A customer's session inside workerd (README, "Customer accounts"): the signed cookie, the
// record in the real CUSTOMER_SESSIONS KV namespace (miniflare), and the token's renewal
// through Medusa's `/auth/token/refresh`, answered here by a stand-in that answers as
// Medusa 2.21 does: `{token}` for a token it accepts, 401 `{"message":"Unauthorized"}` for
// one it doesn't. Tokens are JWTs whose signature the storefront never checks (Medusa does).
import { describe, expect, it } from "vitest";
import { endSession, readSession, startSession, tokenTimes } from "../../app/lib/account/session.server";
import { createShopContext, type ShopContext } from "../../app/lib/context.server";
import { createMedusaClient } from "../../app/lib/medusa/client.server";
import { signedCookie } from "../../app/lib/signed-cookie.server";
import { env as testEnv } from "./env";

const env = testEnv as unknown as Env;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const COOKIE_MAX_AGE_SECONDS = 60 * 60 * 24 * 30;

const base64url = (value: unknown) => btoa(JSON.stringify(value)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");

let tokens = 0;
/** A customer token as Medusa issues them: HS256 JWT, `iat`/`exp` in seconds. */
function jwt(customerId: string, issuedAt: number, expiresAt: number): string {
  tokens += 1;
  const payload = {
    actor_id: customerId,
    actor_type: "customer",
    auth_identity_id: `authid_${tokens}`,
    app_metadata: { customer_id: customerId },
    iat: Math.floor(issuedAt / 1000),
    exp: Math.floor(expiresAt / 1000),
  };
  return `${base64url({ alg: "HS256", typ: "JWT" })}.${base64url(payload)}.c2lnbmF0dXJlLWlycmVsZXZhbnQ`;
}

type Call = { method: string; path: string; authorization: string | null };
type Backend = "answers" | "unreachable" | "failing";

/**
 * Medusa's auth module as far as the session uses it. `accepted` are the tokens it takes;
 * a refresh answers a new token (valid a day) and, like Medusa, the old one stays valid.
 */
function fakeMedusa(customerId: string) {
  const calls: Call[] = [];
  const accepted = new Set<string>();
  let backend: Backend = "answers";
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers = new Headers(init?.headers);
    calls.push({ method: init?.method ?? "GET", path: url.pathname, authorization: headers.get("authorization") });
    if (backend === "unreachable") throw new TypeError("fetch failed: connect ECONNREFUSED");
    if (backend === "failing") return Response.json({ type: "unknown_error", message: "An unknown error occurred." }, { status: 500 });
    if (url.pathname !== "/auth/token/refresh" || init?.method !== "POST") return Response.json({ message: "Not found" }, { status: 404 });
    const bearer = /^Bearer (.+)$/.exec(headers.get("authorization") ?? "")?.[1];
    if (!bearer || !accepted.has(bearer)) return Response.json({ message: "Unauthorized" }, { status: 401 });
    const fresh = jwt(customerId, Date.now(), Date.now() + DAY);
    accepted.add(fresh);
    return Response.json({ token: fresh });
  };
  return {
    calls,
    accepted,
    fetch,
    set backend(value: Backend) {
      backend = value;
    },
  };
}

function shopWith(fetch: typeof globalThis.fetch): ShopContext {
  const shop = createShopContext(new Request("https://shop.test/account"), env, () => {});
  const medusa = createMedusaClient({ baseUrl: "https://medusa.test", publishableKey: "pk_test", timeoutMs: 2_000, logger: shop.logger, fetch });
  return { ...shop, medusa };
}

let customers = 0;
/** A customer id, its stand-in Medusa, and the shop that talks to it. */
function setup() {
  customers += 1;
  const customerId = `cus_session${Date.now()}${customers}`;
  const medusa = fakeMedusa(customerId);
  return { customerId, medusa, shop: shopWith(medusa.fetch) };
}

/**
 * The context of another request to the same shop: readSession reads once per request
 * context, and every read in these tests stands for a request of its own.
 */
const newRequest = (shop: ShopContext): ShopContext => ({ ...shop });

/** A signed-in session whose token Medusa issued `hoursAgo` (valid a day), accepted by the stand-in unless told otherwise. */
async function agedSession(hoursAgo: number, { accepted = true } = {}) {
  const { customerId, medusa, shop } = setup();
  const issuedAt = Date.now() - hoursAgo * HOUR;
  const old = jwt(customerId, issuedAt, issuedAt + DAY);
  if (accepted) medusa.accepted.add(old);
  const setCookie = await startSession(shop, env, old, customerId);
  return { customerId, medusa, shop, issuedAt, old, setCookie };
}

/** The request a browser sends back with the cookie of this Set-Cookie header. */
function requestWith(setCookie: string): Request {
  const pair = setCookie.split(";")[0]!;
  return new Request("https://shop.test/account", { headers: { cookie: pair } });
}

const cookieValue = (setCookie: string) => decodeURIComponent(/^session=([^;]*)/.exec(setCookie)![1]!);

type StoredRecord = { customer_id: string; token: string; expires_at: number; issued_at: number };
const stored = (key: string) => env.CUSTOMER_SESSIONS.get<StoredRecord>(key, "json");

describe("customer sessions (KV)", () => {
  it("startSession stores the token under the id's hash; the cookie holds only the signed id, and reads back as the session", async () => {
    const { customerId, medusa, shop } = setup();
    const issuedAt = Date.now() - HOUR;
    const token = jwt(customerId, issuedAt, issuedAt + DAY);
    const setCookie = await startSession(shop, env, token, customerId);
    expect(setCookie).toMatch(/^session=/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).toMatch(new RegExp(`Max-Age=${COOKIE_MAX_AGE_SECONDS}`));
    expect(cookieValue(setCookie)).not.toContain(token.split(".")[1]);

    const session = await readSession(newRequest(shop), env, requestWith(setCookie));
    expect(session).toMatchObject({ customerId, token, issuedAt: Math.floor(issuedAt / 1000) * 1000, expiresAt: Math.floor((issuedAt + DAY) / 1000) * 1000 });
    expect(session!.key).toMatch(/^session:[0-9a-f]{64}$/);
    expect(await stored(session!.key)).toEqual({ customer_id: customerId, token, issued_at: session!.issuedAt, expires_at: session!.expiresAt });
    // Fresh (before half its life): no call to Medusa.
    expect(medusa.calls).toEqual([]);
  });

  it("a record whose expires_at has passed is no session (and Medusa is not asked)", async () => {
    const { customerId, medusa, shop } = setup();
    // Started with a token that has just expired: KV keeps the record (its TTL is at least 60 s).
    const expired = jwt(customerId, Date.now() - DAY - 1_000, Date.now() - 1_000);
    const setCookie = await startSession(shop, env, expired, customerId);
    medusa.accepted.add(expired);
    expect(await readSession(newRequest(shop), env, requestWith(setCookie))).toBeNull();

    // And a live session whose record is rewritten with a past expires_at.
    const live = jwt(customerId, Date.now(), Date.now() + DAY);
    const liveCookie = await startSession(shop, env, live, customerId);
    const session = await readSession(newRequest(shop), env, requestWith(liveCookie));
    expect(session).not.toBeNull();
    await env.CUSTOMER_SESSIONS.put(session!.key, JSON.stringify({ customer_id: customerId, token: live, issued_at: Date.now() - DAY, expires_at: Date.now() - 1 }), { expirationTtl: 60 });
    expect(await readSession(newRequest(shop), env, requestWith(liveCookie))).toBeNull();
    expect(medusa.calls).toEqual([]);
  });

  it("a cookie with a bad signature, or a signed value that is no well-formed id, is no session", async () => {
    const { customerId, medusa, shop } = setup();
    const token = jwt(customerId, Date.now(), Date.now() + DAY);
    const setCookie = await startSession(shop, env, token, customerId);
    expect(await readSession(newRequest(shop), env, requestWith(setCookie))).not.toBeNull();
    const value = cookieValue(setCookie);
    const dot = value.lastIndexOf(".");
    const [data, signature] = [value.slice(0, dot), value.slice(dot + 1)];
    const flip = (text: string, at: number) => `${text.slice(0, at)}${text[at] === "A" ? "B" : "A"}${text.slice(at + 1)}`;
    const badlySigned = [
      `${data}.${flip(signature, 0)}`, // another signature
      `${flip(data, 3)}.${signature}`, // another id under the same signature
      data, // the id without its signature
      `${data}.`,
      `${data}.${signature}${signature}`,
      `${data}.!!not-base64!!`,
      "",
      "garbage",
    ];
    for (const forged of badlySigned) {
      const request = new Request("https://shop.test/account", { headers: { cookie: `session=${encodeURIComponent(forged)}` } });
      expect(await readSession(newRequest(shop), env, request), forged).toBeNull();
    }

    // Correctly signed (with the shop's own secret), but not an id this shop makes.
    const cookie = signedCookie("session", shop.config, COOKIE_MAX_AGE_SECONDS);
    const malformed: unknown[] = ["A".repeat(42), "A".repeat(44), `${"A".repeat(42)}+`, `${"A".repeat(42)}/`, `${"A".repeat(42)}=`, `${"A".repeat(42)} `, "../".repeat(15), 12345, { id: "A".repeat(43) }, ["A".repeat(43)], null, true];
    for (const wrong of malformed) {
      const request = new Request("https://shop.test/account", { headers: { cookie: (await cookie.serialize(wrong)).split(";")[0]! } });
      expect(await readSession(newRequest(shop), env, request), JSON.stringify(wrong)).toBeNull();
    }
    // A well-formed id, signed, that names no record.
    const unknown = new Request("https://shop.test/account", { headers: { cookie: (await cookie.serialize("A".repeat(43))).split(";")[0]! } });
    expect(await readSession(newRequest(shop), env, unknown)).toBeNull();
    // No cookie at all, or other cookies only.
    expect(await readSession(newRequest(shop), env, new Request("https://shop.test/account"))).toBeNull();
    expect(await readSession(newRequest(shop), env, new Request("https://shop.test/account", { headers: { cookie: "cart=abc; session_x=1" } }))).toBeNull();
    // The real cookie still works: none of this touched the session or Medusa.
    expect(await readSession(newRequest(shop), env, requestWith(setCookie))).toMatchObject({ customerId, token });
    expect(medusa.calls).toEqual([]);
  });

  it("endSession deletes the record and clears the cookie: the same cookie, replayed, is no session", async () => {
    const { customerId, shop } = setup();
    const setCookie = await startSession(shop, env, jwt(customerId, Date.now(), Date.now() + DAY), customerId);
    const session = await readSession(newRequest(shop), env, requestWith(setCookie));
    expect(await stored(session!.key)).not.toBeNull();
    const cleared = await endSession(shop, env, session);
    expect(cleared).toMatch(/^session=;/);
    expect(cleared).toMatch(/Max-Age=0/i);
    expect(await stored(session!.key)).toBeNull();
    expect(await readSession(newRequest(shop), env, requestWith(setCookie))).toBeNull();
    // Ending no session only clears the cookie.
    expect(await endSession(shop, env, null)).toMatch(/Max-Age=0/i);
  });

  it("past half of the token's life, readSession refreshes the token through /auth/token/refresh and rewrites the record", async () => {
    const { customerId, medusa, shop, issuedAt, old, setCookie } = await agedSession(13);

    const session = await readSession(newRequest(shop), env, requestWith(setCookie));
    expect(medusa.calls).toEqual([{ method: "POST", path: "/auth/token/refresh", authorization: `Bearer ${old}` }]);
    expect(session).not.toBeNull();
    expect(session!.customerId).toBe(customerId);
    expect(session!.token).not.toBe(old);
    expect(medusa.accepted.has(session!.token)).toBe(true);
    const times = tokenTimes(session!.token)!;
    expect(session).toMatchObject(times);
    expect(times.issuedAt).toBeGreaterThan(issuedAt);
    expect(times.expiresAt).toBeGreaterThan(issuedAt + DAY);
    // The record (same key: the cookie keeps working) holds the new token and its times.
    expect(await stored(session!.key)).toEqual({ customer_id: customerId, token: session!.token, issued_at: times.issuedAt, expires_at: times.expiresAt });

    // The next read is before half the new token's life: no second refresh.
    const again = await readSession(newRequest(shop), env, requestWith(setCookie));
    expect(again).toMatchObject({ token: session!.token, key: session!.key });
    expect(medusa.calls).toHaveLength(1);
  });

  it("a 401 on refresh ends the session: the record is deleted", async () => {
    const { medusa, shop, old: revoked, setCookie } = await agedSession(20, { accepted: false });
    const key = await keyOfCookie(shop, setCookie);
    expect(await stored(key)).not.toBeNull();

    expect(await readSession(newRequest(shop), env, requestWith(setCookie))).toBeNull();
    expect(medusa.calls).toEqual([{ method: "POST", path: "/auth/token/refresh", authorization: `Bearer ${revoked}` }]);
    expect(await stored(key)).toBeNull();
    // Gone for good: the next read asks nobody.
    expect(await readSession(newRequest(shop), env, requestWith(setCookie))).toBeNull();
    expect(medusa.calls).toHaveLength(1);
  });

  it("one request reads its session once: the shop layout, the account layout and the page share one KV read and one refresh", async () => {
    const { medusa, shop, old, setCookie } = await agedSession(13);
    let kvReads = 0;
    const sessions = env.CUSTOMER_SESSIONS;
    const counted = { ...env, CUSTOMER_SESSIONS: { get: (...args: Parameters<KVNamespace["get"]>) => ((kvReads += 1), sessions.get(...args)), put: sessions.put.bind(sessions), delete: sessions.delete.bind(sessions) } } as unknown as Env;

    const request = newRequest(shop);
    const reads = await Promise.all([0, 1, 2].map(() => readSession(request, counted, requestWith(setCookie))));
    expect(kvReads).toBe(1);
    expect(medusa.calls).toHaveLength(1);
    expect(new Set(reads.map((read) => read?.token)).size).toBe(1);
    expect(reads[0]!.token).not.toBe(old);
    // Another cookie in the same request is its own read; another request reads again.
    expect(await readSession(request, counted, new Request("https://shop.test/account"))).toBeNull();
    expect((await readSession(newRequest(shop), counted, requestWith(setCookie)))!.token).toBe(reads[0]!.token);
    expect(kvReads).toBe(2);
    expect(medusa.calls).toHaveLength(1);
    // Signing out within the request: a read after it finds no session.
    await endSession(request, counted, reads[0]!);
    expect(await readSession(request, counted, requestWith(setCookie))).toBeNull();
  });

  it.for(["unreachable", "failing"] as const)("Medusa %s during a refresh keeps the old, still valid session as it was", async (backend) => {
    const { customerId, medusa, shop, old, setCookie } = await agedSession(18);
    medusa.backend = backend;
    const key = await keyOfCookie(shop, setCookie);
    const before = await stored(key);

    const session = await readSession(newRequest(shop), env, requestWith(setCookie));
    expect(session).toMatchObject({ customerId, token: old, key });
    expect(medusa.calls).toHaveLength(1);
    expect(await stored(key)).toEqual(before);

    // Back again: the next read renews it.
    medusa.backend = "answers";
    const renewed = await readSession(newRequest(shop), env, requestWith(setCookie));
    expect(renewed!.token).not.toBe(old);
    expect((await stored(key))!.token).toBe(renewed!.token);
  });
});

/**
 * The KV key of the session a Set-Cookie header names, without reading the session (which
 * would refresh one past half its life): the SHA-256 of the signed id, as session.server.ts keys it.
 */
async function keyOfCookie(shop: ShopContext, setCookie: string): Promise<string> {
  const cookie = signedCookie("session", shop.config, COOKIE_MAX_AGE_SECONDS);
  const id = (await cookie.parse(setCookie.split(";")[0]!)) as string;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(id)));
  return `session:${[...digest].map((byte) => byte.toString(16).padStart(2, "0")).join("")}`;
}
