import type { Cart, ShippingOption } from "../medusa/schemas";
import { taxable } from "../summary-lines";
import type { CheckoutSummary, ShippingOptionView } from "./contract";

/**
 * What the checkout page shows of a Medusa cart, in the contract's shapes
 * (`checkoutSummaryBody`, `shippingOptionViewBody`): Medusa's own totals, in major units
 * as Medusa sends them.
 */
export function checkoutSummary(cart: Cart): CheckoutSummary {
  return {
    cartId: cart.id,
    currency: cart.currency_code,
    items: cart.items.map((item) => ({
      id: item.id,
      title: item.product_title ?? item.title ?? "Item",
      variant: item.variant_title,
      quantity: item.quantity,
      // Before tax, so the lines add up to the subtotal (Medusa's `total` includes tax).
      total: item.subtotal ?? item.unit_price * item.quantity,
    })),
    subtotal: cart.item_subtotal ?? cart.subtotal ?? 0,
    shipping: cart.shipping_methods.length ? (cart.shipping_subtotal ?? cart.shipping_total ?? 0) : null,
    discount: cart.discount_total ?? 0,
    taxKnown: taxable(cart.shipping_address),
    total: cart.total,
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
