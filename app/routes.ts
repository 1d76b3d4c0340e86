import { type RouteConfig, index, layout, route } from "@react-router/dev/routes";

/** The map of the site. Every route is listed here; nothing is discovered from files. */
export default [
  layout("routes/shop-layout.tsx", [
    index("routes/catalog.tsx"),
    route("products/:handle", "routes/product.tsx"),
    route("cart", "routes/cart.tsx"),
    route("checkout", "routes/checkout.tsx"),
    route("checkout/complete", "routes/checkout-complete.tsx"),
    route("orders/:id/confirmed", "routes/order-confirmed.tsx"),
    route("account/sign-in", "routes/account/sign-in.tsx"),
    route("account/register", "routes/account/register.tsx"),
    route("account/forgot-password", "routes/account/forgot-password.tsx"),
    route("account/reset-password", "routes/account/reset-password.tsx"),
    // Only for a signed-in customer: the layout sends anyone else to sign in.
    layout("routes/account/layout.tsx", [
      route("account", "routes/account/profile.tsx"),
      route("account/orders", "routes/account/orders.tsx"),
      route("account/orders/:id", "routes/account/order.tsx"),
      route("account/orders/claim", "routes/account/claim-order.tsx"),
      route("account/addresses", "routes/account/addresses.tsx"),
    ]),
  ]),
  // Action only (a GET redirects): ends the session.
  route("account/sign-out", "routes/account/sign-out.ts"),
  // Resource routes: JSON APIs with an action and no page.
  route("api/carts/:id/prepare-for-payment", "routes/api.prepare-for-payment.ts"),
] satisfies RouteConfig;
