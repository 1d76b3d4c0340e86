// Redis for the production profile of the local Medusa (dev/medusa.ts, profile
// "production"): Debian's `redis-server`, one per stack on its own loopback port, without
// persistence (`--save '' --appendonly no`: every start is empty), stopped with the stack by
// PID. Medusa's Redis event bus, workflow engine, locking and caching modules use it
// (dev/medusa/medusa-config.ts, when REDIS_URL is set).
//
//   npm exec -- node dev/redis.ts            # install redis-server if missing; prints its version
//   npm exec -- node dev/redis.ts start 6394 # run one on that port until Ctrl-C
//
// Node built-ins only (Node 22 type stripping).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import net from "node:net";
import { aptInstall, assertPortFree, startProcess, type Log, type Managed } from "./processes.ts";

export type RunningRedis = {
  /** redis://127.0.0.1:<port> */
  url: string;
  port: number;
  /** The running redis-server's process id (a restarted one's, with `restart`). */
  readonly pid: number;
  /** How often it was started again after exiting on its own (`restart`). */
  readonly restarts: number;
  stop(): Promise<void>;
};

const defaultLog: Log = (message) => console.error(`[redis] ${message}`);
const CANDIDATES = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"];

/** The redis-server binary, installed with apt when missing (root only); with its version. */
export function ensureRedisServer(log: Log = defaultLog): { binary: string; version: string; installedMs: number | null } {
  let binary = findRedisServer();
  let installedMs: number | null = null;
  if (!binary) {
    const started = Date.now();
    // policy-rc.d or not, the stack never uses the system service Debian may start on 6379.
    aptInstall("redis-server", {
      hint:
        "redis-server is not installed (the production profile of the local Medusa needs it). " +
        "Install it with: sudo apt-get update && sudo apt-get install -y redis-server",
      log,
      took: "5-20 s",
      installed: () => findRedisServer() !== null,
    });
    binary = findRedisServer()!;
    installedMs = Date.now() - started;
    log(`redis-server installed in ${(installedMs / 1000).toFixed(1)} s`);
  }
  const res = spawnSync(binary, ["--version"], { encoding: "utf8" });
  const version = /v=(\S+)/.exec(res.stdout ?? "")?.[1] ?? "unknown";
  return { binary, version, installedMs };
}

function findRedisServer(): string | null {
  for (const candidate of CANDIDATES) if (existsSync(candidate)) return candidate;
  const which = spawnSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" });
  const found = which.stdout?.trim();
  return which.status === 0 && found ? found : null;
}

/**
 * Starts an empty redis-server on 127.0.0.1:`port` (no RDB snapshots, no AOF) and resolves
 * once it answers PING. `envVar` names the variable that moves the port, for the message when
 * it is taken. With `restart`, a redis-server that exits on its own (crash, `SHUTDOWN`) is
 * started again on the same port after `delayMs`, empty, as a process manager would
 * (Debian's redis-server.service has `Restart=always`); stop() ends that.
 */
export async function startRedis(options: { port: number; envVar?: string; logFile?: string; log?: Log; restart?: { delayMs: number } }): Promise<RunningRedis> {
  const log = options.log ?? defaultLog;
  const { binary } = ensureRedisServer(log);
  await assertPortFree(options.port, "Redis", options.envVar ?? "REDIS_PORT");
  // setpriv --pdeathsig: redis-server gets SIGTERM when the process that started it dies
  // without calling stop() (it runs in its own process group, out of reach of Ctrl-C).
  const setpriv = existsSync("/usr/bin/setpriv");
  const args = [
    "--port", String(options.port),
    "--bind", "127.0.0.1",
    "--protected-mode", "yes",
    "--save", "",
    "--appendonly", "no",
    "--daemonize", "no",
    // The working directory for a dump Redis would write on SHUTDOWN SAVE: none is written.
    "--dir", "/tmp",
    "--logfile", "",
    "--loglevel", "notice",
  ];
  let restarts = 0;
  let stopping = false;
  let pendingRestart: NodeJS.Timeout | null = null;
  /** The redis-server running now (launch() sets it). */
  let current!: Managed;
  const exited = (redis: Managed) => () => redis.child.exitCode !== null || redis.child.signalCode !== null;
  // Starts one redis-server; with `restart`, whenever it exits on its own (also before it
  // answered, as in a crash loop) another is started after the delay.
  const launch = (): Managed => {
    const logFile = options.logFile && restarts > 0 ? options.logFile.replace(/(\.log)?$/, `.restart-${restarts}.log`) : options.logFile;
    const redis = setpriv
      ? startProcess("redis-server", "/usr/bin/setpriv", ["--pdeathsig", "TERM", "--", binary, ...args], { logFile })
      : startProcess("redis-server", binary, args, { logFile });
    current = redis;
    const restart = options.restart;
    if (restart) {
      redis.child.once("exit", (code, signal) => {
        if (stopping || current !== redis) return;
        log(`redis-server (pid ${redis.child.pid}) exited (${signal ?? `code ${code}`}); starting it again in ${restart.delayMs} ms`);
        pendingRestart = setTimeout(() => {
          pendingRestart = null;
          if (stopping) return;
          restarts += 1;
          const next = launch();
          waitForPing(options.port, 10_000, exited(next)).then(
            () => log(`redis-server is up again on port ${options.port} (pid ${next.child.pid}, empty)`),
            (error: Error) => log(`redis-server did not answer after its restart: ${error.message}`),
          );
        }, restart.delayMs);
      });
    }
    return redis;
  };
  launch();
  try {
    await waitForPing(options.port, 10_000, exited(current));
  } catch (error) {
    stopping = true;
    await current.stop();
    throw new Error(`${(error as Error).message}\n${current.output.slice(-15).join("\n")}`);
  }
  return {
    url: `redis://127.0.0.1:${options.port}`,
    port: options.port,
    get pid() {
      return current.child.pid!;
    },
    get restarts() {
      return restarts;
    },
    async stop() {
      stopping = true;
      if (pendingRestart) clearTimeout(pendingRestart);
      await current.stop();
    },
  };
}

