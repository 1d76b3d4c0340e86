/**
 * The link in an order's emails. The order page opens only in the browser that placed the
 * order (order-access.server.ts); the email's link must open it anywhere, so it carries a
 * key: HMAC-SHA256 of the order id under ORDER_LINK_SECRET, a secret the storefront and the
 * Medusa that sends the mail share. The page checks the key, remembers the order for that
 * browser and drops the key from the address.
 *
 * Plain TypeScript with Web Crypto only: it runs in the Worker and in Medusa's subscribers
 * (dev/medusa/src/subscribers), which import it.
 */
const encoder = new TextEncoder();

async function hmac(secret: string, orderId: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const signature = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(`order-link:${orderId}`)));
  let binary = "";
  for (const byte of signature) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The order page's address as an email gives it: `<storefront>/orders/<id>/confirmed?key=…`. */
export async function orderLink(storefrontUrl: string, secret: string, orderId: string): Promise<string> {
  const url = new URL(`/orders/${encodeURIComponent(orderId)}/confirmed`, storefrontUrl);
  url.searchParams.set("key", await hmac(secret, orderId));
  return url.toString();
}

/** Whether `key` is the order's link key under `secret` (compared in constant time). */
export async function isOrderLinkKey(secret: string, orderId: string, key: string): Promise<boolean> {
  const expected = await hmac(secret, orderId);
  if (key.length !== expected.length) return false;
  let difference = 0;
  for (let i = 0; i < expected.length; i++) difference |= expected.charCodeAt(i) ^ key.charCodeAt(i);
  return difference === 0;
}
