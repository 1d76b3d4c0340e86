// Vitest global setup of the `production` project (vitest.config.ts): its own stack, "prodtest"
// (dev/stack.ts), on the production profile of Medusa (built, NODE_ENV=production, Redis
// modules, a worker process) with TWO server processes behind the round-robin balancer
// (dev/medusa-balancer.ts), the fault proxy in front of the balancer, and the storefront's
// production build under `vite preview`. It provides the same `stack` info as
// tests/setup/stack.ts, so the helpers in tests/support work unchanged, and at the end runs
// the same money audit and storefront log scan (imported from there).
//
// Runs only when the production project has tests to run (a project's own global setup);
// tests/setup/stack.ts in turn starts nothing when only this project is selected.
import type { TestProject } from "vitest/node";
import path from "node:path";
import { startStack } from "../../dev/stack.ts";
import { PARTNER_ORIGIN, stackInfo } from "../support/stack-info.ts";
import { reportMoney, scanStorefrontLogs } from "./stack.ts";

/** The project's Medusa database (vitest.config.ts passes the same name to the test workers). */
export const PRODUCTION_TEST_DB = "medusa_storefront_prodtest";

/**
 * The main process's MEDUSA_DB_NAME is the development test stack's (vitest.config.ts), and
 * dev/medusa.ts reads it when it connects: this stack's name is set only while it is used.
 * Vitest runs global setups and teardowns one after another, so the two never interleave.
 */
async function withOwnDatabase<T>(work: () => Promise<T>): Promise<T> {
  const before = process.env.MEDUSA_DB_NAME;
  process.env.MEDUSA_DB_NAME = PRODUCTION_TEST_DB;
  try {
    return await work();
  } finally {
    if (before === undefined) delete process.env.MEDUSA_DB_NAME;
    else process.env.MEDUSA_DB_NAME = before;
  }
}

export default async function setup(project: TestProject) {
  if (!project.vitest.projects.some((selected) => selected.name === "production")) return;
  const started = Date.now();
  const stack = await withOwnDatabase(() =>
    startStack(["preview"], (line) => console.log(`[prodtest] ${line}`), {
      name: "prodtest",
      medusaProfile: "production",
      fresh: true,
      medusaServers: 2,
      medusaProxy: true,
      vars: { ALLOWED_ORIGINS: PARTNER_ORIGIN },
      previewServer: "vite",
    }),
  );
  console.log(`[prodtest] ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  project.provide("stack", stackInfo(stack));
  return async () => {
    await withOwnDatabase(() => reportMoney(stack));
    await stack.stop();
    scanStorefrontLogs(path.dirname(stack.workerConfig), []);
  };
}
