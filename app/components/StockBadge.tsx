import type { StockState } from "~/lib/stock";

export function StockBadge({ state }: { state: StockState }) {
  if (state.kind === "out") return <span className="badge badge-out">Sold out</span>;
  if (state.kind === "low") return <span className="badge badge-low">Only {state.left} left</span>;
  return <span className="badge badge-in">In stock</span>;
}
