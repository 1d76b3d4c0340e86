import { cloudflare } from "@cloudflare/vite-plugin";
import { reactRouter } from "@react-router/dev/vite";
import { defineConfig } from "vite";

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
  server: {
    port: Number(process.env.STOREFRONT_PORT ?? 5173),
    strictPort: true,
  },
});
