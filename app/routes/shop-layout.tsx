import { Link, NavLink, Outlet, useSearchParams } from "react-router";
import { CART_NOTICES, type CartNotice } from "~/lib/account/cart-notice";
import { readSession } from "~/lib/account/session.server";
import { retrieveCart } from "~/lib/medusa/cart.server";
import { shopperCartId } from "~/lib/shopper-cart.server";
import type { Route } from "./+types/shop-layout";

export async function loader({ request, context }: Route.LoaderArgs) {
  const { shop, cloudflare } = context;
  const [cartCount, session] = await Promise.all([cartCountOf(context, request), readSession(shop, cloudflare.env, request).catch(() => null)]);
  return { cartCount, signedIn: session !== null };
}

async function cartCountOf({ shop }: Route.LoaderArgs["context"], request: Request): Promise<number | null> {
  const cartId = await shopperCartId(shop, request);
  if (!cartId) return 0;
  try {
    const cart = await retrieveCart(shop.medusa, cartId);
    const open = cart && !cart.completed_at;
    return open ? cart.items.reduce((sum, item) => sum + item.quantity, 0) : 0;
  } catch {
    // The header count is decoration: a Medusa hiccup must not take the page down with it.
    return null;
  }
}

/** What a sign-in did to the carts (`?cart_notice=`, a code: never text from the URL). */
function CartNoticeBanner() {
  const [params] = useSearchParams();
  const code = params.get("cart_notice");
  const text = code && Object.hasOwn(CART_NOTICES, code) ? CART_NOTICES[code as CartNotice] : null;
  const signedOut = params.get("signed_out") === "1";
  if (!text && !signedOut) return null;
  return (
    <p className="site-notice" role="status" data-testid="site-notice">
      {text ?? "You're signed out."}
    </p>
  );
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
          {loaderData.signedIn ? (
            <NavLink to="/account" data-testid="account-link">
              Account
            </NavLink>
          ) : (
            <NavLink to="/account/sign-in" data-testid="account-link">
              Sign in
            </NavLink>
          )}
        </nav>
      </header>
      <CartNoticeBanner />
      <Outlet />
      <footer className="site-footer">
        <p>Demo storefront · Medusa v2 · Stripe · Cloudflare Workers</p>
      </footer>
    </>
  );
}
