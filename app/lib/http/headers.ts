import type { HeadersArgs } from "react-router";

/**
 * Document headers for personal pages (cart, product page after adding, checkout): never
 * cached. A refused action's Retry-After (a rate limit) reaches the browser too.
 */
export function noStoreDocumentHeaders({ actionHeaders }: HeadersArgs) {
  const headers = new Headers({ "cache-control": "private, no-store" });
  const retryAfter = actionHeaders.get("retry-after");
  if (retryAfter) headers.set("retry-after", retryAfter);
  return headers;
}

/** Cart pages and answers are personal: never cached anywhere. */
export function noStoreHeaders(setCookie?: string): Headers {
  const headers = new Headers({ "cache-control": "private, no-store" });
  if (setCookie) headers.append("set-cookie", setCookie);
  return headers;
}
