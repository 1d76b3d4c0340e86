// Vitest global setup: the whole local stack (PostgreSQL, Medusa, Stripe simulator, the
// storefront under vite dev AND as the production build under vite preview), started once
// for the run and stopped afterwards. Installs what a fresh machine lacks.
import type { TestProject } from "vitest/node";
import { startStack } from "../../dev/stack.ts";
import { ensureChromium } from "../../dev/chromium.ts";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { SECRET_NAMES } from "../../dev/worker-config.ts";
import { scanLogFiles } from "../support/log-scan.ts";
import { readDotVars } from "../support/secret-scan.ts";
import { WORKERS_TEST_SESSION_SECRET } from "../support/workers-test-secrets.ts";
import { WORKERS_TEST_LOG } from "./workers-console.ts";
import { PARTNER_ORIGIN, stackInfo } from "../support/stack-info.ts";
import { auditMoney } from "./money-audit.ts";

/** Projects that need neither the stack nor Chromium (Vitest runs this setup for every selection). */
const STANDALONE_PROJECTS = new Set(["unit", "build"]);
/** Projects with a stack of their own, started by their own global setup (e.g. tests/setup/production-stack.ts). */
const OWN_STACK_PROJECTS = new Set(["production"]);

export default async function setup(project: TestProject) {
  // `vitest run --project unit --project build` (or `--project production`) starts nothing here.
  if (project.vitest.projects.every((selected) => STANDALONE_PROJECTS.has(selected.name) || OWN_STACK_PROJECTS.has(selected.name))) return;
  ensureChromium();
  const started = Date.now();
  const stack = await startStack(["dev", "preview"], (line) => console.log(`[stack] ${line}`), {
    name: "test",
    // Every run starts from the seed: no orders, reservations or Worker state of earlier runs.
    fresh: true,
    medusaProxy: true,
    // Fault tests hang Medusa on purpose; a short time limit keeps them quick.
    vars: { MEDUSA_TIMEOUT_MS: "2500", ALLOWED_ORIGINS: PARTNER_ORIGIN },
    // The production build in workerd through the Vite plugin's preview server: wrangler
    // dev's proxy has crashed mid-run under the suite's load (docs/decisions/0006).
    previewServer: "vite",
  });
  console.log(`[stack] ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  project.provide("stack", stackInfo(stack));
  return async () => {
    await reportMoney(stack);
    await stack.stop();
    // The stack's storefronts, any a test started itself in the same folder, and the
    // storefront code run by the Workers test pool.
    scanStorefrontLogs(path.dirname(stack.workerConfig), [WORKERS_TEST_LOG]);
  };
}

/**
 * Issue #5: the storefronts' whole output of the run (every request of every test) holds no
 * client_secret, no full email address and none of the stack's secrets. A finding fails
 * the run: Vitest only prints an error thrown here and still exits 0, so the exit code is
 * set instead (Vitest exits with it).
 */
export function scanStorefrontLogs(stateDir: string, more: string[]) {
  const files = [...readdirSync(stateDir).filter((name) => name.endsWith(".log")).map((name) => path.join(stateDir, name)), ...more.filter((file) => existsSync(file))];
  const devVars = readDotVars(path.join(stateDir, ".dev.vars"));
  const secrets = [
    ...SECRET_NAMES.map((name) => ({ name, value: devVars[name] ?? "" })),
    { name: "SESSION_SECRET (workers tests)", value: WORKERS_TEST_SESSION_SECRET },
  ];
  const { lines, findings } = scanLogFiles(files, secrets);
  console.log(`[log scan] ${lines} lines in ${files.length} storefront logs (${files.map((file) => path.basename(file)).join(", ")}); ${findings.length} findings`);
  if (findings.length > 0) {
    const listed = findings.slice(0, 20).map((finding) => `  ${finding.file}:${finding.line} ${finding.kind}: ${finding.excerpt}`);
    console.error(`\n[log scan] FAILED: the storefront logs of this run leak ${findings.length} value(s):\n${listed.join("\n")}\n`);
    process.exitCode = 1;
  }
}

/**
 * Issue 10: once everything has settled (a last reconciler sweep included), no checkout's
 * PaymentIntent holds or has taken money without an order. One that does fails the run.
 */
export async function reportMoney(stack: Parameters<typeof auditMoney>[0]) {
  try {
    const money = await auditMoney(stack);
    const p50 = money.release_ms_p50 === null ? "-" : `${money.release_ms_p50} ms`;
    console.log(
      `[money audit] ${money.checkout_payment_intents} checkout PaymentIntents; ${money.took_or_hold_money} took or hold money: ${money.with_an_order} with an order, ` +
        `${money.without_an_order.length} without; ${money.released} released (p50 ${p50} from refusal to release); ${money.reconciler_sweeps} reconciler sweeps, the last settled ${money.final_sweep_settled}`,
    );
    if (money.without_an_order.length > 0) {
      console.error(`\n[money audit] FAILED: money held or taken without an order:\n  ${money.without_an_order.join("\n  ")}\n`);
      process.exitCode = 1;
    }
  } catch (error) {
    console.error(`\n[money audit] FAILED: could not audit: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
