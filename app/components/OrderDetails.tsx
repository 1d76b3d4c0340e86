import { AddressBlock } from "./AddressBlock";
import type { Order } from "~/lib/medusa/schemas";
import type { OrderStatusView } from "~/lib/order-status";
import { orderSummaryLines } from "~/lib/summary-lines";
import { MoneySummary } from "./MoneySummary";
import { Price } from "./Price";

/**
 * An order as its pages show it (the confirmation page and the account's order page):
 * payment and fulfillment now, tracking, the dated history, items, address, shipping
 * method and the money summary.
 */
export function OrderDetails({ order, status }: { order: Order; status: OrderStatusView }) {
  const currency = order.currency_code;
  const address = order.shipping_address;
  const summary = orderSummaryLines(order);
  return (
    <>
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
            <AddressBlock address={address} />
            <p>{order.shipping_methods.map((method) => method.name).join(", ")}</p>
          </section>
        ) : null}
        <section className="cart-summary" aria-labelledby="total-heading">
          <h2 id="total-heading">Total</h2>
          <MoneySummary lines={summary} testId="order" />
        </section>
      </div>
    </>
  );
}

/** A date as the shopper reads it, the same on the server and in the browser (UTC). */
function formatWhen(iso: string): string {
  return new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }).format(new Date(iso)) + " UTC";
}
