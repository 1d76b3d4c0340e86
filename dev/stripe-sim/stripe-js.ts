// Serves the Stripe.js stand-in (stripe-js/stripe.js) at GET /js/stripe.js. The script finds
// the API from its own URL, so no configuration is baked in here.

import { readFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { sendText } from "./http.ts";

const SOURCE = readFileSync(new URL("./stripe-js/stripe.js", import.meta.url), "utf8");

export function serveStripeJs(res: ServerResponse): void {
  sendText(res, 200, "application/javascript; charset=utf-8", SOURCE, {
    "access-control-allow-origin": "*",
    // Development tool: always the current file, never a stale cached copy.
    "cache-control": "no-cache",
  });
}
