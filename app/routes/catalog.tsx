import { Link } from "react-router";
import { Price } from "~/components/Price";
import { StockBadge } from "~/components/StockBadge";
import { orBackendFailure } from "~/lib/http/backend-failure.server";
import { getRegion, listProducts } from "~/lib/medusa/catalog.server";
import type { Product } from "~/lib/medusa/schemas";
import { stockState, type StockState } from "~/lib/stock";
import type { Route } from "./+types/catalog";

export function meta() {
  return [{ title: "Shop · Harbor & Pine" }, { name: "description", content: "Everyday goods, shipped across the US." }];
}

export async function loader({ context }: Route.LoaderArgs) {
  const { shop } = context;
  return orBackendFailure(shop, async () => {
    const region = await getRegion(shop);
    const products = await listProducts(shop, region);
    return { currency: region.currency_code, products: products.map(summarize) };
  });
}

/** A product card's worth of data: the cheapest price and the best stock state. */
function summarize(product: Product) {
  const prices = product.variants
    .map((variant) => variant.calculated_price?.calculated_amount)
    .filter((amount): amount is number => typeof amount === "number");
  const states = product.variants.map(stockState);
  const stock: StockState = states.some((state) => state.kind === "in_stock")
    ? { kind: "in_stock" }
    : (states.find((state) => state.kind === "low") ?? { kind: "out" });
  return {
    id: product.id,
    title: product.title,
    handle: product.handle,
    subtitle: product.subtitle,
    thumbnail: product.thumbnail,
    fromPrice: prices.length ? Math.min(...prices) : null,
    variesInPrice: new Set(prices).size > 1,
    stock,
    lowVariant: states.some((state) => state.kind === "low"),
  };
}

export default function Catalog({ loaderData }: Route.ComponentProps) {
  const { products, currency } = loaderData;
  return (
    <main className="page" id="main">
      <h1>Shop everything</h1>
      {products.length === 0 ? (
        <p>No products yet. Check back soon.</p>
      ) : (
        <ul className="product-grid" aria-label="Products">
          {products.map((product) => (
            <li key={product.id} className="product-card">
              <Link to={`/products/${product.handle}`} className="product-card-link">
                {product.thumbnail ? (
                  <img src={product.thumbnail} alt="" width={400} height={400} loading="lazy" />
                ) : (
                  <div className="image-placeholder" aria-hidden="true" />
                )}
                <h2>{product.title}</h2>
              </Link>
              {product.subtitle ? <p className="muted">{product.subtitle}</p> : null}
              <p className="price">
                {product.variesInPrice ? "From " : ""}
                <Price amount={product.fromPrice} currency={currency} />
              </p>
              <StockBadge state={product.stock} />
              {product.stock.kind === "in_stock" && product.lowVariant ? (
                <span className="badge badge-low">Some options low</span>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}
