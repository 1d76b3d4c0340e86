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

/** A cart line's stock: the variant's state, and whether the line wants more than is left. */
export type LineStock = { kind: "in_stock"; short: false } | { kind: "low"; left: number; short: boolean } | { kind: "out"; short: true };

export function lineStockOf(variant: Variant, quantity: number): LineStock {
  const state = stockState(variant);
  if (state.kind === "out") return { kind: "out", short: true };
  const tracked = variant.manage_inventory && !variant.allow_backorder && variant.inventory_quantity !== null;
  if (tracked && quantity > variant.inventory_quantity!) return { kind: "low", left: variant.inventory_quantity!, short: true };
  if (state.kind === "low") return { kind: "low", left: state.left, short: false };
  return { kind: "in_stock", short: false };
}

export type ShortLine = { variant_id: string; title: string | null; wanted: number; available: number };

/**
 * The lines Medusa can't supply now: for each managed variant that allows no backorder,
 * the quantity wanted (over all lines of it) against what is left.
 */
export function shortLines(items: { title: string | null; variant_id: string | null; quantity: number }[], variants: Variant[]): ShortLine[] {
  const wanted = new Map<string, { title: string | null; quantity: number }>();
  for (const item of items) {
    if (!item.variant_id) continue;
    const seen = wanted.get(item.variant_id);
    wanted.set(item.variant_id, { title: seen?.title ?? item.title, quantity: (seen?.quantity ?? 0) + item.quantity });
  }
  const short: ShortLine[] = [];
  for (const [variantId, line] of wanted) {
    const found = variants.find((candidate) => candidate.id === variantId);
    if (!found || !found.manage_inventory || found.allow_backorder || found.inventory_quantity === null) continue;
    const available = Math.max(0, found.inventory_quantity);
    if (line.quantity > available) short.push({ variant_id: variantId, title: line.title, wanted: line.quantity, available });
  }
  return short;
}
