import type { CheckoutError } from "~/lib/checkout/contract";

/**
 * What the checkout form does with a refusal of prepare-for-payment (checkout contract,
 * section 2): which messages to show where, and whether to refresh shipping and totals.
 * A pure function, so the whole table is on one screen.
 */
export type RefusalEffect = {
  /** Messages beside their fields, replacing the current ones. */
  fieldErrors?: Record<string, string>;
  /** The message above the Pay button. */
  problem?: string;
  /** The new total (minor units) the shopper must confirm before paying it. */
  changedTotal?: number;
  /** Move focus to the first invalid field. */
  focus?: boolean;
  /** Ask the server for shipping options and totals again. */
  refresh?: boolean;
};

export function refusalEffect(
  error: CheckoutError,
  { retryAfter, isFieldShown }: { retryAfter: string | null; isFieldShown: (path: string) => boolean },
): RefusalEffect {
  switch (error.code) {
    case "invalid_request": {
      const fields = error.fields ?? {};
      const unplaced = Object.entries(fields).filter(([path]) => !isFieldShown(path));
      const problem = unplaced.length || !Object.keys(fields).length ? [error.message, ...unplaced.map(([, message]) => message)].join(" ") : undefined;
      return { fieldErrors: fields, focus: true, ...(problem ? { problem } : {}) };
    }
    case "total_changed":
      if (error.amount !== undefined) return { changedTotal: error.amount, refresh: true };
      return { problem: error.message };
    case "shipping_option_unavailable":
      return { fieldErrors: { shipping_option_id: error.message }, focus: true, refresh: true };
    case "cart_changed":
      return { problem: error.message, refresh: true };
    case "in_progress": {
      const wait = Number(retryAfter);
      const when = Number.isFinite(wait) && wait > 0 ? `about ${Math.ceil(wait)} second${wait > 1 ? "s" : ""}` : "a moment";
      return { problem: `Your payment is already being prepared (perhaps in another tab). Wait ${when}, then press Pay again.` };
    }
    default:
      return { problem: error.message };
  }
}
