// The local Medusa v2 backend (dev/medusa/): install, database, migrations, seed, start.
//
// Used by the dev orchestrator and the stack tests; also a CLI:
//   npm exec -- node dev/medusa.ts prepare   # install deps, create db, migrate, seed; prints key
//   npm exec -- node dev/medusa.ts start     # prepare + start on MEDUSA_PORT (default 9000)
//   npm exec -- node dev/medusa.ts reset     # drop + recreate the database, then prepare
//   npm exec -- node dev/medusa.ts start --production   # the production profile (below)
//   npm exec -- node dev/medusa.ts build     # `medusa build` into dev/medusa/.medusa/server
//
// Two profiles:
// - "development" (default; `npm run dev`, `npm test`): one `medusa start` process compiling
//   the TypeScript on load (ts-node + swc), NODE_ENV=development, Medusa's in-memory event
//   bus, workflow engine, locking and no caching module.
// - "production" (as merchants run it): `medusa build` into .medusa/server (rebuilt only when
//   its inputs changed), migrated and seeded from that build, then one server process
//   (MEDUSA_WORKER_MODE=server, the API) and one worker process (MEDUSA_WORKER_MODE=worker:
//   subscribers, scheduled jobs, workflow retries) started from it with NODE_ENV=production,
//   and REDIS_URL set, which turns on Medusa's Redis event bus, workflow engine, locking and
//   caching modules (medusa-config.ts). The caller starts Redis (dev/redis.ts).
//   See docs/decisions/0010-production-medusa-profile.md.
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
import { ensurePostgres, redact } from "./postgres.ts";
import { startMedusaBalancer, type RunningBalancer } from "./medusa-balancer.ts";
import { startRedis } from "./redis.ts";
import { portInUse, processEnv, ROOT, startProcess, stripAnsi, waitForHttp, type Log, type Managed } from "./processes.ts";

export type { Log };

export const MEDUSA_DIR = fileURLToPath(new URL("./medusa/", import.meta.url));
const CLI = path.join(MEDUSA_DIR, "node_modules/@medusajs/cli/cli.js");
const WATCHDOG = path.join(MEDUSA_DIR, "parent-watchdog.cjs");
const INSTALL_STAMP = path.join(MEDUSA_DIR, "node_modules/.storefront-install-stamp");
const SERVER_LOG = path.join(MEDUSA_DIR, ".medusa/server.log");
/** `medusa build` output, where the production profile runs from (as `cd .medusa/server && medusa start`). */
export const BUILD_DIR = path.join(MEDUSA_DIR, ".medusa/server");
const BUILD_STAMP = path.join(BUILD_DIR, ".storefront-build-stamp");
/** The copy of the app that `medusa build` compiles (see stageBuild). */
const BUILD_STAGE = path.join(MEDUSA_DIR, ".medusa/build-stage");
/** Where the stage puts files the app imports from outside dev/medusa (the storefront's app/lib). */
const STAGED_OUTSIDE_DIR = "src/storefront";
/** Bump when the staging below changes what the build contains. */
const STAGE_VERSION = "stage-1";
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

export type MedusaProfile = "development" | "production";

/**
 * The profile a command asked for (`--medusa <profile>`, or its environment variable), for
 * `npm run load` and `npm run bench`: Medusa as merchants run it unless told otherwise.
 */
export function medusaProfileOption(given: string | undefined, fallback: MedusaProfile = "production"): MedusaProfile {
  const profile = given ?? fallback;
  if (profile !== "production" && profile !== "development") throw new Error(`--medusa must be production or development, got ${profile}`);
  return profile;
}

export type MedusaProcess = {
  role: "shared" | "server" | "worker";
  pid: number;
  /** Its own HTTP port: the API (shared, server) or only /health (worker). */
  url: string;
  logFile: string;
};

export type RunningMedusa = {
  /** The API: the development process, or the production profile's server process. */
  url: string;
  pid: number;
  profile: MedusaProfile;
  /** Every Medusa process started (one in development; server and worker in production). */
  processes: MedusaProcess[];
  stop(): Promise<void>;
};

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

// ---------------------------------------------------------------------------
// The production build

/**
 * `medusa build` into dev/medusa/.medusa/server when its inputs changed since the last
 * build (a fingerprint in `.medusa/server/.storefront-build-stamp`, like the install stamp).
 * Installs dependencies first. Resolves with whether it built and how long it took.
 */
