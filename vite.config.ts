import { cloudflare } from "@cloudflare/vite-plugin";
import { reactRouter } from "@react-router/dev/vite";
import { defineConfig } from "vite";
import { devCertificate } from "./dev/https-certificate.ts";

export default defineConfig({
  // React Router's dev route refresh only covers the `client` and `ssr` environments,
  // so the Worker must run as `ssr` (toolchain.md).
  // The local stack (dev/stack.ts) points at its own generated Worker config and state;
  // `npm run dev:storefront` uses wrangler.jsonc with your .dev.vars.
  plugins: [
    cloudflare({
      viteEnvironment: { name: "ssr" },
      configPath: process.env.STACK_WRANGLER_CONFIG ?? "./wrangler.jsonc",
      persistState: process.env.STACK_PERSIST_DIR ? { path: process.env.STACK_PERSIST_DIR } : true,
    }),
    reactRouter(),
  ],
  resolve: { tsconfigPaths: true },
  // Each local stack has its own dependency cache, so two dev servers never fight over it.
  cacheDir: process.env.STACK_VITE_CACHE_DIR ?? "node_modules/.vite",
  // Found up front: discovered late (first visit to /checkout on a cold cache) they are
  // re-optimized and the page ends up with two copies of React.
  optimizeDeps: { include: ["@stripe/react-stripe-js", "@stripe/stripe-js/pure", "zod/mini"] },
  server: {
    port: Number(process.env.STOREFRONT_PORT ?? 5173),
    strictPort: true,
    // STOREFRONT_HTTPS=1: HTTPS (and so HTTP/2) with a self-signed localhost certificate.
    https: process.env.STOREFRONT_HTTPS === "1" ? devCertificate(import.meta.dirname) : undefined,
  },
});
