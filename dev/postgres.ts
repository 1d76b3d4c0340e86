// PostgreSQL for the local Medusa backend.
//
// `ensurePostgres()` returns a *server* URL. Rules:
// - env DATABASE_URL set: it is used as given (it may name a database or not) after a
//   connection check. See `medusaDatabaseUrl()` in ./medusa.ts for how the Medusa database
//   name is derived from it.
// - otherwise the machine's own PostgreSQL (Debian packages) is used: installed with apt
//   when its server binaries are missing, its cluster created/started with
//   pg_lsclusters/pg_createcluster/pg_ctlcluster, and a password role `medusa`/`medusa`
//   (SUPERUSER, so Medusa can create its database) is created over the local socket as the
//   `postgres` OS user. The returned URL then has no database name:
//   postgres://medusa:medusa@127.0.0.1:<cluster port>
//
// Node built-ins only: this file runs before dev/medusa's dependencies are installed, so
// SQL goes through the `psql` client that ships with the server packages.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import net from "node:net";
import { aptInstall, type Log } from "./processes.ts";


const ROLE = "medusa";
const PASSWORD = "medusa";

const defaultLog: Log = (message) => console.error(`[postgres] ${message}`);

export async function ensurePostgres(
  log: Log = defaultLog,
): Promise<{ databaseUrl: string }> {
  const fromEnv = process.env.DATABASE_URL;
  if (fromEnv) {
    await checkExternalUrl(fromEnv);
    log(`using DATABASE_URL (${redact(fromEnv)})`);
    return { databaseUrl: fromEnv };
  }

  // Fast path: the role already works over TCP on a running cluster.
  const running = onlineClusters();
  for (const cluster of running) {
    const url = localUrl(cluster.port);
    if (canConnect(url)) {
      log(`PostgreSQL ${cluster.version}/${cluster.name} is up on port ${cluster.port}`);
      return { databaseUrl: url };
    }
  }

  if (serverBinaries().length === 0) installPostgres(log);

  let cluster = listClusters()[0];
  if (!cluster) {
    const version = serverBinaries().sort(byVersion).at(-1)!;
    log(`creating cluster ${version}/main`);
    runAsRoot("pg_createcluster", [version, "main"]);
    cluster = listClusters()[0];
    if (!cluster) throw new Error("pg_createcluster ran but pg_lsclusters lists no cluster");
  }
  if (cluster.status !== "online") {
    log(`starting cluster ${cluster.version}/${cluster.name} (port ${cluster.port})`);
    runAsRoot("pg_ctlcluster", [cluster.version, cluster.name, "start"]);
  }
  await waitForPort(cluster.port, 15_000);

  log(`ensuring role "${ROLE}" with password login`);
  const sql =
    `DO $$ BEGIN ` +
    `IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${ROLE}') THEN ` +
    `CREATE ROLE ${ROLE} LOGIN SUPERUSER CREATEDB PASSWORD '${PASSWORD}'; ` +
    `ELSE ALTER ROLE ${ROLE} LOGIN SUPERUSER CREATEDB PASSWORD '${PASSWORD}'; END IF; END $$;`;
  runAsPostgresUser(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-p", String(cluster.port), "-c", sql]);

  const url = localUrl(cluster.port);
  if (!canConnect(url)) {
    throw new Error(
      `PostgreSQL runs on port ${cluster.port} but "${ROLE}" cannot log in over TCP ` +
        `(check pg_hba.conf allows password auth for host 127.0.0.1): ${lastPsqlError}`,
    );
  }
  log(`PostgreSQL ${cluster.version}/${cluster.name} ready on port ${cluster.port}`);
  return { databaseUrl: url };
}

/** Runs SQL through psql against `url`; throws with psql's message on failure. */
export function psql(url: string, sql: string): string {
  const res = spawnSync("psql", ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql], {
    encoding: "utf8",
    env: { ...process.env, PGCONNECT_TIMEOUT: "5" },
  });
  if (res.error) throw new Error(`cannot run psql: ${res.error.message}`);
  if (res.status !== 0) throw new Error(`psql failed: ${(res.stderr || res.stdout).trim()}`);
  return res.stdout.trim();
}

export function hasPsql(): boolean {
  return spawnSync("psql", ["--version"], { encoding: "utf8" }).status === 0;
}

export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "<unparseable url>";
  }
}

// ---------------------------------------------------------------------------

type Cluster = { version: string; name: string; port: number; status: string };

function localUrl(port: number): string {
  return `postgres://${ROLE}:${PASSWORD}@127.0.0.1:${port}`;
}

