import { data, Link } from "react-router";
import { noStoreHeaders } from "~/lib/cart-session.server";
import type { Route } from "./+types/checkout-complete";

/**
 * Where Stripe (or the checkout page itself) sends the shopper after paying:
 * `?attempt=<checkout_attempt_id>`, plus Stripe's `payment_intent` and `redirect_status`
 * after a redirect. For now it only acknowledges the payment; completing the order here
 * (contract section 5) arrives with the order-completion issue.
 */
export function meta() {
  return [{ title: "Payment received · Harbor & Pine" }];
}

export { noStoreDocumentHeaders as headers } from "~/lib/http-headers";

const ID = /^[A-Za-z0-9_-]{1,100}$/;

export function loader({ request }: Route.LoaderArgs) {
  const params = new URL(request.url).searchParams;
  const pick = (name: string) => {
    const value = params.get(name);
    return value && ID.test(value) ? value : null;
  };
  return data(
    { attemptId: pick("attempt"), paymentIntentId: pick("payment_intent"), redirectStatus: pick("redirect_status") },
    { headers: noStoreHeaders() },
  );
}

export default function CheckoutComplete({ loaderData }: Route.ComponentProps) {
  const { attemptId, redirectStatus } = loaderData;
  if (!attemptId || (redirectStatus && redirectStatus !== "succeeded" && redirectStatus !== "processing")) {
    return (
      <main className="page checkout-complete" id="main">
        <h1>Your payment wasn't completed</h1>
        <p>Nothing was charged. You can go back to checkout and try again.</p>
        <p>
          <Link to="/checkout" className="button primary">
            Back to checkout
          </Link>
        </p>
      </main>
    );
  }
  return (
    <main className="page checkout-complete" id="main">
      <h1>Payment received — we're finishing your order</h1>
      <p>Thank you! Your payment went through; your order is being created.</p>
      <p className="muted">
        Checkout reference: <code data-testid="attempt-id">{attemptId}</code>
      </p>
      <p>
        <Link to="/">Continue shopping</Link>
      </p>
    </main>
  );
}
