import { type RouteConfig, index, layout, route } from "@react-router/dev/routes";

/** The map of the site. Every route is listed here; nothing is discovered from files. */
export default [
  layout("routes/shop-layout.tsx", [
    index("routes/catalog.tsx"),
    route("products/:handle", "routes/product.tsx"),
    route("cart", "routes/cart.tsx"),
  ]),
] satisfies RouteConfig;
