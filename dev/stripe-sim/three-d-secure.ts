// The hosted 3D Secure page a customer is redirected to when a server-side confirmation
// with a return_url needs authentication (`next_action.redirect_to_url`): the simulator's
// hooks.stripe.com. After the answer it sends the customer back to the return_url with
// the query parameters Stripe adds. (Stripe.js uses its own in-page modal instead.)

import type { IncomingMessage, ServerResponse } from "node:http";
import { completeAuthentication } from "./confirmation.ts";
import { StripeApiError } from "./errors.ts";
import { decodeForm } from "./form.ts";
import { readBody, sendText } from "./http.ts";
import type { PaymentIntent, SetupIntent } from "./objects.ts";
import { completeSetupAuthentication } from "./setup-intents.ts";
import type { Sim } from "./sim.ts";

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem}
button{font:inherit;padding:.5rem 1rem;margin:.25rem .5rem .25rem 0}</style></head>
<body><main>${body}</main></body></html>`;
}

// A PaymentIntent's or a SetupIntent's pending challenge.
function findByToken(sim: Sim, token: string): { intent: PaymentIntent | SetupIntent; returnUrl: string | null } | null {
  for (const [id, internals] of sim.store.intentInternals) {
    if (internals.authenticationToken === token) {
      const intent = sim.store.paymentIntents.get(id) ?? sim.store.setupIntents.get(id);
      if (intent) return { intent, returnUrl: internals.returnUrl };
    }
  }
  return null;
}

export async function handleThreeDSecure(req: IncomingMessage, res: ServerResponse, token: string, sim: Sim): Promise<void> {
  const found = findByToken(sim, token);
  if (!found) {
    sendText(res, 404, "text/html; charset=utf-8", page("Authentication expired", "<h1>Authentication expired</h1><p>This authentication is no longer pending.</p>"));
    return;
  }
  const { intent, returnUrl } = found;
  if (req.method === "GET") {
    const what = intent.object === "payment_intent"
      ? `a payment of ${intent.amount} ${intent.currency.toUpperCase()} (minor units)`
      : "saving a card for later payments";
    const form = (result: string, label: string) =>
      `<form method="post"><input type="hidden" name="result" value="${result}"><button type="submit">${label}</button></form>`;
    sendText(res, 200, "text/html; charset=utf-8", page("Authentication required", `
<section role="dialog" aria-labelledby="title" aria-describedby="desc">
<h1 id="title">Authentication required</h1>
<p id="desc">Simulated 3D Secure challenge for ${escapeHtml(what)}.</p>
${form("approve", "Complete authentication")}
${form("fail", "Fail authentication")}
</section>`));
    return;
  }
  const result = decodeForm(await readBody(req)).result === "fail" ? "fail" : "approve";
  try {
    if (intent.object === "payment_intent") completeAuthentication(sim, intent, result, null);
    else completeSetupAuthentication(sim, intent, result, null);
  } catch (err) {
    if (!(err instanceof StripeApiError)) throw err;
    sendText(res, 409, "text/html; charset=utf-8", page("Authentication failed", `<h1>Authentication not possible</h1><p>${escapeHtml(err.message)}</p>`));
    return;
  }
  if (!returnUrl) {
    sendText(res, 200, "text/html; charset=utf-8", page("Authentication complete", "<h1>Authentication complete</h1><p>You can close this window.</p>"));
    return;
  }
  const target = new URL(returnUrl);
  const kind = intent.object === "payment_intent" ? "payment_intent" : "setup_intent";
  target.searchParams.set(kind, intent.id);
  target.searchParams.set(`${kind}_client_secret`, intent.client_secret);
  target.searchParams.set("redirect_status", result === "approve" ? "succeeded" : "failed");
  res.writeHead(303, { location: target.toString() });
  res.end();
}
