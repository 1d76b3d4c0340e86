import { z } from "zod";

/**
 * Every setting the storefront reads (checkout contract, section 7), parsed once per
 * isolate. A missing or malformed value stops the request with a message naming it, so a
 * misconfigured deploy fails loudly instead of half-working.
 */
const httpUrl = z
  .string()
  .trim()
  .min(1, "is missing")
  .pipe(z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }));

const optionalHttpUrl = z
  .string()
  .trim()
  .optional()
  .transform((value) => (value ? value : undefined))
  .pipe(z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional());

const prefixed = (prefixes: string[]) =>
  z
    .string()
    .trim()
    .min(1, "is missing")
    .refine((value) => prefixes.some((prefix) => value.startsWith(prefix)), {
      error: `must start with ${prefixes.join(" or ")}`,
    });

const originList = z
  .string()
  .optional()
  .transform((value, ctx) => {
    const origins: string[] = [];
    for (const entry of (value ?? "").split(",").map((part) => part.trim()).filter(Boolean)) {
      try {
        origins.push(new URL(entry).origin);
      } catch {
        ctx.addIssue({ code: "custom", message: `"${entry}" is not an origin like https://shop.example.com` });
      }
    }
    return origins;
  });

const configSchema = z.object({
  ENVIRONMENT: z.enum(["development", "production"]).default("production"),
  MEDUSA_BACKEND_URL: httpUrl,
  MEDUSA_PUBLISHABLE_KEY: prefixed(["pk_"]),
  STRIPE_PUBLISHABLE_KEY: prefixed(["pk_"]),
  STRIPE_SECRET_KEY: prefixed(["sk_", "rk_"]),
  STRIPE_WEBHOOK_SECRET: prefixed(["whsec_"]),
  SESSION_SECRET: z.string().min(32, "must be at least 32 characters"),
  ALLOWED_ORIGINS: originList,
  /** Bearer token of `POST /ops/reconcile` (one sweep on demand); the route doesn't exist without it. */
  RECONCILE_TOKEN: z.string().min(32, "must be at least 32 characters").optional(),
  /**
   * Shared with the Medusa that sends order mail: its links to the order page carry a key
   * signed with it (app/lib/order-link.ts). Set it only when Medusa sends order mail: the
   * order page then says a confirmation is on its way.
   */
  ORDER_LINK_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  /** Development only: a Stripe.js stand-in served by the local Stripe simulator. */
  STRIPE_JS_URL: optionalHttpUrl,
  /** Development only: base URL of a Stripe-compatible API (the local simulator). */
  STRIPE_API_URL: optionalHttpUrl,
  /** Medusa call budget in milliseconds. */
  MEDUSA_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(8_000),
  /** How long catalog reads stay fresh at the edge, then how long a stale copy may serve. */
  CATALOG_CACHE_TTL_SECONDS: z.coerce.number().int().min(0).max(3600).default(30),
  CATALOG_CACHE_SWR_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
});

export type AppConfig = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

const parsed = new WeakMap<object, AppConfig>();

export function readConfig(env: object): AppConfig {
  const cached = parsed.get(env);
  if (cached) return cached;
  const result = configSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join(".") || "config"} ${issue.message}`);
    throw new ConfigError(
      `Storefront configuration is invalid: ${problems.join("; ")}. ` +
        "Set these in .dev.vars (local) or with wrangler vars/secrets (deployed); see .dev.vars.example.",
    );
  }
  parsed.set(env, result.data);
  return result.data;
}

/** The subset the browser may see. Never add a secret here. */
export function publicConfig(config: AppConfig) {
  return {
    stripePublishableKey: config.STRIPE_PUBLISHABLE_KEY,
    stripeJsUrl: config.STRIPE_JS_URL ?? null,
  };
}
export type PublicConfig = ReturnType<typeof publicConfig>;