let lastPsqlError = "";

function canConnect(url: string): boolean {
  if (!hasPsql()) return false;
  try {
    // psql without a database name would use the role name as database: ask for "postgres".
    psql(withDatabase(url, "postgres"), "select 1");
    return true;
  } catch (error) {
    lastPsqlError = (error as Error).message;
    return false;
  }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  if (u.pathname === "" || u.pathname === "/") u.pathname = `/${database}`;
  return u.toString();
}

async function checkExternalUrl(url: string): Promise<void> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`DATABASE_URL is not a valid URL`);
  }
  if (!/^postgres(ql)?:$/.test(parsed.protocol)) {
    throw new Error(`DATABASE_URL must be a postgres:// URL, got ${parsed.protocol}`);
  }
  if (hasPsql()) {
    if (!canConnect(url)) {
      throw new Error(`cannot connect to DATABASE_URL (${redact(url)}): ${lastPsqlError}`);
    }
    return;
  }
  // No psql on this machine: at least make sure something listens there. prepareMedusa's
  // database step then gives the precise error.
  const port = Number(parsed.port || 5432);
  try {
    await waitForPort(port, 3_000, parsed.hostname);
  } catch {
    throw new Error(`cannot connect to DATABASE_URL (${redact(url)}): nothing listens on ${parsed.hostname}:${port}`);
  }
}

function serverBinaries(): string[] {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return [];
  return readdirSync(root).filter((v) => existsSync(`${root}/${v}/bin/postgres`));
}

function byVersion(a: string, b: string): number {
  return Number(a) - Number(b);
}

function listClusters(): Cluster[] {
  const res = spawnSync("pg_lsclusters", ["--no-header"], { encoding: "utf8" });
  if (res.status !== 0) return [];
  const clusters: Cluster[] = [];
  for (const line of res.stdout.split("\n")) {
    const [version, name, port, status] = line.trim().split(/\s+/);
    if (version && name && port && status) clusters.push({ version, name, port: Number(port), status });
  }
  // Online first, then the newest version.
  return clusters.sort(
    (a, b) => Number(b.status === "online") - Number(a.status === "online") || byVersion(b.version, a.version),
  );
}

function onlineClusters(): Cluster[] {
  return listClusters().filter((c) => c.status === "online");
}

function installPostgres(log: Log): void {
  aptInstall("postgresql", {
    hint:
      "PostgreSQL server is not installed. Install it with: " +
      "sudo apt-get update && sudo apt-get install -y postgresql " +
      "(or set DATABASE_URL to a PostgreSQL server you can reach).",
    log,
    took: "10-60 s",
    installed: () => serverBinaries().length > 0,
  });
}

function runAsRoot(command: string, args: string[]): void {
  const isRoot = process.getuid?.() === 0;
  const [cmd, argv] = isRoot ? [command, args] : ["sudo", ["-n", command, ...args]];
  const res = spawnSync(cmd, argv, { encoding: "utf8" });
  if (res.status !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} failed${isRoot ? "" : " (needs root or passwordless sudo)"}: ` +
        `${(res.stderr || res.stdout || res.error?.message || "").trim()}`,
    );
  }
}

function runAsPostgresUser(argv: string[]): void {
  const isRoot = process.getuid?.() === 0;
  const [cmd, args] = isRoot ? ["runuser", ["-u", "postgres", "--", ...argv]] : ["sudo", ["-n", "-u", "postgres", ...argv]];
  // cwd "/" so psql does not complain about an unreadable current directory.
  const res = spawnSync(cmd, args, { encoding: "utf8", cwd: "/" });
  if (res.status !== 0) {
    throw new Error(
      `${argv[0]} as OS user postgres failed${isRoot ? "" : " (needs root or passwordless sudo)"}: ` +
        `${(res.stderr || res.stdout || res.error?.message || "").trim()}`,
    );
  }
}

function waitForPort(port: number, timeoutMs: number, host = "127.0.0.1"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = net.connect({ port, host });
      socket.once("connect", () => {
        socket.destroy();
        resolve();
      });
      socket.once("error", () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`PostgreSQL did not accept connections on ${host}:${port}`));
        else setTimeout(attempt, 200);
      });
    };
    attempt();
  });
}

// CLI: `node dev/postgres.ts` prints the server URL.
if (import.meta.main) {
  ensurePostgres().then(
    ({ databaseUrl }) => console.log(databaseUrl),
    (error: Error) => {
      console.error(error.message);
      process.exit(1);
    },
  );
}
