import { useEffect, useState } from "react";
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
  if (decision.kind === "released") return data({ attemptId, released: { what: decision.what, money: decision.money } }, { headers: noStoreHeaders() });
  return data({ attemptId, released: null }, { headers: noStoreHeaders() });
}

const POLL_MS = 2_000;
/** After this long the shopper is told the order is delayed (the page keeps checking). */
const DELAYED_AFTER_MS = 2 * 60 * 1000;

export default function CheckoutComplete({ loaderData }: Route.ComponentProps) {
  if (loaderData.released) return <Released attemptId={loaderData.attemptId} {...loaderData.released} />;
  return <Finishing attemptId={loaderData.attemptId} />;
}

function Finishing({ attemptId }: { attemptId: string | null }) {
  const revalidator = useRevalidator();
  const [delayed, setDelayed] = useState(false);
  /** True once the page runs in the browser: from then on it checks by itself, and the 2 minutes count. */
  const [checking, setChecking] = useState(false);
  // The payment is in; the order is being made (by the webhook or this page): ask again soon.
  useEffect(() => {
    const timer = setInterval(() => {
      if (revalidator.state === "idle") void revalidator.revalidate();
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [revalidator]);
  useEffect(() => {
    setChecking(true);
    const timer = setTimeout(() => setDelayed(true), DELAYED_AFTER_MS);
    return () => clearTimeout(timer);
  }, []);

  return (
    <main className="page checkout-complete" id="main">
      <h1>{delayed ? "Your order is delayed" : "Finishing your order…"}</h1>
      <p role="status" aria-live="polite" data-checking={checking}>
        {delayed
          ? "Your payment is in, but our shop is taking longer than usual to create your order. You won't be charged twice: we keep trying, and this page updates by itself. If you contact us, quote the reference below."
          : "Your payment is in. We're creating your order; this page updates by itself."}
      </p>
      <noscript>
        <p>
          <a href={`/checkout/complete?attempt=${attemptId}`}>Check again</a>
        </p>
      </noscript>
      <p className="muted">
        Checkout reference: <code data-testid="attempt-id">{attemptId}</code>
      </p>
      <p>
        <Link to="/">Continue shopping</Link>
      </p>
    </main>
  );
}

function Released({ attemptId, what, money }: { attemptId: string | null; what: string; money: string }) {
  return (
    <main className="page checkout-complete" id="main">
      <h1>We couldn't place your order</h1>
      <p role="alert" data-testid="released-what">
        {what}
      </p>
      <p data-testid="released-money">{money}</p>
      <p>
        <Link className="button primary" to="/cart">
          Back to your cart
        </Link>
      </p>
      <p className="muted">
        Checkout reference: <code data-testid="attempt-id">{attemptId}</code>
      </p>
    </main>
  );
}
