import { cloudflare } from "@cloudflare/vite-plugin";
import { reactRouter } from "@react-router/dev/vite";
import { defineConfig } from "vite";

export default defineConfig({
  // React Router's dev route refresh only covers the `client` and `ssr` environments,
  // so the Worker must run as `ssr` (toolchain.md).
  plugins: [cloudflare({ viteEnvironment: { name: "ssr" } }), reactRouter()],
  resolve: { tsconfigPaths: true },
  server: {
    port: Number(process.env.STOREFRONT_PORT ?? 5173),
    strictPort: true,
  },
});
