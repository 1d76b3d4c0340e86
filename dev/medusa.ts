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
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensurePostgres, redact, type Log } from "./postgres.ts";

export type { Log };

export const MEDUSA_DIR = fileURLToPath(new URL("./medusa/", import.meta.url));
const REPO_ROOT = fileURLToPath(new URL("../", import.meta.url));
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
    env: { ...process.env, PATH: childPath() },
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
  log?: Log;
  /** Every output line of Medusa (it also goes to dev/medusa/.medusa/server.log). */
  onOutput?: (line: string) => void;
  timeoutMs?: number;
}): Promise<RunningMedusa> {
  const log = options.log ?? defaultLog;
  const port = options.port ?? Number(process.env.MEDUSA_PORT || DEFAULT_PORT);
  if (!existsSync(CLI)) throw new Error("dev/medusa dependencies are not installed: call prepareMedusa() first");
  if (!(await portIsFree(port))) {
    throw new Error(`port ${port} is in use: set MEDUSA_PORT to a free port (or stop what listens there)`);
  }

  mkdirSync(path.dirname(SERVER_LOG), { recursive: true });
  const logFile = createWriteStream(SERVER_LOG, { flags: "w" });
  const started = Date.now();
  const child = spawn(
    process.execPath,
    // The watchdog stops Medusa when our stdin pipe closes, i.e. when this process dies
    // without calling stop(): Medusa runs in its own process group, out of reach of Ctrl-C.
    ["--require", WATCHDOG, CLI, "start", "--port", String(port)],
    {
      cwd: MEDUSA_DIR,
      env: medusaEnv(medusaDatabaseUrl(options.databaseUrl), options.stripe, port),
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  const pid = child.pid!;
  const lines = collectLines(child, (line) => {
    logFile.write(`${line}\n`);
    options.onOutput?.(line);
  });
  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exitPromise = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exited = { code, signal };
      logFile.end();
      resolve();
    });
  });

  const stop = async () => {
    if (!exited) {
      signalGroup(pid, "SIGTERM");
      const killed = await Promise.race([exitPromise.then(() => true), delay(10_000).then(() => false)]);
      if (!killed) {
        signalGroup(pid, "SIGKILL");
        await exitPromise;
      }
    }
    child.stdin?.destroy();
  };

  const url = `http://localhost:${port}`;
  const timeoutMs = options.timeoutMs ?? Number(process.env.MEDUSA_START_TIMEOUT_MS || 90_000);
  const deadline = Date.now() + timeoutMs;
  while (true) {
    if (exited) {
      const { code, signal } = exited;
      throw new Error(
        `Medusa exited before it was healthy (${signal ?? `code ${code}`}). Last output:\n${lines.tail()}`,
      );
    }
    if (await isHealthy(port)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Medusa did not answer GET /health within ${timeoutMs} ms. Last output:\n${lines.tail()}`);
    }
    await delay(250);
  }
  log(`Medusa is up at ${url} (pid ${pid}, ${seconds(started)}; log: ${path.relative(REPO_ROOT, SERVER_LOG)})`);
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

function medusaEnv(dbUrl: string, stripe: StripeTarget | null, port?: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: childPath(),
    NODE_ENV: "development",
    DATABASE_URL: dbUrl,
    MEDUSA_DISABLE_TELEMETRY: "true",
    // No `.env` in dev/medusa is read unless someone adds one; everything comes from here.
    STRIPE_SECRET_KEY: stripe?.secretKey ?? process.env.STRIPE_SECRET_KEY ?? "sk_test_simulator",
    STRIPE_WEBHOOK_SECRET: stripe?.webhookSecret ?? process.env.STRIPE_WEBHOOK_SECRET ?? "whsec_simulator_dev_secret",
  };
  delete env.NODE_OPTIONS;
  if (port !== undefined) env.PORT = String(port);
  if (stripe) {
    env.STRIPE_API_HOST = stripe.host;
    env.STRIPE_API_PORT = String(stripe.port);
  } else {
    // Unmodified @medusajs/payment-stripe (production shape).
    delete env.STRIPE_API_HOST;
    delete env.STRIPE_API_PORT;
  }
  return env;
}

/** Our Node (22) and the repo's node_modules/.bin first: the system Node may be older. */
function childPath(): string {
  return [path.dirname(process.execPath), path.join(REPO_ROOT, "node_modules/.bin"), process.env.PATH]
    .filter(Boolean)
    .join(path.delimiter);
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

function run(
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; label: string },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: MEDUSA_DIR,
      env: options.env,
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

function collectLines(child: ChildProcess, onLine: (line: string) => void): { tail(): string } {
  const kept: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let partial = "";
    stream?.on("data", (chunk: Buffer) => {
      const parts = (partial + chunk.toString()).split("\n");
      partial = parts.pop() ?? "";
      for (const raw of parts) {
        const line = stripAnsi(raw);
        kept.push(line);
        if (kept.length > 200) kept.shift();
        onLine(line);
      }
    });
  }
  return { tail: () => kept.slice(-40).join("\n") };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    // No host: the same dual-stack wildcard Medusa listens on.
    server.listen(port, () => server.close(() => resolve(true)));
  });
}

async function isHealthy(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2_000) });
    return res.status === 200;
  } catch {
    return false;
  }
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

// Medusa's development logger always colours its output (winston's cli format).
function stripAnsi(text: string): string {
  return text.replace(/\x1b\[[0-9;]*m/g, "");
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
