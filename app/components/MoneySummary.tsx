import { formatMinorUnits } from "../lib/money";
import type { SummaryLines } from "../lib/summary-lines";

type Props = {
  lines: SummaryLines;
  /** Prefix of each amount's `data-testid`: `${testId}-subtotal`, `-shipping`, `-tax`, `-total`. */
  testId: string;
  /** What the shipping line says before a method is chosen. */
  shippingPending?: string;
};

/**
 * Subtotal, discount, shipping, tax and total as one list whose lines add up to the total
 * (app/lib/summary-lines.ts). The cart, the checkout and the order page all show this one.
 */
export function MoneySummary({ lines, testId, shippingPending = "Calculated at checkout" }: Props) {
  const money = (minor: number) => formatMinorUnits(minor, lines.currency);
  const complete = lines.shipping !== null && lines.tax !== null;
  return (
    <dl>
      <dt>Subtotal</dt>
      <dd data-testid={`${testId}-subtotal`}>{money(lines.subtotal)}</dd>
      {lines.discount > 0 ? (
        <>
          <dt>Discount</dt>
          <dd data-testid={`${testId}-discount`}>−{money(lines.discount)}</dd>
        </>
      ) : null}
      <dt>Shipping</dt>
      <dd data-testid={`${testId}-shipping`}>{lines.shipping === null ? shippingPending : money(lines.shipping)}</dd>
      <dt>Tax</dt>
      <dd data-testid={`${testId}-tax`}>{lines.tax === null ? "Calculated at checkout" : money(lines.tax)}</dd>
      <dt className="total">{complete ? "Total" : lines.tax === null ? "Total before shipping and tax" : "Total before shipping"}</dt>
      <dd data-testid={`${testId}-total`} className="total">
        {money(lines.total)}
      </dd>
    </dl>
  );
}