/**
 * Sends one command in RESP to a Redis on loopback and resolves with the raw reply
 * (a small client for checks; not for anything that streams).
 */
export function redisCommand(port: number, args: string[], timeoutMs = 3_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: "127.0.0.1" });
    let reply = "";
    const timer = setTimeout(() => {
      socket.destroy();
      if (reply) resolve(reply);
      else reject(new Error(`Redis on port ${port} did not answer ${args[0]} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once("connect", () => {
      socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`);
    });
    socket.on("data", (chunk: Buffer) => {
      reply += chunk.toString();
      if (isCompleteReply(reply)) {
        clearTimeout(timer);
        socket.end();
        resolve(reply);
      }
    });
    // SHUTDOWN answers nothing: the server closes the connection.
    socket.once("close", () => {
      clearTimeout(timer);
      resolve(reply);
    });
    socket.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Whether `text` holds one whole RESP reply (simple, error, integer, bulk or flat array). */
function isCompleteReply(text: string): boolean {
  const type = text[0];
  const firstEnd = text.indexOf("\r\n");
  if (firstEnd < 0) return false;
  if (type === "+" || type === "-" || type === ":") return true;
  if (type === "$") {
    const length = Number(text.slice(1, firstEnd));
    return length < 0 || Buffer.byteLength(text) >= firstEnd + 2 + length + 2;
  }
  if (type === "*") {
    let count = Number(text.slice(1, firstEnd));
    let rest = text.slice(firstEnd + 2);
    while (count-- > 0) {
      const end = rest.indexOf("\r\n");
      if (end < 0) return false;
      if (rest[0] !== "$") {
        rest = rest.slice(end + 2);
        continue;
      }
      const length = Number(rest.slice(1, end));
      const body = Buffer.from(rest.slice(end + 2));
      if (length >= 0 && body.byteLength < length + 2) return false;
      rest = length < 0 ? rest.slice(end + 2) : body.subarray(length + 2).toString();
    }
    return true;
  }
  return true;
}

/** The bulk-string items of an array reply (KEYS, …) or the text of a bulk reply (INFO, CLIENT LIST). */
export function parseRedisReply(reply: string): string[] {
  if (reply.startsWith("$")) {
    const end = reply.indexOf("\r\n");
    return [reply.slice(end + 2, reply.length - 2)];
  }
  if (reply.startsWith("*")) {
    return reply
      .split("\r\n")
      .slice(1)
      .filter((_, index) => index % 2 === 1);
  }
  return [reply.slice(1).trim()];
}

async function waitForPing(port: number, timeoutMs: number, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    if (exited()) throw new Error(`redis-server exited before answering on port ${port}`);
    try {
      const reply = await redisCommand(port, ["PING"], 1_000);
      if (reply.startsWith("+PONG")) return;
      last = reply.trim();
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`redis-server did not answer PING on 127.0.0.1:${port} within ${timeoutMs} ms (${last})`);
}

// ---------------------------------------------------------------------------
// CLI

if (import.meta.main) {
  const [command, portArg] = process.argv.slice(2);
  try {
    if (command === "start") {
      const redis = await startRedis({ port: Number(portArg || process.env.REDIS_PORT || 6390) });
      console.log(`REDIS_URL=${redis.url} (pid ${redis.pid}); Ctrl-C stops it`);
      const shutdown = () => void redis.stop().then(() => process.exit(0));
      process.once("SIGINT", shutdown);
      process.once("SIGTERM", shutdown);
    } else {
      const started = Date.now();
      const { binary, version, installedMs } = ensureRedisServer();
      console.log(`${binary} ${version}${installedMs === null ? "" : ` (installed in ${(installedMs / 1000).toFixed(1)} s)`}; checked in ${Date.now() - started} ms`);
    }
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
