import type { Config } from "@react-router/dev/config";

export default {
  ssr: true,
  // Each local stack builds into its own folder (dev/stack.ts); `npm run build` into build/.
  buildDirectory: process.env.STOREFRONT_BUILD_DIR ?? "build",
  future: {
    v8_viteEnvironmentApi: true,
  },
} satisfies Config;
