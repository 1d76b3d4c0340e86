/** Document headers for personal pages (cart, product page after adding, checkout): never cached. */
export function noStoreDocumentHeaders() {
  return { "cache-control": "private, no-store" };
}
