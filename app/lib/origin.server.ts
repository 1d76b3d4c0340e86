import type { AppConfig } from "./config.server";

/**
 * The origin check for state-changing requests that React Router's own check does not
 * cover (resource routes). A request passes when its `Origin` is this site (as the request
 * URL or the Host header names it, which differ behind `vite dev --https` and proxies) or
 * one of ALLOWED_ORIGINS. Browsers send `Origin` on every cross-site and every same-site
 * POST, so a POST without one is refused too.
 */
export function isAllowedOrigin(request: Request, config: AppConfig): boolean {
  const origin = request.headers.get("origin");
  if (!origin || origin === "null") return false;
  const url = new URL(request.url);
  const allowed = new Set([url.origin, ...config.ALLOWED_ORIGINS]);
  const host = request.headers.get("host");
  if (host) allowed.add(`${url.protocol}//${host}`);
  return allowed.has(origin);
}
