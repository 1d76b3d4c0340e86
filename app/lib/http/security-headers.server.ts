import type { AppConfig } from "../config.server";

/**
 * Response headers for every answer of the Worker. The Content-Security-Policy allows what
 * Stripe's Payment Element needs (Stripe's documented list: js.stripe.com scripts and
 * frames, hooks.stripe.com frames for 3D Secure, api.stripe.com calls, *.stripe.com images)
 * and nothing else; React Router's inline scripts carry the per-request nonce. In
 * development the simulator's origin stands in for Stripe's.
 */
export function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

export function contentSecurityPolicy(config: AppConfig, nonce: string): string {
  const simulator = [config.STRIPE_JS_URL, config.STRIPE_API_URL].filter((url): url is string => !!url).map((url) => new URL(url).origin);
  const uniq = (values: string[]) => [...new Set(values)].join(" ");
  return [
    "default-src 'self'",
    `script-src ${uniq(["'self'", `'nonce-${nonce}'`, "https://js.stripe.com", "https://*.js.stripe.com", ...simulator])}`,
    "style-src 'self' 'unsafe-inline'",
    `img-src ${uniq(["'self'", "data:", "https://*.stripe.com", ...simulator])}`,
    `connect-src ${uniq(["'self'", "https://api.stripe.com", ...simulator])}`,
    `frame-src ${uniq(["https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com", ...simulator])}`,
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "object-src 'none'",
  ].join("; ");
}

export function applySecurityHeaders(headers: Headers, config: AppConfig, nonce: string, options: { devServer: boolean }): void {
  headers.set("x-content-type-options", "nosniff");
  headers.set("referrer-policy", "strict-origin-when-cross-origin");
  headers.set("x-frame-options", "DENY");
  if (config.ENVIRONMENT === "production") headers.set("strict-transport-security", "max-age=63072000; includeSubDomains");
  // Vite's dev server injects its own unsigned scripts (HMR); the policy is enforced on the
  // built Worker, which is what `npm run preview`, the browser tests and deploys run.
  if (!options.devServer && headers.get("content-type")?.startsWith("text/html")) {
    headers.set("content-security-policy", contentSecurityPolicy(config, nonce));
  }
}
