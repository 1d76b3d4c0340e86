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
  ]),
  // Resource routes: JSON APIs with an action and no page.
  route("api/carts/:id/prepare-for-payment", "routes/api.prepare-for-payment.ts"),
] satisfies RouteConfig;
