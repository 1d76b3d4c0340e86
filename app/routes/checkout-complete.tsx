import { useEffect } from "react";
import { data, Link, redirect, useRevalidator } from "react-router";
import { clearCartIdCookie } from "~/lib/cart-cookie.server";
import { noStoreHeaders } from "~/lib/http/headers";
import { decideReturn } from "~/lib/checkout/payment/return-page.server";
import { orBackendFailure } from "~/lib/http/backend-failure.server";
import { grantOrderAccess } from "~/lib/order-access.server";
import type { Route } from "./+types/checkout-complete";

/**
 * Where the shopper lands after paying: `?attempt=<checkout_attempt_id>` (checkout
 * contract, section 5). Completes the order (idempotently, through the cart's Durable
 * Object, like the webhook) or waits for the webhook; then clears the cart cookie and
 * sends the shopper to the order. A declined or abandoned payment goes back to checkout.
 */
export function meta() {
  return [{ title: "Finishing your order · Harbor & Pine" }];
}

export { noStoreDocumentHeaders as headers } from "~/lib/http/headers";

export async function loader({ request, context }: Route.LoaderArgs) {
  const { shop, cloudflare } = context;
  const attemptId = new URL(request.url).searchParams.get("attempt");
  const decision = await orBackendFailure(shop, () => decideReturn(shop, cloudflare.env, request, attemptId));

  if (decision.kind === "order") {
    const headers = noStoreHeaders(await grantOrderAccess(shop.config, request, decision.orderId));
    headers.append("set-cookie", await clearCartIdCookie(shop.config));
    return redirect(`/orders/${decision.orderId}/confirmed`, { headers });
  }
  if (decision.kind === "failed") {
    return redirect(`/checkout?payment_error=${encodeURIComponent(decision.message)}`, { headers: noStoreHeaders() });
  }
  if (decision.kind === "not_found") throw data({ message: "Checkout not found" }, { status: 404 });
  return data({ attemptId }, { headers: noStoreHeaders() });
}

const POLL_MS = 2_000;

export default function CheckoutComplete({ loaderData }: Route.ComponentProps) {
  const revalidator = useRevalidator();
  // The payment is in; the order is being made (by the webhook or this page): ask again soon.
  useEffect(() => {
    const timer = setInterval(() => {
      if (revalidator.state === "idle") void revalidator.revalidate();
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [revalidator]);

  return (
    <main className="page checkout-complete" id="main">
      <h1>Finishing your order…</h1>
      <p role="status" aria-live="polite">
        Your payment is in. We're creating your order; this page updates by itself.
      </p>
      <noscript>
        <p>
          <a href={`/checkout/complete?attempt=${loaderData.attemptId}`}>Check again</a>
        </p>
      </noscript>
      <p className="muted">
        Checkout reference: <code data-testid="attempt-id">{loaderData.attemptId}</code>
      </p>
      <p>
        <Link to="/">Continue shopping</Link>
      </p>
    </main>
  );
}
