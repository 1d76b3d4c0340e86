import { data, redirect } from "react-router";
import { OrderDetails } from "~/components/OrderDetails";
import { orBackendFailure } from "~/lib/http/backend-failure.server";
import { orderPageData } from "~/lib/order-page.server";
import { grantOrderAccess, readOrderIds } from "~/lib/order-access.server";
import { isOrderLinkKey } from "~/lib/order-link";
import { noStoreHeaders } from "~/lib/http/headers";
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
  const page = await orBackendFailure(shop, () => orderPageData(context, params.id));
  if (!page) throw notFound();
  // Medusa emails the order only where it shares ORDER_LINK_SECRET with the storefront.
  return data({ ...page, mailed: Boolean(shop.config.ORDER_LINK_SECRET) }, { headers: noStoreHeaders() });
}

export default function OrderConfirmed({ loaderData }: Route.ComponentProps) {
  const { order, status, mailed } = loaderData;
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
      <OrderDetails order={order} status={status} />
    </main>
  );
}