export async function buildMedusa(options: { log?: Log; force?: boolean } = {}): Promise<{ built: boolean; ms: number }> {
  const log = options.log ?? defaultLog;
  return withPrepareLock(log, async () => {
    await installMedusaDeps(log);
    return buildIfNeeded(log, options.force);
  });
}

/** What the build is made of: dev/medusa's own files, and the files they import from outside it. */
function buildInputs(): { own: string[]; outside: string[] } {
  const own = [
    ...["medusa-config.ts", "tsconfig.json", "package.json", "package-lock.json"].map((f) => path.join(MEDUSA_DIR, f)),
    ...listFiles(path.join(MEDUSA_DIR, "src")),
  ];
  const outside = new Set<string>();
  const queue = own.filter((f) => f.endsWith(".ts"));
  while (queue.length) {
    const file = queue.pop()!;
    for (const { target } of relativeImports(file)) {
      if (isInside(MEDUSA_DIR, target) || outside.has(target)) continue;
      if (!isInside(ROOT, target)) throw new Error(`${path.relative(ROOT, file)} imports ${target}, outside this repository`);
      outside.add(target);
      queue.push(target);
    }
  }
  return { own, outside: [...outside].sort() };
}

/** The relative imports of a TypeScript file: each specifier with the file it resolves to. */
function relativeImports(file: string): Array<{ specifier: string; target: string }> {
  const source = readFileSync(file, "utf8");
  const found: Array<{ specifier: string; target: string }> = [];
  for (const match of source.matchAll(IMPORT_SPECIFIER)) {
    const specifier = match[2]!;
    const base = path.resolve(path.dirname(file), specifier);
    const target = [base, `${base}.ts`, `${base}.tsx`, path.join(base, "index.ts")].find((f) => existsSync(f) && statSync(f).isFile());
    if (!target) throw new Error(`${path.relative(ROOT, file)}: cannot resolve the import "${specifier}"`);
    found.push({ specifier, target });
  }
  return found;
}

// `from "./x"`, `import "./x"`, `import("./x")`, `require("./x")`: relative specifiers only.
const IMPORT_SPECIFIER = /(\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["'](\.{1,2}\/[^"']*)["']/g;

function isInside(dir: string, file: string): boolean {
  const relative = path.relative(dir, file);
  return relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative);
}

async function buildIfNeeded(log: Log, force = false): Promise<{ built: boolean; ms: number }> {
  const started = Date.now();
  const inputs = buildInputs();
  const fingerprint = createHash("sha256")
    .update(STAGE_VERSION)
    .update(hashFiles([...inputs.own, ...inputs.outside]))
    .digest("hex");
  const upToDate =
    existsSync(path.join(BUILD_DIR, "medusa-config.js")) && existsSync(BUILD_STAMP) && readFileSync(BUILD_STAMP, "utf8") === fingerprint;
  if (upToDate && !force) {
    log(`Medusa build is up to date (${path.relative(ROOT, BUILD_DIR)})`);
    return { built: false, ms: Date.now() - started };
  }
  log(`running medusa build into ${path.relative(ROOT, BUILD_DIR)} (about 10-20 s)`);
  stageBuild(inputs);
  await run(process.execPath, [CLI, "build"], {
    cwd: BUILD_STAGE,
    // The build itself needs no database or Redis; MEDUSA_ADMIN unset: no admin bundle.
    env: { NODE_ENV: "production", MEDUSA_DISABLE_TELEMETRY: "true", MEDUSA_ADMIN: undefined, REDIS_URL: undefined, NODE_OPTIONS: undefined },
    label: "medusa build",
  });
  if (!existsSync(path.join(BUILD_DIR, "medusa-config.js"))) throw new Error(`medusa build wrote no ${path.relative(ROOT, BUILD_DIR)}/medusa-config.js`);
  writeFileSync(BUILD_STAMP, fingerprint);
  const ms = Date.now() - started;
  log(`built in ${(ms / 1000).toFixed(1)} s`);
  return { built: true, ms };
}

