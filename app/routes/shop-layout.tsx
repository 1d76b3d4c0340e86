import { Link, NavLink, Outlet } from "react-router";
import { retrieveCart } from "~/lib/medusa/cart.server";
import { shopperCartId } from "~/lib/shopper-cart.server";
import type { Route } from "./+types/shop-layout";

export async function loader({ request, context }: Route.LoaderArgs) {
  const { shop } = context;
  const cartId = await shopperCartId(shop, request);
  if (!cartId) return { cartCount: 0 };
  try {
    const cart = await retrieveCart(shop.medusa, cartId);
    const open = cart && !cart.completed_at;
    return { cartCount: open ? cart.items.reduce((sum, item) => sum + item.quantity, 0) : 0 };
  } catch {
    // The header count is decoration: a Medusa hiccup must not take the page down with it.
    return { cartCount: null };
  }
}

export default function ShopLayout({ loaderData }: Route.ComponentProps) {
  const count = loaderData.cartCount;
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <Link to="/" className="brand">
          Harbor &amp; Pine
        </Link>
        <nav aria-label="Main">
          <NavLink to="/" end>
            Shop
          </NavLink>
          <NavLink to="/cart" aria-label={count === null ? "Cart" : `Cart, ${count} ${count === 1 ? "item" : "items"}`}>
            Cart <span className="cart-count" data-testid="cart-count">{count ?? "–"}</span>
          </NavLink>
        </nav>
      </header>
      <Outlet />
      <footer className="site-footer">
        <p>Demo storefront · Medusa v2 · Stripe · Cloudflare Workers</p>
      </footer>
    </>
  );
}
