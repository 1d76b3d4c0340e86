import type { CheckoutSummary } from "~/lib/checkout/contract";
import { formatMinorUnits } from "~/lib/money";
import { summaryLines } from "~/lib/summary-lines";
import { MoneySummary } from "../MoneySummary";

/** Medusa's own totals for the cart as it stands (shipping method and address applied). */
export function OrderSummary({ summary, updating }: { summary: CheckoutSummary; updating: boolean }) {
  const lines = summaryLines({
    currency: summary.currency,
    items: summary.items.map((item) => item.total),
    shipping: summary.shipping,
    discount: summary.discount,
    taxKnown: summary.taxKnown,
    total: summary.total,
  });
  return (
    <aside className="checkout-summary" aria-labelledby="checkout-summary-heading" aria-busy={updating}>
      <h2 id="checkout-summary-heading">Order summary</h2>
      <ul className="checkout-items" aria-label="Items">
        {summary.items.map((item, index) => (
          <li key={item.id}>
            <span>
              {item.title}
              {item.variant ? <span className="muted"> · {item.variant}</span> : null} <span className="muted">× {item.quantity}</span>
            </span>
            <span>{formatMinorUnits(lines.items[index]!, summary.currency)}</span>
          </li>
        ))}
      </ul>
      <MoneySummary lines={lines} testId="checkout" shippingPending="Choose a shipping method" />
      {updating ? <p className="muted summary-updating">Updating totals…</p> : null}
    </aside>
  );
}
