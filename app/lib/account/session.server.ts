import type { AppConfig } from "../config.server";
import type { ShopContext } from "../context.server";
import { refreshToken } from "../medusa/customer.server";
import { sha256Hex } from "../sha256";
import { signedCookie } from "../signed-cookie.server";

/**
 * A signed-in customer's session (README, "Customer accounts"). The browser holds only an
 * opaque id, random and signed, in an HttpOnly, SameSite=Lax cookie (Secure in production).
 * The Medusa token it stands for lives in Workers KV under the id's SHA-256 (a copy of the
 * store gives no usable cookie), with a TTL that ends with the token. Signing out deletes
 * the record, so the cookie is worth nothing afterwards even if it was copied.
 *
 * Medusa's customer tokens last `jwtExpiresIn` (1 day by default). A session used after
 * half its token's life gets a fresh token (`/auth/token/refresh`), so a customer who comes
 * back at least daily stays signed in up to the cookie's 30 days.
 */
export type CustomerSession = {
  /** The opaque id's KV key (never the id itself). */
  key: string;
  customerId: string;
  token: string;
  /** When Medusa stops accepting `token` (ms since epoch). */
  expiresAt: number;
  issuedAt: number;
};

type SessionRecord = { customer_id: string; token: string; expires_at: number; issued_at: number };

const COOKIE_MAX_AGE_SECONDS = 60 * 60 * 24 * 30;
const sessionCookie = (config: AppConfig) => signedCookie("session", config, COOKIE_MAX_AGE_SECONDS);
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;
/** KV refuses expirations closer than 60 s. */
const MIN_KV_TTL_SECONDS = 60;

async function keyOf(sessionId: string): Promise<string> {
  return `session:${await sha256Hex(sessionId)}`;
}

function newSessionId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** A Medusa JWT's `iat`/`exp` (ms), read without verifying: Medusa verifies it on every call. */
export function tokenTimes(token: string): { issuedAt: number; expiresAt: number } | null {
  try {
    const payload = JSON.parse(atob(token.split(".")[1]!.replaceAll("-", "+").replaceAll("_", "/"))) as { iat?: unknown; exp?: unknown };
    if (typeof payload.exp !== "number" || typeof payload.iat !== "number") return null;
    return { issuedAt: payload.iat * 1000, expiresAt: payload.exp * 1000 };
  } catch {
    return null;
  }
}

async function store(kv: KVNamespace, key: string, record: SessionRecord): Promise<void> {
  const ttl = Math.max(MIN_KV_TTL_SECONDS, Math.ceil((record.expires_at - Date.now()) / 1000));
  await kv.put(key, JSON.stringify(record), { expirationTtl: ttl });
}

/**
 * Starts a session for a customer's token; resolves with the Set-Cookie header. The
 * customer id comes from Medusa's answer to the token, not from anything the browser sent.
 */
export async function startSession(shop: ShopContext, env: Env, token: string, customerId: string): Promise<string> {
  const times = tokenTimes(token) ?? { issuedAt: Date.now(), expiresAt: Date.now() + 24 * 3600_000 };
  const id = newSessionId();
  await store(env.CUSTOMER_SESSIONS, await keyOf(id), { customer_id: customerId, token, expires_at: times.expiresAt, issued_at: times.issuedAt });
  shop.logger.log("info", "session started", { step: "session", outcome: "ok", customer_id: customerId });
  return sessionCookie(shop.config).serialize(id);
}

/**
 * Sessions read in this request, by cookie header: the shop layout, the account layout and
 * the page each ask, and they get one KV read and at most one token refresh between them.
 */
const readInRequest = new WeakMap<ShopContext, Map<string, Promise<CustomerSession | null>>>();

/**
 * The session this request's cookie names, or null: no cookie, a bad signature, a record
 * that was ended or has expired. Past half its token's life, the token is refreshed.
 * Read once per request (`shop` is the request's context).
 */
export function readSession(shop: ShopContext, env: Env, request: Request): Promise<CustomerSession | null> {
  const cookie = request.headers.get("cookie") ?? "";
  let read = readInRequest.get(shop);
  if (!read) readInRequest.set(shop, (read = new Map()));
  let session = read.get(cookie);
  if (!session) read.set(cookie, (session = readSessionRecord(shop, env, cookie)));
  return session;
}

async function readSessionRecord(shop: ShopContext, env: Env, cookie: string): Promise<CustomerSession | null> {
  const value: unknown = await sessionCookie(shop.config).parse(cookie);
  if (typeof value !== "string" || !SESSION_ID.test(value)) return null;
  const key = await keyOf(value);
  const record = await env.CUSTOMER_SESSIONS.get<SessionRecord>(key, "json");
  if (!record || record.expires_at <= Date.now()) return null;
  const session: CustomerSession = { key, customerId: record.customer_id, token: record.token, expiresAt: record.expires_at, issuedAt: record.issued_at };
  if (Date.now() - session.issuedAt < (session.expiresAt - session.issuedAt) / 2) return session;
  return renewed(shop, env, session);
}

async function renewed(shop: ShopContext, env: Env, session: CustomerSession): Promise<CustomerSession | null> {
  let token: string | null;
  try {
    token = await refreshToken(shop.medusa, session.token);
  } catch (error) {
    // Medusa unreachable: the old token is still valid until it expires.
    shop.logger.log("warn", "session not renewed", { step: "session", outcome: "error", error: String(error) });
    return session;
  }
  if (!token) {
    await env.CUSTOMER_SESSIONS.delete(session.key);
    return null;
  }
  const times = tokenTimes(token);
  if (!times) return session;
  await store(env.CUSTOMER_SESSIONS, session.key, { customer_id: session.customerId, token, expires_at: times.expiresAt, issued_at: times.issuedAt });
  shop.logger.log("info", "session renewed", { step: "session", outcome: "ok", customer_id: session.customerId });
  return { ...session, token, ...times };
}

/** Ends a session (its record is deleted); resolves with the Set-Cookie header that clears the cookie. */
export async function endSession(shop: ShopContext, env: Env, session: CustomerSession | null): Promise<string> {
  readInRequest.delete(shop);
  if (session) {
    await env.CUSTOMER_SESSIONS.delete(session.key);
    shop.logger.log("info", "session ended", { step: "session", outcome: "ok", customer_id: session.customerId });
  }
  return clearSessionCookie(shop.config);
}

export function clearSessionCookie(config: AppConfig): Promise<string> {
  return sessionCookie(config).serialize("", { maxAge: 0 });
}
