import { data } from "react-router";
import { MoneySummary } from "~/components/MoneySummary";
import { Price } from "~/components/Price";
import { medusaSummaryLines } from "~/lib/summary-lines";
import { orBackendFailure } from "~/lib/http/backend-failure.server";
import { retrieveOrder } from "~/lib/medusa/order.server";
import { readOrderIds } from "~/lib/order-access.server";
import { noStoreHeaders } from "~/lib/http/headers";
import type { Route } from "./+types/order-confirmed";

export { noStoreDocumentHeaders as headers } from "~/lib/http/headers";

export function meta({ data: loaded }: Route.MetaArgs) {
  return [{ title: loaded ? `Order #${loaded.order.display_id ?? ""} confirmed · Harbor & Pine` : "Order · Harbor & Pine" }];
}

export async function loader({ request, params, context }: Route.LoaderArgs) {
  const { shop } = context;
  // Only the browser that placed the order may open it; to anyone else it doesn't exist.
  const mine = await readOrderIds(shop.config, request);
  if (!mine.includes(params.id)) throw data({ message: "Order not found" }, { status: 404 });
  const order = await orBackendFailure(shop, () => retrieveOrder(shop.medusa, params.id));
  if (!order) throw data({ message: "Order not found" }, { status: 404 });
  return data({ order }, { headers: noStoreHeaders() });
}

const PAYMENT_STATUS: Record<string, string> = {
  authorized: "Payment authorized: you'll be charged when your order ships.",
  captured: "Paid.",
  partially_captured: "Partly paid.",
  awaiting: "Waiting for payment confirmation.",
  not_paid: "Not paid.",
  canceled: "Payment canceled.",
  refunded: "Refunded.",
};

export default function OrderConfirmed({ loaderData }: Route.ComponentProps) {
  const { order } = loaderData;
  const currency = order.currency_code;
  const address = order.shipping_address;
  const summary = medusaSummaryLines(order);
  return (
    <main className="page order-confirmed" id="main">
      <h1>Thank you! Order #{order.display_id} is confirmed</h1>
      {/* No mail is sent yet (issue 13 brings order mail): say only what is true. */}
      <p>
        Email on this order: <strong>{order.email}</strong>. Keep this page as your receipt.
      </p>
      <p data-testid="payment-status">{PAYMENT_STATUS[order.payment_status ?? ""] ?? `Payment: ${order.payment_status ?? "pending"}`}</p>

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
              {address.first_name} {address.last_name}
              <br />
              {address.address_1}
              {address.address_2 ? `, ${address.address_2}` : ""}
              <br />
              {address.city}, {address.province?.replace(/^[a-z]{2}-/, "").toUpperCase()} {address.postal_code}
              <br />
              {address.country_code?.toUpperCase()}
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
