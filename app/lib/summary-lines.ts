import { toMinorUnits } from "./money";

/**
 * The lines of a money summary (cart, checkout, order page) from Medusa's totals, in the
 * currency's minor unit, so that they add up to the total the shopper is charged.
 *
 * Medusa keeps every amount unrounded (a tax of 3.258875), and rounding each line on its own
 * can leave the lines a cent off their total. Here the total is rounded exactly as the charge
 * is (`toMinorUnits`, like Medusa's Stripe provider), each item line, the shipping and the
 * discount are rounded on their own, and the tax is what is left: subtotal + shipping −
 * discount + tax = total, always, in every currency.
 */
export type SummaryInput = {
  currency: string;
  /** Each line's amount before tax (Medusa's `item.subtotal`), major units. */
  items: number[];
  /** Shipping before tax (`shipping_subtotal`); null while no method is chosen. */
  shipping: number | null;
  discount: number;
  /** False while Medusa has no address to tax by: the tax is not known yet. */
  taxKnown: boolean;
  total: number;
};

export type SummaryLines = {
  currency: string;
  items: number[];
  subtotal: number;
  shipping: number | null;
  discount: number;
  /** null while unknown (no address yet). */
  tax: number | null;
  total: number;
};

export function summaryLines(input: SummaryInput): SummaryLines {
  const minor = (amount: number) => toMinorUnits(amount, input.currency);
  const items = input.items.map(minor);
  const subtotal = items.reduce((sum, amount) => sum + amount, 0);
  const shipping = input.shipping === null ? null : minor(input.shipping);
  const discount = minor(input.discount);
  const total = minor(input.total);
  const tax = input.taxKnown ? total - subtotal - (shipping ?? 0) + discount : null;
  return { currency: input.currency, items, subtotal, shipping, discount, tax, total };
}

/** The totals a Medusa cart or order carries (major units, unrounded). */
export type MedusaTotals = {
  currency_code: string;
  items: { subtotal?: number | null; unit_price: number; quantity: number }[];
  shipping_methods: unknown[];
  shipping_subtotal?: number | null;
  shipping_total?: number | null;
  discount_total?: number | null;
  total: number;
  shipping_address: { country_code?: string | null; postal_code?: string | null } | null;
};

/** Medusa taxes by the shipping address: until it has one, the tax is not known. */
function taxable(address: MedusaTotals["shipping_address"]): boolean {
  return Boolean(address?.country_code && address.postal_code);
}

/** What a Medusa cart or order gives a summary (major units, as Medusa sends them). */
export function medusaSummaryInput(totals: MedusaTotals): SummaryInput {
  return {
    currency: totals.currency_code,
    // Before tax (Medusa's item `total` includes it).
    items: totals.items.map((item) => item.subtotal ?? item.unit_price * item.quantity),
    shipping: totals.shipping_methods.length ? (totals.shipping_subtotal ?? totals.shipping_total ?? 0) : null,
    discount: totals.discount_total ?? 0,
    taxKnown: taxable(totals.shipping_address),
    total: totals.total,
  };
}

/** A cart's summary (also the checkout's). */
export function medusaSummaryLines(totals: MedusaTotals): SummaryLines {
  return summaryLines(medusaSummaryInput(totals));
}

/**
 * An order's summary, on its page and in its emails: what was bought, for what was charged.
 * Medusa 2.21 records each refund as a credit line and takes it off the order's `total`
 * (a $20 refund of a $33.02 order leaves `total` 13.02, and the tax line would read
 * −$17.48), so the credit lines are added back; refunds show in the payment status instead.
 */
export function orderSummaryLines(order: MedusaTotals & { credit_line_total?: number | null }): SummaryLines {
  return summaryLines(medusaSummaryInput({ ...order, total: order.total + (order.credit_line_total ?? 0) }));
}
