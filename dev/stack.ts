// The local stack behind `npm run dev`, `npm run preview` and `npm test`: PostgreSQL, Medusa
// (migrated and seeded), the Stripe simulator, and the storefront either under `vite dev`
// or as the production build under `wrangler dev`. Everything started here is stopped by
// `stop()`, by PID.
import { ensurePostgres } from "./postgres.ts";
import { prepareMedusa, startMedusa } from "./medusa.ts";
import { startStripeSim } from "./stripe-sim/server.ts";
import { stackSessionSecret, writeStackDevVars } from "./dev-vars.ts";
import { assertPortFree, BIN, startProcess, waitForHttp, type Log, type Managed } from "./processes.ts";
import path from "node:path";

export type StorefrontMode = "dev" | "preview" | "none";

export type Stack = {
  storefrontUrl: string | null;
  medusaUrl: string;
  stripeSimUrl: string;
  publishableKey: string;
  regionId: string;
  stop(): Promise<void>;
};

/** Fixed development credentials of the simulator; real keys never appear in this repo. */
export const SIMULATOR_KEYS = {
  secretKey: "sk_test_simulator",
  publishableKey: "pk_test_simulator",
  webhookSecret: "whsec_simulator_dev_secret",
};

function port(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === "") return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 65535) throw new Error(`${name}=${value} is not a port number.`);
  return parsed;
}

export async function startStack(mode: StorefrontMode, log: Log): Promise<Stack> {
  const ports = {
    storefront: mode === "preview" ? port("PREVIEW_PORT", 8787) : port("STOREFRONT_PORT", 5173),
    medusa: port("MEDUSA_PORT", 9000),
    stripeSim: port("STRIPE_SIM_PORT", 12111),
  };
  if (mode !== "none") await assertPortFree(ports.storefront, "storefront", mode === "preview" ? "PREVIEW_PORT" : "STOREFRONT_PORT");
  await assertPortFree(ports.medusa, "Medusa", "MEDUSA_PORT");
  await assertPortFree(ports.stripeSim, "Stripe simulator", "STRIPE_SIM_PORT");

  const stoppers: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const stopOne of stoppers.reverse()) await stopOne().catch(() => {});
  };

  try {
    const storefrontUrl = mode === "none" ? null : `http://localhost:${ports.storefront}`;
    const stripeSim = await startStripeSim({
      port: ports.stripeSim,
      secretKey: SIMULATOR_KEYS.secretKey,
      publishableKey: SIMULATOR_KEYS.publishableKey,
      webhookEndpoints: [],
    });
    stoppers.push(() => stripeSim.close());
    log(`Stripe simulator on ${stripeSim.url}`);

    const { databaseUrl } = await ensurePostgres((line) => log(`postgres: ${line}`));
    const { publishableKey, regionId } = await prepareMedusa({ databaseUrl, log: (line: string) => log(`medusa: ${line}`) });
    const medusa = await startMedusa({
      databaseUrl,
      port: ports.medusa,
      stripe: {
        host: "127.0.0.1",
        port: ports.stripeSim,
        secretKey: SIMULATOR_KEYS.secretKey,
        webhookSecret: SIMULATOR_KEYS.webhookSecret,
      },
      log: (line: string) => log(`medusa: ${line}`),
    });
    stoppers.push(() => medusa.stop());
    log(`Medusa on ${medusa.url}`);

    writeStackDevVars({
      ENVIRONMENT: "development",
      MEDUSA_BACKEND_URL: medusa.url,
      MEDUSA_PUBLISHABLE_KEY: publishableKey,
      STRIPE_PUBLISHABLE_KEY: SIMULATOR_KEYS.publishableKey,
      STRIPE_SECRET_KEY: SIMULATOR_KEYS.secretKey,
      STRIPE_WEBHOOK_SECRET: SIMULATOR_KEYS.webhookSecret,
      SESSION_SECRET: stackSessionSecret(),
      STRIPE_JS_URL: `${stripeSim.url}/js/stripe.js`,
      STRIPE_API_URL: stripeSim.url,
    });

    if (storefrontUrl) {
      const storefront = await startStorefront(mode as "dev" | "preview", ports.storefront, log);
      stoppers.push(() => storefront.stop());
      await waitForHttp(`${storefrontUrl}/favicon.svg`, 120_000, storefront);
      log(`storefront (${mode === "dev" ? "vite dev" : "wrangler dev, production build"}) on ${storefrontUrl}`);
    }

    return { storefrontUrl, medusaUrl: medusa.url, stripeSimUrl: stripeSim.url, publishableKey, regionId, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function startStorefront(mode: "dev" | "preview", port: number, log: Log): Promise<Managed> {
  if (mode === "dev") {
    return startProcess("vite dev", path.join(BIN, "vite"), ["dev", "--port", String(port), "--strictPort", "--host", "127.0.0.1"], {
      onLine: (line) => process.env.STACK_VERBOSE && log(`vite: ${line}`),
    });
  }
  log("building the storefront (react-router build)");
  const build = startProcess("react-router build", path.join(BIN, "react-router"), ["build"]);
  const code = await new Promise<number | null>((resolve) => build.child.once("exit", resolve));
  if (code !== 0) throw new Error(`react-router build failed (exit ${code}):\n${build.output.slice(-30).join("\n")}`);
  return startProcess(
    "wrangler dev",
    path.join(BIN, "wrangler"),
    ["dev", "--config", "build/server/wrangler.json", "--port", String(port), "--ip", "127.0.0.1", "--show-interactive-dev-session=false"],
    { env: { WRANGLER_SEND_METRICS: "false" }, onLine: (line) => process.env.STACK_VERBOSE && log(`wrangler: ${line}`) },
  );
}
