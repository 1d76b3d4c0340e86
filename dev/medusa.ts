// The local Medusa v2 backend (dev/medusa/): install, database, migrations, seed, start.
//
// Used by the dev orchestrator and the stack tests; also a CLI:
//   npm exec -- node dev/medusa.ts prepare   # install deps, create db, migrate, seed; prints key
//   npm exec -- node dev/medusa.ts start     # prepare + start on MEDUSA_PORT (default 9000)
//   npm exec -- node dev/medusa.ts reset     # drop + recreate the database, then prepare
//
// Database naming: `databaseUrl` (from ensurePostgres or DATABASE_URL) is a server URL. The
// Medusa database is MEDUSA_DB_NAME (default "medusa_storefront") on that server; when
// MEDUSA_DB_NAME is unset and the URL itself names a database, that database is used.
//
// Node built-ins only (Node 22 type stripping). SQL uses the `pg` package from
// dev/medusa/node_modules, which exists once dependencies are installed.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensurePostgres, redact, type Log } from "./postgres.ts";
import { portInUse, processEnv, ROOT, startProcess, stripAnsi, waitForHttp } from "./processes.ts";

export type { Log };

export const MEDUSA_DIR = fileURLToPath(new URL("./medusa/", import.meta.url));
const CLI = path.join(MEDUSA_DIR, "node_modules/@medusajs/cli/cli.js");
const WATCHDOG = path.join(MEDUSA_DIR, "parent-watchdog.cjs");
const INSTALL_STAMP = path.join(MEDUSA_DIR, "node_modules/.storefront-install-stamp");
const SERVER_LOG = path.join(MEDUSA_DIR, ".medusa/server.log");
const PREPARE_LOCK = path.join(MEDUSA_DIR, ".medusa/prepare.lock");
const DEFAULT_DB_NAME = "medusa_storefront";
const DEFAULT_PORT = 9000;

export type StripeTarget = {
  /** Host of the Stripe-compatible simulator, e.g. "127.0.0.1". */
  host: string;
  port: number;
  secretKey?: string;
  webhookSecret?: string;
};

/** Where Medusa sends order mail, and what its links point to (dev/medusa/src/lib/order-mail.ts). */
export type MailTarget = { smtpHost: string; smtpPort: number; storefrontUrl: string; orderLinkSecret: string };

export type RunningMedusa = { url: string; pid: number; stop(): Promise<void> };

const defaultLog: Log = (message) => console.error(`[medusa] ${message}`);

/** The URL Medusa itself connects to: the server URL with the Medusa database name. */
export function medusaDatabaseUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  const fromEnv = process.env.MEDUSA_DB_NAME;
  const inUrl = decodeURIComponent(url.pathname.replace(/^\//, ""));
  url.pathname = `/${encodeURIComponent(fromEnv || inUrl || DEFAULT_DB_NAME)}`;
  return url.toString();
}

/**
 * Installs dev/medusa's dependencies when node_modules is missing or package.json /
 * package-lock.json changed since the last install. `npm install`, not `npm ci`: ci refuses
 * a lock written by npm 11 without other platforms' optional binaries; install keeps the
 * locked versions.
 */
export async function installMedusaDeps(log: Log = defaultLog): Promise<void> {
  const fingerprint = hashFiles([path.join(MEDUSA_DIR, "package.json"), path.join(MEDUSA_DIR, "package-lock.json")]);
  if (existsSync(CLI) && existsSync(INSTALL_STAMP) && readFileSync(INSTALL_STAMP, "utf8") === fingerprint) return;
  log("installing dev/medusa dependencies (npm install, about 1 min on a cold cache)");
  const started = Date.now();
  await run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], {
    env: {},
    label: "npm install",
  });
  writeFileSync(INSTALL_STAMP, fingerprint);
  log(`dependencies installed in ${seconds(started)}`);
}

/**
 * Makes the Medusa database ready: dependencies, database, migrations, seed.
 * Idempotent; a second call reuses the database (migrations are skipped when nothing that
 * shapes the schema changed, the seed always runs and changes nothing).
 */
export async function prepareMedusa(options: {
  databaseUrl: string;
  log?: Log;
}): Promise<{ publishableKey: string; regionId: string }> {
  const log = options.log ?? defaultLog;
  return withPrepareLock(log, async () => {
    await installMedusaDeps(log);
    const dbUrl = medusaDatabaseUrl(options.databaseUrl);
    await createDatabaseIfMissing(dbUrl, log);
    await migrateIfNeeded(dbUrl, log);
    return seedMedusa({ databaseUrl: options.databaseUrl, log });
  });
}

