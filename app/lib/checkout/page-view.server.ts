import type { Cart, ShippingOption } from "../medusa/schemas";
import { medusaSummaryInput } from "../summary-lines";
import type { CheckoutSummary, ShippingOptionView } from "./contract";

/**
 * What the checkout page shows of a Medusa cart, in the contract's shapes
 * (`checkoutSummaryBody`, `shippingOptionViewBody`): Medusa's own totals, in major units
 * as Medusa sends them.
 */
export function checkoutSummary(cart: Cart): CheckoutSummary {
  const input = medusaSummaryInput(cart);
  return {
    cartId: cart.id,
    currency: input.currency,
    items: cart.items.map((item, index) => ({
      id: item.id,
      title: item.product_title ?? item.title ?? "Item",
      variant: item.variant_title,
      quantity: item.quantity,
      total: input.items[index]!,
    })),
    shipping: input.shipping,
    discount: input.discount,
    taxKnown: input.taxKnown,
    total: input.total,
    shippingOptionId: cart.shipping_methods[0]?.shipping_option_id ?? null,
  };
}

/**
 * Options as the page lists them, cheapest first (Medusa's order varies between calls); a
 * calculated-price option without a price yet shows none and comes last.
 */
export function shippingOptionViews(options: ShippingOption[]): ShippingOptionView[] {
  return options
    .map((option) => ({
      id: option.id,
      name: option.name,
      amount: option.calculated_amount ?? option.amount ?? null,
      available: !option.insufficient_inventory,
    }))
    .sort((a, b) => (a.amount ?? Infinity) - (b.amount ?? Infinity) || a.name.localeCompare(b.name));
}
