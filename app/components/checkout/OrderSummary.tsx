import type { CheckoutSummary } from "~/lib/checkout/contract";
import { formatMoney } from "~/lib/money";

/** Medusa's own totals for the cart as it stands (shipping method and address applied). */
export function OrderSummary({ summary, updating }: { summary: CheckoutSummary; updating: boolean }) {
  const money = (amount: number) => formatMoney(amount, summary.currency);
  return (
    <aside className="checkout-summary" aria-labelledby="checkout-summary-heading" aria-busy={updating}>
      <h2 id="checkout-summary-heading">Order summary</h2>
      <ul className="checkout-items" aria-label="Items">
        {summary.items.map((item) => (
          <li key={item.id}>
            <span>
              {item.title}
              {item.variant ? <span className="muted"> · {item.variant}</span> : null} <span className="muted">× {item.quantity}</span>
            </span>
            <span>{money(item.total)}</span>
          </li>
        ))}
      </ul>
      <dl>
        <dt>Subtotal</dt>
        <dd data-testid="checkout-subtotal">{money(summary.subtotal)}</dd>
        {summary.discount > 0 ? (
          <>
            <dt>Discount</dt>
            <dd data-testid="checkout-discount">−{money(summary.discount)}</dd>
          </>
        ) : null}
        <dt>Shipping</dt>
        <dd data-testid="checkout-shipping">{summary.shipping === null ? "Choose a shipping method" : money(summary.shipping)}</dd>
        <dt>Tax</dt>
        <dd data-testid="checkout-tax">{money(summary.tax)}</dd>
        <dt className="total">Total</dt>
        <dd data-testid="checkout-total" className="total">
          {money(summary.total)}
        </dd>
      </dl>
      {updating ? <p className="muted summary-updating">Updating totals…</p> : null}
    </aside>
  );
}
