// The local stack behind `npm run dev`, `npm run preview`, `npm test`, `npm run bench` and
// `npm run load`: PostgreSQL, Medusa (migrated and seeded), the Stripe simulator, and the
// storefront either under `vite dev` or as the production build under `wrangler dev`.
// Everything started here is stopped by `stop()`, by PID.
import { startFaultProxy } from "./fault-proxy.ts";
import { startMailCatcher } from "./mail-catcher.ts";
import { ensurePostgres } from "./postgres.ts";
import { prepareMedusa, resetMedusa, startMedusa, type MedusaProcess, type MedusaProfile } from "./medusa.ts";
import { startRedis } from "./redis.ts";
import { startStripeSim } from "./stripe-sim/server.ts";
import { stackFiles, stackSecret, writeStackWorkerConfig, type StackFiles } from "./worker-config.ts";
import { assertPortFree, BIN, startProcess, waitForHttp, type Log, type Managed } from "./processes.ts";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";

export type StorefrontMode = "dev" | "preview";

export type Stack = {
  /** Base URL of each storefront started (vite dev and/or the production build). */
  storefronts: Partial<Record<StorefrontMode, string>>;
  medusaUrl: string;
  stripeSimUrl: string;
  /** The mail catcher's web inbox; its REST API is under /api (MailDev). */
  mailUrl: string;
  /** Medusa's admin dashboard, when this stack serves it (`npm run dev`). */
  adminUrl: string | null;
  /** Which Medusa runs: "development" (one process) or "production" (see StackOptions.medusaProfile). */
  medusaProfile: MedusaProfile;
  /** Medusa's processes: one "shared" in development; "server" and "worker" in production. */
  medusaProcesses: MedusaProcess[];
  /** The production profile's Redis (redis://127.0.0.1:<REDIS_PORT>); null in development. */
  redisUrl: string | null;
  /** Where the storefronts reach Medusa: Medusa itself, or the fault proxy in tests. */
  storefrontMedusaUrl: string;
  publishableKey: string;
  regionId: string;
  /**
   * This stack's generated Worker config, dev/.state/<stack>/wrangler.json; its `.dev.vars`
   * and the storefronts' logs (`*.log`) are in the same folder.
   */
  workerConfig: string;
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

export type StackName = "dev" | "test" | "bench" | "load" | "prodtest";

/**
 * Every stack has its own ports, Medusa database and Worker state, so `npm test` can run
 * while `npm run dev` serves. Override a port with its variable (prefixed `TEST_`,
 * `BENCH_` or `LOAD_` for those stacks, e.g. TEST_MEDUSA_PORT). `load` is `npm run load`
 * (dev/load.ts): its orders pile up in their own database, not in the benchmark's.
 * `prodtest` is the `production` test project's (tests/setup/production-stack.ts): the
 * production profile with two Medusa servers behind the balancer (PRODTEST_ prefix).
 */
type PortName =
  | "STOREFRONT_PORT"
  | "PREVIEW_PORT"
  | "MEDUSA_PORT"
  | "MEDUSA_PROXY_PORT"
  | "STRIPE_SIM_PORT"
  | "MAIL_SMTP_PORT"
  | "MAIL_WEB_PORT"
  // The production profile's only (StackOptions.medusaProfile): the Medusa worker's /health, and Redis.
  | "MEDUSA_WORKER_PORT"
  | "REDIS_PORT";
const DEFAULTS: Record<StackName, { ports: Record<PortName, number>; database: string }> = {
  dev: { ports: { STOREFRONT_PORT: 5173, PREVIEW_PORT: 8787, MEDUSA_PORT: 9000, MEDUSA_PROXY_PORT: 9001, STRIPE_SIM_PORT: 12111, MAIL_SMTP_PORT: 1025, MAIL_WEB_PORT: 1080, MEDUSA_WORKER_PORT: 9002, REDIS_PORT: 6390 }, database: "medusa_storefront" },
  test: { ports: { STOREFRONT_PORT: 5183, PREVIEW_PORT: 8797, MEDUSA_PORT: 9010, MEDUSA_PROXY_PORT: 9011, STRIPE_SIM_PORT: 12121, MAIL_SMTP_PORT: 1035, MAIL_WEB_PORT: 1090, MEDUSA_WORKER_PORT: 9012, REDIS_PORT: 6391 }, database: "medusa_storefront_test" },
  bench: { ports: { STOREFRONT_PORT: 5193, PREVIEW_PORT: 8807, MEDUSA_PORT: 9020, MEDUSA_PROXY_PORT: 9021, STRIPE_SIM_PORT: 12131, MAIL_SMTP_PORT: 1045, MAIL_WEB_PORT: 1100, MEDUSA_WORKER_PORT: 9022, REDIS_PORT: 6392 }, database: "medusa_storefront_bench" },
  load: { ports: { STOREFRONT_PORT: 5203, PREVIEW_PORT: 8817, MEDUSA_PORT: 9030, MEDUSA_PROXY_PORT: 9031, STRIPE_SIM_PORT: 12141, MAIL_SMTP_PORT: 1055, MAIL_WEB_PORT: 1110, MEDUSA_WORKER_PORT: 9032, REDIS_PORT: 6393 }, database: "medusa_storefront_load" },
  // Production profile only: its database is this name as is (the setup sets MEDUSA_DB_NAME).
  prodtest: { ports: { STOREFRONT_PORT: 5213, PREVIEW_PORT: 8827, MEDUSA_PORT: 9040, MEDUSA_PROXY_PORT: 9041, STRIPE_SIM_PORT: 12151, MAIL_SMTP_PORT: 1065, MAIL_WEB_PORT: 1120, MEDUSA_WORKER_PORT: 9042, REDIS_PORT: 6395 }, database: "medusa_storefront_prodtest" },
};

export type StackOptions = {
  /** Which stack: its ports, database and state folder. */
  name: StackName;
  /** Put the fault-injecting proxy (dev/fault-proxy.ts) between the storefronts and Medusa. */
  medusaProxy?: boolean;
  /** Extra Worker vars, e.g. a shorter MEDUSA_TIMEOUT_MS in tests. */
  vars?: Record<string, string>;
  /**
   * Serve the production build's V8 inspector (Chrome DevTools protocol) on this port, so
   * `npm run load` can read the Worker's heap. Without it wrangler picks its own port.
   */
  inspectorPort?: number;
  /**
   * What serves the production build: `wrangler dev` (default: what `npm run preview`,
   * the benchmark and the load run use) or `vite preview` (the Cloudflare Vite plugin runs
   * the same built Worker in workerd through miniflare, without wrangler's dev proxy). The
   * test stack uses `vite preview`: see docs/decisions/0006-test-preview-server.md.
   */
  previewServer?: "wrangler" | "vite";
  /** Serve Medusa's admin dashboard at <Medusa>/app (development builds it on first load). Development profile only. */
  medusaAdmin?: boolean;
  /**
   * Which Medusa (dev/medusa.ts): "development" (default: one `medusa start` compiling
   * TypeScript on load, in-memory event bus, workflow engine and locks) or "production"
   * (`medusa build`, then a server and a worker process from the build with
   * NODE_ENV=production, and this stack's own redis-server on REDIS_PORT for Medusa's Redis
   * event bus, workflow engine, locking and caching). Production uses its own database (the
   * stack's database + "_prod", e.g. medusa_storefront_load_prod) and state folder.
   */
  medusaProfile?: MedusaProfile;
  /**
   * Production profile: Medusa server processes (default 1). With more, they listen on
   * MEDUSA_WORKER_PORT + 1, + 2, ... and a round-robin balancer (dev/medusa-balancer.ts) on
   * MEDUSA_PORT is what the storefronts, the fault proxy and Medusa's own Stripe webhook reach;
   * a server that dies is restarted. Its control API is under <medusaUrl>/_balancer/.
   */
  medusaServers?: number;
  /**
   * Start from nothing earlier runs left: drop and recreate the Medusa database (migrated
   * and seeded again) and empty the storefronts' KV and Durable Object state. The test
   * stacks: their database outlives a clone on the machine's PostgreSQL, and every run's
   * orders reserve stock, so a reused one sells out after enough runs.
   */
  fresh?: boolean;
};

export async function startStack(modes: StorefrontMode[], log: Log, options: StackOptions): Promise<Stack> {
  const prefix = options.name === "dev" ? "" : `${options.name.toUpperCase()}_`;
  const defaults = DEFAULTS[options.name];
  const portOf = (key: keyof typeof defaults.ports) => ({ value: port(`${prefix}${key}`, defaults.ports[key]), env: `${prefix}${key}` });
  const ports = {
    medusa: portOf("MEDUSA_PORT"),
    stripeSim: portOf("STRIPE_SIM_PORT"),
    proxy: portOf("MEDUSA_PROXY_PORT"),
    mailSmtp: portOf("MAIL_SMTP_PORT"),
    mailWeb: portOf("MAIL_WEB_PORT"),
    medusaWorker: portOf("MEDUSA_WORKER_PORT"),
    redis: portOf("REDIS_PORT"),
  };
  const profile = options.medusaProfile ?? "development";
  const production = profile === "production";
  const storefrontPorts = modes.map((mode) => ({ mode, ...portOf(mode === "dev" ? "STOREFRONT_PORT" : "PREVIEW_PORT") }));
  process.env.MEDUSA_DB_NAME ??= production ? `${defaults.database}_prod` : defaults.database;
  // A fresh stack drops its database: never one someone browses (MEDUSA_DB_NAME set in the
  // shell applies to every stack).
  if (options.fresh && !process.env.MEDUSA_DB_NAME.includes("test")) {
    throw new Error(`the ${options.name} stack recreates its database at every start, and MEDUSA_DB_NAME=${process.env.MEDUSA_DB_NAME} names one that isn't a test database: unset MEDUSA_DB_NAME, or name a database whose name contains "test"`);
  }
  for (const { mode, value, env } of storefrontPorts) await assertPortFree(value, `storefront (${mode})`, env);
  await assertPortFree(ports.medusa.value, "Medusa", ports.medusa.env);
  await assertPortFree(ports.stripeSim.value, "Stripe simulator", ports.stripeSim.env);
  if (options.medusaProxy) await assertPortFree(ports.proxy.value, "Medusa fault proxy", ports.proxy.env);
  await assertPortFree(ports.mailSmtp.value, "mail catcher (SMTP)", ports.mailSmtp.env);
  await assertPortFree(ports.mailWeb.value, "mail catcher (web inbox)", ports.mailWeb.env);
  if (production) {
    await assertPortFree(ports.medusaWorker.value, "Medusa worker", ports.medusaWorker.env);
    await assertPortFree(ports.redis.value, "Redis", ports.redis.env);
  }
  // Per name and port: two stacks of one name on other ports (TEST_MEDUSA_PORT=...) never share state.
  // The production profile keeps its own (its attempts name carts of its own database).
  const files = stackFiles(`${options.name}-${ports.medusa.value}${production ? "-production" : ""}`);

  const stoppers: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const stopOne of stoppers.reverse()) await stopOne().catch(() => {});
  };

  try {
    const stripeSim = await startStripeSim({
      port: ports.stripeSim.value,
      secretKey: SIMULATOR_KEYS.secretKey,
      publishableKey: SIMULATOR_KEYS.publishableKey,
      webhookEndpoints: [],
      // Real Stripe retries for three days; locally a retry should come within seconds.
      retryBaseMs: options.name === "dev" ? 1000 : 200,
      // The dev account outlives a restart, as its Medusa database does: yesterday's orders
      // can be captured or refunded from the dashboard. Test stacks start empty.
      ...(options.name === "dev" ? { stateFile: path.join(files.dir, "stripe-sim.json") } : {}),
    });
    stoppers.push(() => stripeSim.close());
    log(`Stripe simulator on ${stripeSim.url}`);

    // Its log names recipients: kept out of the folder whose *.log files are the storefronts'
    // (the test run scans those for email addresses).
    mkdirSync(path.join(files.dir, "maildev"), { recursive: true });
    const mail = await startMailCatcher({ smtpPort: ports.mailSmtp.value, webPort: ports.mailWeb.value, logFile: path.join(files.dir, "maildev", "maildev.log") });
    stoppers.push(() => mail.stop());
    log(`mail catcher: SMTP on 127.0.0.1:${mail.smtpPort}, inbox on ${mail.url}`);

    // Order mail links to the storefront that gets Stripe's webhooks (the last one started).
    const orderLinkSecret = stackSecret(files, "order-link-secret");
    const linkedStorefront = `http://localhost:${storefrontPorts.at(-1)?.value ?? ports.medusa.value}`;

    const { databaseUrl } = await ensurePostgres((line) => log(`postgres: ${line}`));
    let redisUrl: string | null = null;
    if (production) {
      mkdirSync(path.join(files.dir, "redis"), { recursive: true });
      // Started again 1 s after it exits on its own, as a process manager would (the
      // production tests' Redis restart in the middle of a checkout relies on it).
      const redis = await startRedis({
        port: ports.redis.value,
        envVar: ports.redis.env,
        logFile: path.join(files.dir, "redis", "redis.log"),
        log: (line) => log(`redis: ${line}`),
        restart: { delayMs: 1_000 },
      });
      stoppers.push(() => redis.stop());
      redisUrl = redis.url;
      log(`Redis on ${redis.url} (pid ${redis.pid})`);
    }
    if (options.fresh) {
      await resetMedusa({ databaseUrl, log: (line: string) => log(`medusa: ${line}`) });
      for (const { mode } of storefrontPorts) rmSync(`${files.persistDir}-${mode}`, { recursive: true, force: true });
    }
    const { publishableKey, regionId } = await prepareMedusa({
      databaseUrl,
      log: (line: string) => log(`medusa: ${line}`),
      profile,
      redisUrl: redisUrl ?? undefined,
    });
    const medusa = await startMedusa({
      databaseUrl,
      port: ports.medusa.value,
      stripe: {
        host: "127.0.0.1",
        port: ports.stripeSim.value,
        secretKey: SIMULATOR_KEYS.secretKey,
        webhookSecret: SIMULATOR_KEYS.webhookSecret,
      },
      mail: { smtpHost: "127.0.0.1", smtpPort: mail.smtpPort, storefrontUrl: linkedStorefront, orderLinkSecret },
      admin: options.medusaAdmin ?? false,
      log: (line: string) => log(`medusa: ${line}`),
      profile,
      redisUrl: redisUrl ?? undefined,
      workerPort: ports.medusaWorker.value,
      ...(options.medusaServers === undefined ? {} : { servers: options.medusaServers }),
    });
    stoppers.push(() => medusa.stop());
    log(`Medusa on ${medusa.url}`);

    // Medusa's own Stripe webhook receives the simulator's events, as it would in a shop
    // that configured it in Stripe's dashboard.
    await addWebhookEndpoint(stripeSim.url, `${medusa.url}/hooks/payment/stripe_stripe`);

    let storefrontMedusaUrl = medusa.url;
    if (options.medusaProxy) {
      const proxy = await startFaultProxy({ target: medusa.url, port: ports.proxy.value });
      stoppers.push(() => proxy.close());
      storefrontMedusaUrl = proxy.url;
      log(`fault proxy to Medusa on ${proxy.url}`);
    }

    writeStackWorkerConfig(files, {
      ENVIRONMENT: "development",
      MEDUSA_BACKEND_URL: storefrontMedusaUrl,
      MEDUSA_PUBLISHABLE_KEY: publishableKey,
      STRIPE_PUBLISHABLE_KEY: SIMULATOR_KEYS.publishableKey,
      STRIPE_SECRET_KEY: SIMULATOR_KEYS.secretKey,
      STRIPE_WEBHOOK_SECRET: SIMULATOR_KEYS.webhookSecret,
      SESSION_SECRET: stackSecret(files, "session-secret"),
      RECONCILE_TOKEN: stackSecret(files, "reconcile-token"),
      ORDER_LINK_SECRET: orderLinkSecret,
      STRIPE_JS_URL: `${stripeSim.url}/js/stripe.js`,
      STRIPE_API_URL: stripeSim.url,
      ...options.vars,
    });

    const storefronts: Stack["storefronts"] = {};
    for (const { mode, value: storefrontPort } of storefrontPorts) {
      const url = `http://localhost:${storefrontPort}`;
      const storefront = await startStorefront(mode, storefrontPort, files, log, options);
      stoppers.push(() => storefront.stop());
      await waitForHttp(`${url}/favicon.svg`, 120_000, storefront);
      storefronts[mode] = url;
      // Stripe sends every event to every endpoint; the last storefront started gets them
      // (the production build when both run): attempts live in that storefront's KV.
      if (mode === storefrontPorts.at(-1)?.mode) await addWebhookEndpoint(stripeSim.url, `http://127.0.0.1:${storefrontPort}/webhooks/stripe`);
      log(`storefront (${mode === "dev" ? "vite dev" : `${options.previewServer === "vite" ? "vite preview" : "wrangler dev"}, production build`}) on ${url}`);
    }

    return {
      storefronts,
      medusaUrl: medusa.url,
      medusaProfile: profile,
      medusaProcesses: medusa.processes,
      redisUrl,
      storefrontMedusaUrl,
      stripeSimUrl: stripeSim.url,
      mailUrl: mail.url,
      adminUrl: options.medusaAdmin ? `${medusa.url}/app` : null,
      publishableKey,
      regionId,
      workerConfig: files.wranglerConfig,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function startStorefront(mode: StorefrontMode, port: number, files: StackFiles, log: Log, options: StackOptions): Promise<Managed> {
  // Each storefront keeps its own KV and Durable Object state: two runtimes sharing one
  // Durable Object's storage would break its one-at-a-time guarantee.
  const persistDir = `${files.persistDir}-${mode}`;
  const env = {
    STACK_WRANGLER_CONFIG: files.wranglerConfig,
    STACK_PERSIST_DIR: persistDir,
    STACK_VITE_CACHE_DIR: path.join(files.dir, "vite-cache"),
    STOREFRONT_BUILD_DIR: files.buildDir,
    WRANGLER_SEND_METRICS: "false",
    // Set explicitly: under Vitest NODE_ENV is "test", which would make Vite build a
    // development bundle and the "production build" would not be one.
    NODE_ENV: mode === "dev" ? "development" : "production",
  };
  if (mode === "dev") {
    return startProcess("vite dev", path.join(BIN, "vite"), ["dev", "--port", String(port), "--strictPort", "--host", "127.0.0.1"], {
      env,
      logFile: path.join(files.dir, "vite-dev.log"),
      onLine: (line) => process.env.STACK_VERBOSE && log(`vite: ${line}`),
    });
  }
  log("building the storefront (react-router build)");
  const build = startProcess("react-router build", path.join(BIN, "react-router"), ["build"], { env });
  const code = await new Promise<number | null>((resolve) => build.child.once("exit", resolve));
  if (code !== 0) throw new Error(`react-router build failed (exit ${code}):\n${build.output.slice(-30).join("\n")}`);
  if (options.previewServer === "vite") {
    return startProcess("vite preview", path.join(BIN, "vite"), ["preview", "--port", String(port), "--strictPort", "--host", "127.0.0.1"], {
      env,
      logFile: path.join(files.dir, "vite-preview.log"),
      onLine: (line) => process.env.STACK_VERBOSE && log(`vite preview: ${line}`),
    });
  }
  const inspectorPort = options.inspectorPort;
  return startProcess(
    "wrangler dev",
    path.join(BIN, "wrangler"),
    [
      "dev",
      "--config",
      path.join(files.buildDir, "server", "wrangler.json"),
      "--port",
      String(port),
      "--ip",
      "127.0.0.1",
      "--persist-to",
      persistDir,
      "--show-interactive-dev-session=false",
      ...(inspectorPort === undefined ? [] : ["--inspector-port", String(inspectorPort)]),
    ],
    { env, logFile: path.join(files.dir, "wrangler-dev.log"), onLine: (line) => process.env.STACK_VERBOSE && log(`wrangler: ${line}`) },
  );
}

async function addWebhookEndpoint(stripeSimUrl: string, url: string): Promise<void> {
  const response = await fetch(`${stripeSimUrl}/_sim/webhook_endpoints`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ url, secret: SIMULATOR_KEYS.webhookSecret }),
  });
  if (!response.ok) throw new Error(`the Stripe simulator refused the webhook endpoint ${url}: HTTP ${response.status}`);
}