// `db:migrate` on an up-to-date database still takes about 7 s (it boots every module and
// syncs links). The schema depends only on the installed Medusa (lock file), the configured
// modules (medusa-config.ts) and our own modules/links/migration scripts, so a fingerprint
// of those, stored in the database after a successful run, tells when it can be skipped.
// resetMedusa() drops it with the database.
async function migrateIfNeeded(dbUrl: string, log: Log): Promise<void> {
  const schemaFingerprint = hashFiles([
    path.join(MEDUSA_DIR, "package-lock.json"),
    path.join(MEDUSA_DIR, "medusa-config.ts"),
    ...listFiles(path.join(MEDUSA_DIR, "src/modules")),
    ...listFiles(path.join(MEDUSA_DIR, "src/links")),
    ...listFiles(path.join(MEDUSA_DIR, "src/migration-scripts")),
  ]);
  if ((await readState(dbUrl, "migrated")) === schemaFingerprint) {
    log("database already migrated for this Medusa install; skipping db:migrate");
  } else {
    log("running medusa db:migrate");
    const started = Date.now();
    await run(process.execPath, [CLI, "db:migrate"], { env: medusaEnv(dbUrl, null), label: "medusa db:migrate" });
    await writeState(dbUrl, "migrated", schemaFingerprint);
    log(`migrated in ${seconds(started)}`);
  }
}

/** Runs the idempotent seed and returns what it printed. */
export async function seedMedusa(options: {
  databaseUrl: string;
  log?: Log;
}): Promise<{ publishableKey: string; regionId: string }> {
  const log = options.log ?? defaultLog;
  const started = Date.now();
  const output = await run(process.execPath, [CLI, "exec", "./src/scripts/seed.ts"], {
    env: medusaEnv(medusaDatabaseUrl(options.databaseUrl), null),
    label: "medusa exec seed",
  });
  const line = output
    .split("\n")
    .reverse()
    .find((l) => l.startsWith('{"publishable_key"'));
  if (!line) throw new Error(`the seed printed no result line:\n${tail(output)}`);
  const result = JSON.parse(line) as { publishable_key: string; region_id: string };
  const summary = stripAnsi(output).split("\n").find((l) => /Seed(:| created:)/.test(l));
  log(`seeded in ${seconds(started)}${summary ? `: ${summary.replace(/^.*?(Seed)/, "$1")}` : ""}`);
  return { publishableKey: result.publishable_key, regionId: result.region_id };
}

/**
 * Starts `medusa start` (no build, no file watching; TypeScript is compiled on load by
 * ts-node + swc) and resolves once GET /health answers 200.
 */
export async function startMedusa(options: {
  databaseUrl: string;
  port?: number;
  stripe: StripeTarget | null;
  /** Order mail over SMTP; without it Medusa sends none. */
  mail?: MailTarget;
  /** Serve the admin dashboard at /app (Vite in development mode: built on first load). */
  admin?: boolean;
  log?: Log;
  /** Every output line of Medusa (it also goes to dev/medusa/.medusa/server.log). */
  onOutput?: (line: string) => void;
  timeoutMs?: number;
}): Promise<RunningMedusa> {
  const log = options.log ?? defaultLog;
  const port = options.port ?? Number(process.env.MEDUSA_PORT || DEFAULT_PORT);
  if (!existsSync(CLI)) throw new Error("dev/medusa dependencies are not installed: call prepareMedusa() first");
  if (await portInUse(port, null)) {
    throw new Error(`port ${port} is in use: set MEDUSA_PORT to a free port (or stop what listens there)`);
  }

  mkdirSync(path.dirname(SERVER_LOG), { recursive: true });
  const started = Date.now();
  const medusa = startProcess(
    "Medusa",
    process.execPath,
    // The watchdog stops Medusa when our stdin pipe closes, i.e. when this process dies
    // without calling stop(): Medusa runs in its own process group, out of reach of Ctrl-C.
    ["--require", WATCHDOG, CLI, "start", "--port", String(port)],
    {
      cwd: MEDUSA_DIR,
      env: {
        ...medusaEnv(medusaDatabaseUrl(options.databaseUrl), options.stripe, port),
        ...mailEnv(options.mail),
        MEDUSA_ADMIN: options.admin ? "true" : undefined,
      },
      stdio: ["pipe", "pipe", "pipe"],
      logFile: SERVER_LOG,
      plainLog: true,
      onLine: options.onOutput,
    },
  );
  const pid = medusa.child.pid!;
  const stop = async () => {
    await medusa.stop();
    medusa.child.stdin?.destroy();
  };

  const url = `http://localhost:${port}`;
  const timeoutMs = options.timeoutMs ?? Number(process.env.MEDUSA_START_TIMEOUT_MS || 90_000);
  try {
    await waitForHttp(`http://127.0.0.1:${port}/health`, timeoutMs, medusa, (status) => status === 200);
  } catch (error) {
    await stop();
    throw error;
  }
  log(`Medusa is up at ${url} (pid ${pid}, ${seconds(started)}; log: ${path.relative(ROOT, SERVER_LOG)})`);
  return { url, pid, stop };
}

