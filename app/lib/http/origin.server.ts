import type { AppConfig } from "../config.server";

/**
 * The origin policy for every state-changing request (README, "Origin policy"). A request
 * passes when the browser says it is same-origin (`Sec-Fetch-Site: same-origin`, which a
 * page can't forge), or when its `Origin` is this site as the request URL, the Host header
 * or a proxy's X-Forwarded-Host/-Proto name it, or one of ALLOWED_ORIGINS. Those differ
 * from `request.url` behind `vite dev --https` (HTTP/2 has no Host header, and the URL
 * loses its port) and behind proxies. A cross-site page can't set Sec-Fetch-* or
 * X-Forwarded-* headers on a form post or fetch. Browsers send `Origin` on every POST, so
 * a request without one (and without Sec-Fetch-Site) is refused too.
 */
export function isAllowedOrigin(request: Request, config: AppConfig): boolean {
  const fetchSite = request.headers.get("sec-fetch-site");
  if (fetchSite === "same-origin") return true;
  if (fetchSite === "cross-site" || fetchSite === "same-site") {
    // Only an allow-listed sibling origin may post from another site.
    const origin = request.headers.get("origin");
    return origin !== null && config.ALLOWED_ORIGINS.includes(origin);
  }
  const origin = request.headers.get("origin");
  if (!origin || origin === "null") return false;
  return sameSiteOrigins(request, config).has(origin);
}

function sameSiteOrigins(request: Request, config: AppConfig): Set<string> {
  const url = new URL(request.url);
  const allowed = new Set([url.origin, ...config.ALLOWED_ORIGINS]);
  const protocols = new Set([url.protocol]);
  const forwardedProto = request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim();
  if (forwardedProto === "http" || forwardedProto === "https") protocols.add(`${forwardedProto}:`);
  const hosts = [request.headers.get("host"), request.headers.get("x-forwarded-host")?.split(",")[0]?.trim()];
  for (const host of hosts) {
    if (!host) continue;
    for (const protocol of protocols) allowed.add(`${protocol}//${host}`);
  }
  return allowed;
}

/** The host React Router's own CSRF check must accept for a request this policy let through. */
export function originHost(request: Request): string | null {
  const origin = request.headers.get("origin");
  if (!origin || origin === "null") return null;
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}
