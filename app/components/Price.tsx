import { formatMoney } from "~/lib/money";

export function Price({ amount, currency, className }: { amount: number | null | undefined; currency: string; className?: string }) {
  if (amount === null || amount === undefined) return <span className={className}>Price unavailable</span>;
  return <span className={className}>{formatMoney(amount, currency)}</span>;
}