/** Drops and recreates the Medusa database (empty: run prepareMedusa() afterwards). */
export async function resetMedusa(options: { databaseUrl?: string; log?: Log } = {}): Promise<void> {
  const log = options.log ?? defaultLog;
  const databaseUrl = options.databaseUrl ?? (await ensurePostgres(log)).databaseUrl;
  await withPrepareLock(log, async () => {
    await installMedusaDeps(log);
    const dbUrl = medusaDatabaseUrl(databaseUrl);
    const name = databaseName(dbUrl);
    await withClient(maintenanceUrl(dbUrl), async (client) => {
      log(`dropping database "${name}"`);
      // WITH (FORCE) (PostgreSQL 13+) ends sessions a running Medusa still holds.
      await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
    });
    log(`database "${name}" recreated (empty)`);
  });
}

/**
 * One prepare/reset at a time per checkout (e.g. `npm run dev` and a test run started
 * together): concurrent `npm install`s or migrations on one database break each other.
 * The lock is a directory holding the owner's PID; a dead owner's lock is taken over.
 */
async function withPrepareLock<T>(log: Log, fn: () => Promise<T>): Promise<T> {
  mkdirSync(path.dirname(PREPARE_LOCK), { recursive: true });
  const owner = path.join(PREPARE_LOCK, "pid");
  let waiting = false;
  while (true) {
    try {
      mkdirSync(PREPARE_LOCK);
      writeFileSync(owner, String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const lockStat = statSync(PREPARE_LOCK, { throwIfNoEntry: false });
    if (!lockStat) continue;
    const pid = Number(existsSync(owner) ? readFileSync(owner, "utf8") : NaN);
    // A lock without a PID file yet may be a moment old: give its owner time to write it.
    const young = Date.now() - lockStat.mtimeMs < 5_000;
    if (!(pid > 0 && isAlive(pid)) && (pid > 0 || !young)) {
      rmSync(PREPARE_LOCK, { recursive: true, force: true });
      continue;
    }
    if (!waiting) log(`waiting for another prepare (pid ${pid || "?"}) to finish`);
    waiting = true;
    await delay(500);
  }
  try {
    return await fn();
  } finally {
    rmSync(PREPARE_LOCK, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

// ---------------------------------------------------------------------------
// Environment

/** What Medusa's environment changes from ours (`undefined`: removed); PATH is the project's (Node 22 first). */
function medusaEnv(dbUrl: string, stripe: StripeTarget | null, port?: number): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {
    NODE_ENV: "development",
    DATABASE_URL: dbUrl,
    MEDUSA_DISABLE_TELEMETRY: "true",
    // No `.env` in dev/medusa is read unless someone adds one; everything comes from here.
    STRIPE_SECRET_KEY: stripe?.secretKey ?? process.env.STRIPE_SECRET_KEY ?? "sk_test_simulator",
    STRIPE_WEBHOOK_SECRET: stripe?.webhookSecret ?? process.env.STRIPE_WEBHOOK_SECRET ?? "whsec_simulator_dev_secret",
  };
  env.NODE_OPTIONS = undefined;
  if (port !== undefined) env.PORT = String(port);
  // Without a simulator: unmodified @medusajs/payment-stripe (production shape).
  env.STRIPE_API_HOST = stripe?.host;
  env.STRIPE_API_PORT = stripe ? String(stripe.port) : undefined;
  return env;
}

function mailEnv(mail: MailTarget | undefined): Record<string, string | undefined> {
  return {
    SMTP_HOST: mail?.smtpHost,
    SMTP_PORT: mail ? String(mail.smtpPort) : undefined,
    STOREFRONT_URL: mail?.storefrontUrl,
    ORDER_LINK_SECRET: mail?.orderLinkSecret,
  };
}

// ---------------------------------------------------------------------------
// Database helpers (pg from dev/medusa/node_modules)

type PgClient = {
  connect(): Promise<void>;
  query(sql: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  end(): Promise<void>;
};

async function withClient<T>(connectionString: string, fn: (client: PgClient) => Promise<T>): Promise<T> {
  const pg = createRequire(path.join(MEDUSA_DIR, "package.json"))("pg") as {
    Client: new (config: { connectionString: string; connectionTimeoutMillis: number }) => PgClient;
  };
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`cannot connect to ${redact(connectionString)}: ${(error as Error).message}`);
  }
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

function databaseName(dbUrl: string): string {
  return decodeURIComponent(new URL(dbUrl).pathname.replace(/^\//, ""));
}

function maintenanceUrl(dbUrl: string): string {
  const url = new URL(dbUrl);
  url.pathname = "/postgres";
  return url.toString();
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

async function createDatabaseIfMissing(dbUrl: string, log: Log): Promise<void> {
  const name = databaseName(dbUrl);
  await withClient(maintenanceUrl(dbUrl), async (client) => {
    const { rows } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (rows.length === 0) {
      log(`creating database "${name}"`);
      await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
    }
  });
}

// A one-row-per-key table of our own, outside Medusa's schema management.
const STATE_TABLE = "storefront_dev_state";

async function readState(dbUrl: string, key: string): Promise<string | null> {
  return withClient(dbUrl, async (client) => {
    const { rows } = await client.query(`SELECT to_regclass('public.${STATE_TABLE}') AS t`);
    if (!rows[0]?.t) return null;
    const res = await client.query(`SELECT value FROM ${STATE_TABLE} WHERE key = $1`, [key]);
    return (res.rows[0]?.value as string | undefined) ?? null;
  });
}

async function writeState(dbUrl: string, key: string, value: string): Promise<void> {
  await withClient(dbUrl, async (client) => {
    await client.query(`CREATE TABLE IF NOT EXISTS ${STATE_TABLE} (key text PRIMARY KEY, value text NOT NULL)`);
    await client.query(
      `INSERT INTO ${STATE_TABLE} (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
      [key, value],
    );
  });
}

// ---------------------------------------------------------------------------
// Processes

/** Runs a command in dev/medusa to its end; resolves with its output. `env`: changes to ours. */
function run(
  command: string,
  args: string[],
  options: { env: Record<string, string | undefined>; label: string },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: MEDUSA_DIR,
      env: processEnv(options.env),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("error", (error) => reject(new Error(`${options.label}: ${error.message}`)));
    child.once("close", (code, signal) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${options.label} failed (${signal ?? `exit code ${code}`}):\n${tail(output)}`));
    });
  });
}

// ---------------------------------------------------------------------------
// Small utilities

function hashFiles(files: string[]): string {
  const hash = createHash("sha256");
  for (const file of files) {
    hash.update(path.relative(MEDUSA_DIR, file));
    hash.update(existsSync(file) ? readFileSync(file) : "<missing>");
  }
  return hash.digest("hex");
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((f) => path.join(dir, f))
    .filter((f) => statSync(f).isFile())
    .sort();
}

function tail(output: string, lines = 40): string {
  return stripAnsi(output).trimEnd().split("\n").slice(-lines).join("\n");
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------
// CLI

async function main(command: string | undefined): Promise<void> {
  const log = defaultLog;
  if (command !== "prepare" && command !== "start" && command !== "reset") {
    console.error("usage: node dev/medusa.ts prepare|start|reset");
    process.exit(2);
  }
  const { databaseUrl } = await ensurePostgres();
  if (command === "reset") await resetMedusa({ databaseUrl, log });
  const seeded = await prepareMedusa({ databaseUrl, log });
  console.log(JSON.stringify({ publishable_key: seeded.publishableKey, region_id: seeded.regionId }));
  if (command !== "start") return;

  const stripe = process.env.STRIPE_API_HOST
    ? { host: process.env.STRIPE_API_HOST, port: Number(process.env.STRIPE_API_PORT || 12111) }
    : null;
  const medusa = await startMedusa({ databaseUrl, stripe, log, onOutput: (line) => console.error(line) });
  console.log(`MEDUSA_URL=${medusa.url}`);
  console.log(`MEDUSA_PUBLISHABLE_KEY=${seeded.publishableKey}`);
  const shutdown = () => {
    medusa.stop().then(() => process.exit(0));
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}

if (import.meta.main) {
  main(process.argv[2]).catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
