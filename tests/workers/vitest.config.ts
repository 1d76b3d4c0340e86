import path from "node:path";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { reactRouter } from "@react-router/dev/vite";
import { defineConfig } from "vitest/config";
import { SIMULATOR_KEYS } from "../../dev/stack.ts";
import type {} from "../support/stack-info.ts";
import { WORKERS_TEST_SESSION_SECRET } from "../support/workers-test-secrets.ts";

// Tests inside workerd with the bindings of wrangler.jsonc (real KV and Cache API),
// talking to the real Medusa of the stack the root global setup started.
export default defineConfig({
  root: path.resolve(import.meta.dirname, "../.."),
  plugins: [
    cloudflareTest(({ inject }) => {
      const stack = inject("stack");
      return {
        wrangler: { configPath: "./wrangler.jsonc" },
        miniflare: {
          bindings: {
            ENVIRONMENT: "development",
            MEDUSA_BACKEND_URL: stack.medusaProxyUrl,
            MEDUSA_PUBLISHABLE_KEY: stack.publishableKey,
            STRIPE_PUBLISHABLE_KEY: SIMULATOR_KEYS.publishableKey,
            STRIPE_SECRET_KEY: SIMULATOR_KEYS.secretKey,
            STRIPE_WEBHOOK_SECRET: SIMULATOR_KEYS.webhookSecret,
            SESSION_SECRET: WORKERS_TEST_SESSION_SECRET,
            STRIPE_API_URL: stack.stripeSimUrl,
            STRIPE_JS_URL: `${stack.stripeSimUrl}/js/stripe.js`,
          },
        },
      };
    }),
    reactRouter(),
  ],
  resolve: { tsconfigPaths: true },
  test: {
    name: "workers",
    root: path.resolve(import.meta.dirname, "../.."),
    include: ["tests/workers/**/*.test.ts"],
    testTimeout: 30_000,
  },
});
