import { actionFailure } from "./action-failure.server";
import { sha256Hex } from "../sha256";
import { errorAnswer, type ErrorAnswer } from "./answer";
import type { ShopContext } from "../context.server";
import type { Logger } from "../log.server";

/**
 * Workers rate limiting (README, "Rate limits"), on the requests that would reach Medusa
 * or Stripe: called after the origin, ownership and input checks, so invalid input is
 * refused without counting. A client is its `CF-Connecting-IP` (set by Cloudflare; the
 * local runtime keeps a client-sent one, which is how tests and `npm run load` act as
 * many clients). Limits live in wrangler.jsonc; Cloudflare counts per location and
 * eventually consistently, so they stop floods, not the exact Nth request.
 */
type LimitCheck = { limiter: RateLimit; key: string; what: string };

const RETRY_AFTER_SECONDS = 60;

export function clientKey(request: Request): string {
  return request.headers.get("cf-connecting-ip") ?? "unknown-client";
}

/** The first limit exceeded, as a `429` answer with Retry-After; null when all allow it. */
export async function checkLimits(checks: LimitCheck[], logger: Logger, traceId: string): Promise<ErrorAnswer | null> {
  for (const check of checks) {
    const { success } = await check.limiter.limit({ key: check.key });
    if (!success) {
      logger.log("warn", "rate limit reached", { step: "rate_limit", outcome: "error", status: 429, limit: check.what });
      return errorAnswer(
        "rate_limited",
        `Too many requests ${check.what}. Please wait a minute and try again.`,
        traceId,
        {},
        { "retry-after": String(RETRY_AFTER_SECONDS) },
      );
    }
  }
  return null;
}

/**
 * The cart mutations' rate limits (README, "Rate limits"): per client and, once the
 * shopper has a cart, per cart. Null when the request may go ahead.
 */
export async function cartMutationLimited(shop: ShopContext, env: Env, request: Request, cartId: string | null) {
  const checks = [{ limiter: env.RATE_LIMIT_CART_PER_CLIENT, key: clientKey(request), what: "from your connection" }];
  if (cartId) checks.push({ limiter: env.RATE_LIMIT_CART_PER_CART, key: cartId, what: "for this cart" });
  const limited = await checkLimits(checks, shop.logger, shop.traceId);
  return limited ? actionFailure(shop, limited.body.error.code, limited.body.error.message, { headers: limited.headers }) : null;
}

/**
 * Sign-in, sign-up and password reset (README, "Rate limits"): per client and per email
 * address, so neither one connection nor a spread of them can guess one account's
 * password quickly. The email is counted by its SHA-256, never kept as written.
 */
export async function accountLimited(shop: ShopContext, env: Env, request: Request, email: string) {
  const emailKey = await sha256Hex(email.trim().toLowerCase());
  const limited = await checkLimits(
    [
      { limiter: env.RATE_LIMIT_ACCOUNT_PER_CLIENT, key: clientKey(request), what: "from your connection" },
      { limiter: env.RATE_LIMIT_ACCOUNT_PER_EMAIL, key: emailKey, what: "for this email address" },
    ],
    shop.logger,
    shop.traceId,
  );
  return limited ? actionFailure(shop, limited.body.error.code, limited.body.error.message, { headers: limited.headers }) : null;
}
