// Vitest global setup: the whole local stack (PostgreSQL, Medusa, Stripe simulator, the
// storefront under vite dev AND as the production build under wrangler dev), started once
// for the run and stopped afterwards. Installs what a fresh machine lacks.
import type { TestProject } from "vitest/node";
import { startStack } from "../../dev/stack.ts";
import { ensureChromium } from "../../dev/chromium.ts";
import type {} from "../support/stack-info.ts";

export default async function setup(project: TestProject) {
  ensureChromium();
  const started = Date.now();
  const stack = await startStack(["dev", "preview"], (line) => console.log(`[stack] ${line}`), {
    name: "test",
    medusaProxy: true,
    // Fault tests hang Medusa on purpose; a short time limit keeps them quick.
    vars: { MEDUSA_TIMEOUT_MS: "2500" },
  });
  console.log(`[stack] ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  project.provide("stack", {
    storefronts: stack.storefronts,
    medusaUrl: stack.medusaUrl,
    medusaProxyUrl: stack.storefrontMedusaUrl,
    stripeSimUrl: stack.stripeSimUrl,
    publishableKey: stack.publishableKey,
    regionId: stack.regionId,
  });
  return async () => {
    await stack.stop();
  };
}
