/** What happened to the carts, as a code the page words (never free text in a URL). */
export type CartNotice = "restored" | "merged" | "partly_merged";

export const CART_NOTICES: Record<CartNotice, string> = {
  restored: "Your cart from your last visit is back.",
  merged: "We added the items from your last visit to your cart.",
  partly_merged: "We added items from your last visit to your cart; some are no longer available in that quantity and were left out.",
};
