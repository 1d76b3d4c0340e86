import { data, Link, redirect } from "react-router";
import { OrderDetails } from "~/components/OrderDetails";
import { orBackendFailure } from "~/lib/http/backend-failure.server";
import { orderPageData } from "~/lib/order-page.server";
import { grantOrderAccess, readOrderIds } from "~/lib/order-access.server";
import { isOrderLinkKey } from "~/lib/order-link";
import { noStoreHeaders } from "~/lib/http/headers";
import { hasMailedClaim } from "~/lib/account/claim-orders.server";
import { readSession, type CustomerSession } from "~/lib/account/session.server";
import type { Route } from "./+types/order-confirmed";

export { noStoreDocumentHeaders as headers } from "~/lib/http/headers";

export function meta({ data: loaded }: Route.MetaArgs) {
  return [{ title: loaded ? `Order #${loaded.order.display_id ?? ""} ${loaded.status.canceled ? "canceled" : "confirmed"} · Harbor & Pine` : "Order · Harbor & Pine" }];
}

export async function loader({ request, params, context }: Route.LoaderArgs) {
  const { shop } = context;
  const notFound = () => data({ message: "Order not found" }, { status: 404 });
  // The link in the order's emails: its key opens the order in this browser too, then
  // leaves the address bar (and the Referer of anything the page loads).
  const key = new URL(request.url).searchParams.get("key");
  if (key !== null) {
    const secret = shop.config.ORDER_LINK_SECRET;
    if (!secret || key.length > 100 || !(await isOrderLinkKey(secret, params.id, key))) throw notFound();
    const cookie = await grantOrderAccess(shop.config, request, params.id);
    throw redirect(`/orders/${encodeURIComponent(params.id)}/confirmed`, { headers: { "set-cookie": cookie, "cache-control": "no-store" } });
  }
  // Only the browser that placed the order (or has its email's link) may open it; to anyone else it doesn't exist.
  const mine = await readOrderIds(shop.config, request);
  if (!mine.includes(params.id)) throw notFound();
  const [page, session] = await Promise.all([orBackendFailure(shop, () => orderPageData(context, params.id)), readSession(shop, context.cloudflare.env, request).catch(() => null)]);
  if (!page) throw notFound();
  // Medusa emails the order only where it shares ORDER_LINK_SECRET with the storefront.
  return data({ ...page, mailed: Boolean(shop.config.ORDER_LINK_SECRET), account: await accountOffer(context, session, page.order) }, { headers: noStoreHeaders() });
}

/**
 * What the page offers about accounts (README, "Guest orders in an account"): a guest may
 * create an account with the order's email or sign in, and signing in asks for this order
 * (claim-orders.server.ts); a customer sees it in their account once it is theirs, or
 * hears that its link is in the mailbox.
 */
async function accountOffer(context: Route.LoaderArgs["context"], session: CustomerSession | null, order: { id: string; customer_id: string | null }) {
  if (!session) return { kind: "guest" as const };
  if (order.customer_id === session.customerId) return { kind: "yours" as const };
  return (await hasMailedClaim(context, session.customerId, order.id)) ? { kind: "claim_mailed" as const } : { kind: "none" as const };
}

export default function OrderConfirmed({ loaderData }: Route.ComponentProps) {
  const { order, status, mailed, account } = loaderData;
  return (
    <main className="page order-confirmed" id="main">
      <h1>{status.canceled ? `Order #${order.display_id} was canceled` : `Thank you! Order #${order.display_id} is confirmed`}</h1>
      {mailed ? (
        <p>
          A confirmation with a link to this page is on its way to <strong>{order.email}</strong>.
        </p>
      ) : (
        <p>
          Email on this order: <strong>{order.email}</strong>. Keep this page as your receipt.
        </p>
      )}
      <AccountOffer account={account} order={order} mailed={mailed} />
      <OrderDetails order={order} status={status} />
    </main>
  );
}

type OfferProps = { account: Route.ComponentProps["loaderData"]["account"]; order: { id: string; email: string | null; display_id?: number | null }; mailed: boolean };

function AccountOffer({ account, order, mailed }: OfferProps) {
  const here = `/orders/${encodeURIComponent(order.id)}/confirmed`;
  if (account.kind === "yours") {
    return (
      <p data-testid="account-offer">
        <Link to={`/account/orders/${encodeURIComponent(order.id)}`}>See it in your account</Link>
      </p>
    );
  }
  if (account.kind === "claim_mailed") {
    return (
      <p data-testid="account-offer">
        {`We've emailed a link to add order #${order.display_id} to your account.`} Open it and confirm while signed in.
      </p>
    );
  }
  if (account.kind !== "guest") return null;
  const register = new URLSearchParams({ next: here, ...(order.email ? { email: order.email } : {}) });
  if (!mailed) {
    // Adding an order to an account takes a link mailed to its email: without mail, don't promise it.
    return (
      <p data-testid="account-offer">
        <Link to={`/account/register?${register}`}>Create an account</Link> for a faster checkout next time. This order stays a guest order: keep this page as
        your receipt.
      </p>
    );
  }
  return (
    <section className="account-offer" aria-labelledby="account-offer-heading" data-testid="account-offer">
      <h2 id="account-offer-heading">Keep this order with your others</h2>
      <p>
        <Link to={`/account/register?${register}`} className="button primary">
          Create an account to keep this order with your others
        </Link>{" "}
        or <Link to={`/account/sign-in?next=${encodeURIComponent(here)}`}>Sign in</Link> if you have one.{" "}
        {`We'll email a link to ${order.email ?? "the order's email"} to add this order to your account.`}
      </p>
    </section>
  );
}