/**
 * `medusa build` compiles with tsc from dev/medusa/tsconfig.json, and two things in this app
 * stop it there: the tsconfig is `noEmit` (ts-node needs no output), and
 * src/lib/order-mail.ts imports the storefront's mail renderer from app/lib, outside the
 * app, in a `"type": "module"` package: tsc would emit the output rooted at the repository
 * (.medusa/server/dev/medusa/medusa-config.js, not where `medusa start` looks) and refuse
 * CommonJS requires of those ES modules (TS1479). So the build compiles a copy, the stage
 * (dev/medusa/.medusa/build-stage, inside dev/medusa so node_modules resolve as usual):
 *
 * - dev/medusa's files as they are, except that imports leaving dev/medusa are rewritten
 *   to point at the copies below;
 * - every file they import from outside (the closure: app/lib/mail/order-mail.ts and what it
 *   imports), copied to src/storefront/<its path in the repository>, where this package's
 *   CommonJS scope applies. Those copies start with `// @ts-nocheck`: they are the
 *   storefront's code, type-checked where they live by the storefront's own `npm run
 *   typecheck`; a type error there must not stop Medusa's build (emit is what it needs);
 * - tsconfig.json without `noEmit`, with `outDir` = dev/medusa/.medusa/server.
 *
 * The output is a standard Medusa build: .medusa/server/medusa-config.js, src/…, package.json.
 */
function stageBuild(inputs: { own: string[]; outside: string[] }): void {
  rmSync(BUILD_STAGE, { recursive: true, force: true });
  const stagedPath = (file: string) =>
    isInside(MEDUSA_DIR, file) ? path.join(BUILD_STAGE, path.relative(MEDUSA_DIR, file)) : path.join(BUILD_STAGE, STAGED_OUTSIDE_DIR, path.relative(ROOT, file));
  const write = (file: string, content: string | Buffer) => {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  };
  for (const file of inputs.own) {
    if (!existsSync(file)) continue;
    const destination = stagedPath(file);
    if (file === path.join(MEDUSA_DIR, "tsconfig.json")) {
      const tsconfig = JSON.parse(readFileSync(file, "utf8")) as { compilerOptions?: Record<string, unknown>; "ts-node"?: Record<string, unknown> };
      const compilerOptions: Record<string, unknown> = { ...tsconfig.compilerOptions, outDir: BUILD_DIR };
      delete compilerOptions.noEmit;
      const tsNode = { ...tsconfig["ts-node"] };
      delete tsNode.moduleTypes;
      write(destination, `${JSON.stringify({ ...tsconfig, compilerOptions, "ts-node": tsNode }, null, 2)}\n`);
    } else if (file.endsWith(".ts")) {
      let source = readFileSync(file, "utf8");
      for (const { specifier, target } of relativeImports(file)) {
        if (isInside(MEDUSA_DIR, target)) continue;
        let rewritten = path.relative(path.dirname(destination), stagedPath(target)).replace(/\.tsx?$/, "");
        if (!rewritten.startsWith(".")) rewritten = `./${rewritten}`;
        source = source.replaceAll(`"${specifier}"`, `"${rewritten}"`).replaceAll(`'${specifier}'`, `'${rewritten}'`);
      }
      write(destination, source);
    } else {
      write(destination, readFileSync(file));
    }
  }
  for (const file of inputs.outside) {
    const note = `// @ts-nocheck -- copied from ${path.relative(ROOT, file)} by dev/medusa.ts for medusa build; type-checked there\n`;
    write(stagedPath(file), note + readFileSync(file, "utf8"));
  }
}

/**
 * Makes the Medusa database ready: dependencies, database, migrations, seed.
 * Idempotent; a second call reuses the database (migrations are skipped when nothing that
 * shapes the schema changed, the seed always runs and changes nothing).
 *
 * Production profile: first `medusa build` when its inputs changed, then migrations and seed
 * run from the build with NODE_ENV=production and REDIS_URL (Redis must be up: the Redis
 * modules connect when Medusa loads), as a merchant's predeploy step runs them.
 */
export async function prepareMedusa(options: {
  databaseUrl: string;
  log?: Log;
  profile?: MedusaProfile;
  /** Required by the production profile: the Redis its modules use. */
  redisUrl?: string;
}): Promise<{ publishableKey: string; regionId: string }> {
  const log = options.log ?? defaultLog;
  const context = runContext(options.profile ?? "development", options.redisUrl);
  return withPrepareLock(log, async () => {
    await installMedusaDeps(log);
    if (context.profile === "production") await buildIfNeeded(log);
    const dbUrl = medusaDatabaseUrl(options.databaseUrl);
    await createDatabaseIfMissing(dbUrl, log);
    await migrateIfNeeded(dbUrl, log, context);
    return seed(options.databaseUrl, log, context);
  });
}

