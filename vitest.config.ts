import { defineConfig } from "vitest/config";

// `npm test` runs every project. The global setup starts the local stack once (PostgreSQL,
// Medusa, the Stripe simulator, the storefront under vite dev and as the production build)
// and stops it at the end; see tests/setup/stack.ts.
// Tests get their own Medusa database (and ports, see dev/stack.ts), so carts and orders
// they make never touch the shop `npm run dev` shows.
process.env.MEDUSA_DB_NAME ??= "medusa_storefront_test";

export default defineConfig({
  test: {
    globalSetup: ["tests/setup/stack.ts"],
    // The default output, plus a copy of the storefront's logs from the Workers test pool
    // for the log scan at the end of the run.
    reporters: ["default", "./tests/setup/workers-console.ts"],
    projects: [
      {
        test: {
          name: "unit",
          include: ["tests/unit/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        // The production build without the stack: `wrangler deploy --dry-run` on it (no
        // credentials, no network) and a secret scan of its browser assets (tests/build/).
        test: {
          name: "build",
          include: ["tests/build/**/*.test.ts"],
          environment: "node",
          testTimeout: 30_000,
          // One `react-router build` and one dry run; slow when the stack tests share the CPU.
          hookTimeout: 300_000,
        },
      },
      {
        // The simulator on its own ports, driven by the real stripe client and Chromium.
        test: {
          name: "stripe-sim",
          include: ["tests/stripe-sim/**/*.test.ts"],
          environment: "node",
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      // Inside workerd: its own config file, because the React Router plugin needs one.
      "tests/workers/vitest.config.ts",
      {
        test: {
          name: "stack",
          include: ["tests/stack/**/*.test.ts", "tests/e2e/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      // Exactly once on the production topology: its own stack (tests/setup/production-stack.ts:
      // Medusa built, two server processes behind a balancer, a worker, Redis) on its own ports
      // and database. It runs after every other project has finished (groupOrder 1): beside
      // them it loads a 2-core machine enough to push their Medusa calls past the test stack's
      // 2.5 s limit. `npm run test:production` runs it alone.
      {
        test: {
          name: "production",
          include: ["tests/production/**/*.test.ts"],
          environment: "node",
          globalSetup: ["tests/setup/production-stack.ts"],
          env: { MEDUSA_DB_NAME: "medusa_storefront_prodtest" },
          sequence: { groupOrder: 1 },
          // One file at a time: a test that kills a Medusa server or Redis must not take another file's requests with it.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
