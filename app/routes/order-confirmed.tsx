import { data, redirect } from "react-router";
import { addressLines } from "~/lib/address-lines";
import { MoneySummary } from "~/components/MoneySummary";
import { Price } from "~/components/Price";
import { orderSummaryLines } from "~/lib/summary-lines";
import { orBackendFailure } from "~/lib/http/backend-failure.server";
import { attemptIdForOrder, readAttempt } from "~/lib/checkout/attempts.server";
import { retrieveOrder, retrieveShipments } from "~/lib/medusa/order.server";
import { orderStatusView } from "~/lib/order-status";
import { grantOrderAccess, readOrderIds } from "~/lib/order-access.server";
import { isOrderLinkKey } from "~/lib/order-link";
import { noStoreHeaders } from "~/lib/http/headers";
import type { Route } from "./+types/order-confirmed";

export { noStoreDocumentHeaders as headers } from "~/lib/http/headers";

export function meta({ data: loaded }: Route.MetaArgs) {
  return [{ title: loaded ? `Order #${loaded.order.display_id ?? ""} ${loaded.status.canceled ? "canceled" : "confirmed"} · Harbor & Pine` : "Order · Harbor & Pine" }];
}

export async function loader({ request, params, context }: Route.LoaderArgs) {
  const { shop, cloudflare } = context;
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
  const order = await orBackendFailure(shop, () => retrieveOrder(shop.medusa, params.id));
  if (!order) throw data({ message: "Order not found" }, { status: 404 });
  // As Medusa knows it at this load (never cached), with the dates the attempt recorded.
  const [news, shipments] = await Promise.all([paymentNewsOf(cloudflare.env, order.id), shipmentsOf(shop, order.id)]);
  const status = orderStatusView(order, news, shipments);
  // Medusa emails the order only where it shares ORDER_LINK_SECRET with the storefront.
  return data({ order, status, mailed: Boolean(shop.config.ORDER_LINK_SECRET) }, { headers: noStoreHeaders() });
}

/** The order's parcels and tracking; none when Medusa can't say (the status line still can). */
async function shipmentsOf(shop: Route.LoaderArgs["context"]["shop"], orderId: string) {
  try {
    return (await retrieveShipments(shop.medusa, orderId)) ?? [];
  } catch (error) {
    shop.logger.log("warn", "order shipments unavailable", { step: "order_page", order_id: orderId, detail: (error as Error).message });
    return [];
  }
}

/** What the order's checkout attempt recorded after the order (nothing once KV dropped it). */
async function paymentNewsOf(env: Env, orderId: string) {
  try {
    const attemptId = await attemptIdForOrder(env.CHECKOUT_ATTEMPTS, orderId);
    const attempt = attemptId ? await readAttempt(env.CHECKOUT_ATTEMPTS, attemptId) : null;
    return attempt?.payment_history ?? [];
  } catch {
    return [];
  }
}

export default function OrderConfirmed({ loaderData }: Route.ComponentProps) {
  const { order, status, mailed } = loaderData;
  const currency = order.currency_code;
  const address = order.shipping_address;
  const summary = orderSummaryLines(order);
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
      <p data-testid="payment-status">{status.payment}</p>
      <p data-testid="fulfillment-status">{status.fulfillment}</p>
      {status.tracking.length ? (
        <ul className="tracking" data-testid="tracking">
          {status.tracking.map((tracking) => (
            <li key={`${tracking.number}-${tracking.url}`}>
              Tracking{" "}
              {tracking.url ? (
                <a href={tracking.url} rel="noopener noreferrer" target="_blank">
                  {tracking.number || "link"}
                </a>
              ) : (
                tracking.number
              )}
              {tracking.carrier ? ` (${tracking.carrier})` : ""}
            </li>
          ))}
        </ul>
      ) : null}
      <section aria-labelledby="history-heading">
        <h2 id="history-heading">History</h2>
        <ol className="order-history" data-testid="order-history">
          {status.history.map((entry) => (
            <li key={`${entry.at}-${entry.text}`}>
              <time dateTime={entry.at}>{formatWhen(entry.at)}</time> {entry.text}
            </li>
          ))}
        </ol>
      </section>

      <section aria-labelledby="items-heading">
        <h2 id="items-heading">Items</h2>
        <ul className="cart-lines">
          {order.items.map((item) => (
            <li key={item.id} className="cart-line" data-testid="order-line">
              {item.thumbnail ? <img src={item.thumbnail} alt="" width={72} height={72} /> : null}
              <div className="cart-line-info">
                <h3>{item.product_title ?? item.title}</h3>
                {item.variant_title ? <p className="muted">{item.variant_title}</p> : null}
                <p>
                  {item.quantity} × <Price amount={item.unit_price} currency={currency} />
                </p>
              </div>
            </li>
          ))}
        </ul>
      </section>

      <div className="order-details">
        {address ? (
          <section aria-labelledby="ship-heading">
            <h2 id="ship-heading">Shipping to</h2>
            <address>
              {addressLines(address).map((line, index) => (
                <span key={index}>
                  {index > 0 ? <br /> : null}
                  {line}
                </span>
              ))}
            </address>
            <p>{order.shipping_methods.map((method) => method.name).join(", ")}</p>
          </section>
        ) : null}
        <section className="cart-summary" aria-labelledby="total-heading">
          <h2 id="total-heading">Total</h2>
          <MoneySummary lines={summary} testId="order" />
        </section>
      </div>
    </main>
  );
}

/** A date as the shopper reads it, the same on the server and in the browser (UTC). */
function formatWhen(iso: string): string {
  return new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }).format(new Date(iso)) + " UTC";
}