/** How Medusa's CLI runs for a profile: from the sources (ts-node) or from the build. */
type RunContext = { profile: MedusaProfile; cwd: string; redisUrl: string | undefined; seedScript: string };

function runContext(profile: MedusaProfile, redisUrl: string | undefined): RunContext {
  if (profile === "development") return { profile, cwd: MEDUSA_DIR, redisUrl: undefined, seedScript: "./src/scripts/seed.ts" };
  if (!redisUrl) throw new Error("the production profile of Medusa needs a redisUrl (start one with startRedis() from dev/redis.ts)");
  return { profile, cwd: BUILD_DIR, redisUrl, seedScript: "./src/scripts/seed.js" };
}

// `db:migrate` on an up-to-date database still takes about 7 s (it boots every module and
// syncs links). The schema depends only on the installed Medusa (lock file), the configured
// modules (medusa-config.ts) and our own modules/links/migration scripts, so a fingerprint
// of those, stored in the database after a successful run, tells when it can be skipped.
// resetMedusa() drops it with the database.
async function migrateIfNeeded(dbUrl: string, log: Log, context: RunContext): Promise<void> {
  const sourceFingerprint = hashFiles([
    path.join(MEDUSA_DIR, "package-lock.json"),
    path.join(MEDUSA_DIR, "medusa-config.ts"),
    ...listFiles(path.join(MEDUSA_DIR, "src/modules")),
    ...listFiles(path.join(MEDUSA_DIR, "src/links")),
    ...listFiles(path.join(MEDUSA_DIR, "src/migration-scripts")),
  ]);
  // The production profile loads more modules (the Redis workflow engine has tables of its
  // own): a database migrated by one profile is migrated again by the other.
  const schemaFingerprint =
    context.profile === "development" ? sourceFingerprint : createHash("sha256").update(`${sourceFingerprint}:production`).digest("hex");
  const where = context.profile === "production" ? " from the build" : "";
  if ((await readState(dbUrl, "migrated")) === schemaFingerprint) {
    log(`database already migrated for this Medusa install (${context.profile}); skipping db:migrate`);
  } else {
    log(`running medusa db:migrate${where}`);
    const started = Date.now();
    await run(process.execPath, [CLI, "db:migrate"], {
      env: medusaEnv(dbUrl, null, undefined, context),
      label: "medusa db:migrate",
      cwd: context.cwd,
    });
    await writeState(dbUrl, "migrated", schemaFingerprint);
    log(`migrated${where} in ${seconds(started)}`);
  }
}

/** Runs the idempotent seed and returns what it printed. */
export async function seedMedusa(options: {
  databaseUrl: string;
  log?: Log;
  profile?: MedusaProfile;
  redisUrl?: string;
}): Promise<{ publishableKey: string; regionId: string }> {
  return seed(options.databaseUrl, options.log ?? defaultLog, runContext(options.profile ?? "development", options.redisUrl));
}

