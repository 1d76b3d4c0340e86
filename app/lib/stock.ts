import type { Variant } from "./medusa/schemas";

/** What the shopper is told about availability; "low" drives the "only N left" hint. */
export type StockState = { kind: "in_stock" } | { kind: "low"; left: number } | { kind: "out" };

export const LOW_STOCK_THRESHOLD = 5;

export function stockState(variant: Variant): StockState {
  if (!variant.manage_inventory || variant.allow_backorder || variant.inventory_quantity === null) {
    return { kind: "in_stock" };
  }
  if (variant.inventory_quantity <= 0) return { kind: "out" };
  if (variant.inventory_quantity <= LOW_STOCK_THRESHOLD) return { kind: "low", left: variant.inventory_quantity };
  return { kind: "in_stock" };
}