async function seed(databaseUrl: string, log: Log, context: RunContext): Promise<{ publishableKey: string; regionId: string }> {
  const started = Date.now();
  const output = await run(process.execPath, [CLI, "exec", context.seedScript], {
    env: medusaEnv(medusaDatabaseUrl(databaseUrl), null, undefined, context),
    label: "medusa exec seed",
    cwd: context.cwd,
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
 * Development profile (default): starts `medusa start` (no build, no file watching;
 * TypeScript is compiled on load by ts-node + swc) and resolves once GET /health answers 200.
 *
 * Production profile: starts a server process on `port` and a worker process on
 * `workerPort` from the build (prepareMedusa({ profile: "production" }) builds it), with
 * NODE_ENV=production and REDIS_URL, and resolves once both answer GET /health with 200.
 */
export async function startMedusa(options: {
  databaseUrl: string;
  port?: number;
  stripe: StripeTarget | null;
  /** Order mail over SMTP; without it Medusa sends none. */
  mail?: MailTarget;
  /** Serve the admin dashboard at /app (Vite in development mode: built on first load). Development profile only. */
  admin?: boolean;
  log?: Log;
  /**
   * Every output line of Medusa (it also goes to the log file). In the production profile
   * each line starts with "server: " or "worker: ".
   */
  onOutput?: (line: string) => void;
  timeoutMs?: number;
  profile?: MedusaProfile;
  /** Production profile: the Redis for its event bus, workflow engine, locking and caching. */
  redisUrl?: string;
  /** Production profile: the worker's port (it serves only /health). Default: port + 2. */
  workerPort?: number;
  /**
   * Production profile: how many server processes (default 1: the server itself listens on
   * `port`). With more, server i listens on workerPort + 1 + i (127.0.0.1 and ::), a
   * round-robin balancer (dev/medusa-balancer.ts) listens on `port`, and a server process
   * that dies is restarted (the balancer sends it nothing until its /health answers again).
   */
  servers?: number;
  /**
   * Development profile: where its output goes (default .medusa/server.log, which every
   * development start truncates). The production profile writes
   * .medusa/production-<port>-server.log and -worker.log.
   */
  logFile?: string;
}): Promise<RunningMedusa> {
  const log = options.log ?? defaultLog;
  const profile = options.profile ?? "development";
  const port = options.port ?? Number(process.env.MEDUSA_PORT || DEFAULT_PORT);
  if (!existsSync(CLI)) throw new Error("dev/medusa dependencies are not installed: call prepareMedusa() first");
  if (profile === "production") return startProductionMedusa({ ...options, port, log });
  if (await portInUse(port, null)) {
    throw new Error(`port ${port} is in use: set MEDUSA_PORT to a free port (or stop what listens there)`);
  }

  const logFile = options.logFile ?? SERVER_LOG;
  mkdirSync(path.dirname(logFile), { recursive: true });
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
      logFile,
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
  log(`Medusa is up at ${url} (pid ${pid}, ${seconds(started)}; log: ${path.relative(ROOT, logFile)})`);
  return { url, pid, profile, processes: [{ role: "shared", pid, url, logFile }], stop };
}

/**
 * The production profile's processes: `medusa start` from the build, once as the server
 * (MEDUSA_WORKER_MODE=server: the HTTP API, no subscribers run, no scheduled jobs) and once
 * as the worker (MEDUSA_WORKER_MODE=worker: event subscribers, scheduled jobs and workflow
 * retries from the Redis queues; its HTTP port serves only /health). Not `--cluster`: see
 * docs/decisions/0010-production-medusa-profile.md.
 */
async function startProductionMedusa(options: Parameters<typeof startMedusa>[0] & { port: number; log: Log }): Promise<RunningMedusa> {
  const { port, log } = options;
  const workerPort = options.workerPort ?? port + 2;
  if (!options.redisUrl) throw new Error("the production profile of Medusa needs a redisUrl (start one with startRedis() from dev/redis.ts)");
  if (options.admin) throw new Error("the production profile serves no admin dashboard (its build skips the admin): leave `admin` off");
  if (!existsSync(path.join(BUILD_DIR, "medusa-config.js"))) {
    throw new Error(`no Medusa build in ${path.relative(ROOT, BUILD_DIR)}: call prepareMedusa({ profile: "production" }) first`);
  }
  for (const [what, value] of [["MEDUSA_PORT", port], ["MEDUSA_WORKER_PORT", workerPort]] as const) {
    if (await portInUse(value, null)) throw new Error(`port ${value} is in use: set ${what} to a free port (or stop what listens there)`);
  }

  const started = Date.now();
  const context = runContext("production", options.redisUrl);
  const env = {
    ...medusaEnv(medusaDatabaseUrl(options.databaseUrl), options.stripe, undefined, context),
    ...mailEnv(options.mail),
    MEDUSA_ADMIN: undefined,
  };
  const servers = options.servers ?? 1;
  if (!Number.isInteger(servers) || servers < 1) throw new Error(`servers must be a positive integer (got ${servers})`);
  const balanced = servers > 1;
  const serverPorts = balanced ? Array.from({ length: servers }, (_, index) => workerPort + 1 + index) : [port];
  if (balanced) {
    for (const [index, value] of serverPorts.entries()) {
      if (await portInUse(value, null)) throw new Error(`port ${value} (Medusa server ${index}, MEDUSA_WORKER_PORT + ${index + 1}) is in use: stop what listens there, or move MEDUSA_WORKER_PORT`);
    }
  }
  type Slot = { role: "server" | "worker"; index: number; port: number; managed: Managed; public: MedusaProcess; up: boolean; restarts: number };
  const slots: Slot[] = [];
  let stopping = false;
  let balancer: RunningBalancer | null = null;
  const timeoutMs = options.timeoutMs ?? Number(process.env.MEDUSA_START_TIMEOUT_MS || 90_000);
  const stop = async () => {
    stopping = true;
    await balancer?.close();
    // All at once: each shuts down gracefully on SIGTERM (a server drains its requests).
    await Promise.all(
      slots.map(async ({ managed }) => {
        await managed.stop();
        managed.child.stdin?.destroy();
      }),
    );
  };
  const spawnSlot = (slot: Pick<Slot, "role" | "index" | "port" | "restarts">) => {
    // Per port: two production stacks never write into each other's logs, and the
    // development profile's .medusa/server.log (shared by every development start) is left alone.
    const name = slot.role === "server" && balanced ? `server-${slot.index}` : slot.role;
    const logFile = path.join(MEDUSA_DIR, `.medusa/production-${port}-${name}${slot.restarts ? `.restart-${slot.restarts}` : ""}.log`);
    mkdirSync(path.dirname(logFile), { recursive: true });
    const managed = startProcess(`Medusa ${name}`, process.execPath, ["--require", WATCHDOG, CLI, "start", "--port", String(slot.port)], {
      cwd: BUILD_DIR,
      env: { ...env, PORT: String(slot.port), MEDUSA_WORKER_MODE: slot.role },
      stdio: ["pipe", "pipe", "pipe"],
      logFile,
      plainLog: true,
      onLine: options.onOutput && ((line) => options.onOutput!(`${name}: ${line}`)),
    });
    return { managed, logFile };
  };
  // With a balancer, a server process that dies is started again (as a process manager or the
  // platform would); the balancer skips it until it answers /health.
  const supervise = (slot: Slot) => {
    slot.managed.child.once("exit", (code, signal) => {
      slot.up = false;
      if (stopping || !balanced || slot.role !== "server") return;
      slot.restarts += 1;
      log(`Medusa server ${slot.index} (pid ${slot.public.pid}) exited (${signal ?? `code ${code}`}); restarting it (restart ${slot.restarts})`);
      const { managed, logFile } = spawnSlot(slot);
      slot.managed = managed;
      slot.public.pid = managed.child.pid!;
      slot.public.logFile = logFile;
      supervise(slot);
      waitForHttp(`http://127.0.0.1:${slot.port}/health`, timeoutMs, managed, (status) => status === 200).then(
        () => {
          if (slot.managed !== managed || stopping) return;
          slot.up = true;
          log(`Medusa server ${slot.index} is up again (pid ${managed.child.pid})`);
        },
        (error: Error) => log(`Medusa server ${slot.index} did not come back: ${error.message}`),
      );
    });
  };
  const layout: Array<{ role: "server" | "worker"; index: number; port: number }> = [
    ...serverPorts.map((serverPort, index) => ({ role: "server" as const, index, port: serverPort })),
    { role: "worker", index: 0, port: workerPort },
  ];
  for (const entry of layout) {
    const { managed, logFile } = spawnSlot({ ...entry, restarts: 0 });
    const slot: Slot = { ...entry, managed, restarts: 0, up: false, public: { role: entry.role, pid: managed.child.pid!, url: `http://localhost:${entry.port}`, logFile } };
    slots.push(slot);
    supervise(slot);
  }

  try {
    await Promise.all(
      slots.map(async (slot) => {
        await waitForHttp(`http://127.0.0.1:${slot.port}/health`, timeoutMs, slot.managed, (status) => status === 200);
        slot.up = true;
      }),
    );
    if (balanced) {
      balancer = await startMedusaBalancer({
        port,
        targets: slots
          .filter((slot) => slot.role === "server")
          .map((slot) => ({
            port: slot.port,
            up: () => slot.up,
            pid: () => slot.public.pid,
            restarts: () => slot.restarts,
            kill: () => {
              slot.up = false;
              try {
                // Its whole process group, as the kernel's OOM killer or a crash would end it.
                process.kill(-slot.managed.child.pid!, "SIGKILL");
              } catch {}
            },
          })),
        log: (line) => log(`balancer: ${line}`),
      });
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const serverSlots = slots.filter((slot) => slot.role === "server");
  const worker = slots.find((slot) => slot.role === "worker")!;
  const url = `http://localhost:${port}`;
  log(
    `Medusa (production) is up at ${url} in ${seconds(started)}: ` +
      (balanced
        ? `${servers} servers behind a round-robin balancer (pids ${serverSlots.map((slot) => `${slot.public.pid} on ${slot.port}`).join(", ")})`
        : `server pid ${serverSlots[0]!.public.pid}`) +
      `, worker pid ${worker.public.pid} (health on ${worker.public.url}); logs: ${slots.map((slot) => path.relative(ROOT, slot.public.logFile)).join(", ")}`,
  );
  return {
    url,
    pid: serverSlots[0]!.public.pid,
    profile: "production",
    // Live entries: a restarted server's pid and log file are updated in place.
    processes: slots.map((slot) => slot.public),
    stop,
  };
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
function medusaEnv(
  dbUrl: string,
  stripe: StripeTarget | null,
  port?: number,
  context: Pick<RunContext, "profile" | "redisUrl"> = { profile: "development", redisUrl: undefined },
): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {
    NODE_ENV: context.profile,
    // Set: medusa-config.ts registers the Redis modules. Never inherited from our environment.
    REDIS_URL: context.redisUrl,
    // Set per process by startMedusa; Medusa's CLI sets "server" for db:migrate and exec itself.
    MEDUSA_WORKER_MODE: undefined,
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

/** Runs a command in dev/medusa (or `cwd`) to its end; resolves with its output. `env`: changes to ours. */
function run(
  command: string,
  args: string[],
  options: { env: Record<string, string | undefined>; label: string; cwd?: string },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? MEDUSA_DIR,
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

async function main(command: string | undefined, flags: string[]): Promise<void> {
  const log = defaultLog;
  const allowedFlags = command === "build" ? ["--force"] : ["--production"];
  if (!["prepare", "start", "reset", "build"].includes(command ?? "") || flags.some((flag) => !allowedFlags.includes(flag))) {
    console.error("usage: node dev/medusa.ts prepare|start|reset [--production]  |  node dev/medusa.ts build [--force]");
    process.exit(2);
  }
  if (command === "build") {
    const { built, ms } = await buildMedusa({ log, force: flags.includes("--force") });
    console.log(JSON.stringify({ built, seconds: Number((ms / 1000).toFixed(1)), output: path.relative(ROOT, BUILD_DIR) }));
    return;
  }
  const profile: MedusaProfile = flags.includes("--production") ? "production" : "development";
  // The production profile has its own database (its schema has the Redis modules' tables).
  if (profile === "production") process.env.MEDUSA_DB_NAME ??= `${DEFAULT_DB_NAME}_prod`;
  const { databaseUrl } = await ensurePostgres();
  const redis = profile === "production" ? await startRedis({ port: Number(process.env.REDIS_PORT || 6390), log: (line) => log(`redis: ${line}`) }) : null;
  const stopRedis = async () => {
    await redis?.stop();
  };
  try {
    if (command === "reset") await resetMedusa({ databaseUrl, log });
    const seeded = await prepareMedusa({ databaseUrl, log, profile, redisUrl: redis?.url });
    console.log(JSON.stringify({ publishable_key: seeded.publishableKey, region_id: seeded.regionId }));
    if (command !== "start") return await stopRedis();

    const stripe = process.env.STRIPE_API_HOST
      ? { host: process.env.STRIPE_API_HOST, port: Number(process.env.STRIPE_API_PORT || 12111) }
      : null;
    const port = Number(process.env.MEDUSA_PORT || DEFAULT_PORT);
    const medusa = await startMedusa({
      databaseUrl,
      stripe,
      log,
      onOutput: (line) => console.error(line),
      profile,
      port,
      redisUrl: redis?.url,
      workerPort: Number(process.env.MEDUSA_WORKER_PORT || port + 2),
    });
    console.log(`MEDUSA_URL=${medusa.url}`);
    console.log(`MEDUSA_PUBLISHABLE_KEY=${seeded.publishableKey}`);
    if (redis) console.log(`REDIS_URL=${redis.url}`);
    const shutdown = () => {
      medusa
        .stop()
        .then(stopRedis)
        .then(() => process.exit(0));
    };
    process.once("SIGINT", shutdown);
    process.once("SIGTERM", shutdown);
  } catch (error) {
    await stopRedis();
    throw error;
  }
}

if (import.meta.main) {
  main(process.argv[2], process.argv.slice(3)).catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
