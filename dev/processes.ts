// Child processes of the local stack: started in their own process group so that stopping
// one ends everything it spawned, and ended by PID only (never by name).
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from "node:child_process";
import { createWriteStream } from "node:fs";
import net from "node:net";
import path from "node:path";

export type Log = (message: string) => void;

export const ROOT = path.resolve(import.meta.dirname, "..");
export const BIN = path.join(ROOT, "node_modules", ".bin");

/** PATH with the project's Node 22 (the `node` devDependency) first. */
export function projectPath(): string {
  return `${BIN}${path.delimiter}${process.env.PATH ?? ""}`;
}

export type Managed = { name: string; child: ChildProcess; output: string[]; stop(): Promise<void> };

/** Terminal colours out of a line (Medusa's development logger always colours its output). */
export function stripAnsi(text: string): string {
  return text.replace(/\x1b\[[0-9;]*m/g, "");
}

export type StartOptions = Omit<SpawnOptions, "env"> & {
  /** Added to this process's environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** Each line the process prints, without colours. */
  onLine?: (line: string) => void;
  /** Everything the process prints goes here too, for when it dies in the middle of a run. */
  logFile?: string;
  /** Write the log file as lines without colours (default: the output as printed). */
  plainLog?: boolean;
};

/** Our environment with PATH the project's (Node 22 first) and these changes (`undefined` removes). */
export function processEnv(changes: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: projectPath(), ...changes };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
  return env;
}

export function startProcess(name: string, command: string, args: string[], options: StartOptions = {}): Managed {
  const env = processEnv(options.env);
  const child = spawn(command, args, {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    ...options,
    env,
  });
  const output: string[] = [];
  const logFile = options.logFile ? createWriteStream(options.logFile, { flags: "w" }) : null;
  child.once("exit", () => logFile?.end());
  for (const stream of [child.stdout, child.stderr]) {
    let partial = "";
    stream?.on("data", (chunk: Buffer) => {
      if (!options.plainLog) logFile?.write(chunk);
      const parts = (partial + chunk.toString()).split("\n");
      partial = parts.pop() ?? "";
      for (const raw of parts) {
        const line = stripAnsi(raw);
        if (options.plainLog) logFile?.write(`${line}\n`);
        if (!line.trim()) continue;
        output.push(line);
        if (output.length > 200) output.shift();
        options.onLine?.(line);
      }
    });
  }
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    name,
    child,
    output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          if (child.pid) process.kill(-child.pid, "SIGKILL");
        } catch {}
      }, 8_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Whether `port` is taken on `host` (null: the dual-stack wildcard, where Medusa listens). */
export async function portInUse(port: number, host: string | null = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(true));
    server.once("listening", () => server.close(() => resolve(false)));
    if (host === null) server.listen(port);
    else server.listen(port, host);
  });
}

export async function assertPortFree(port: number, what: string, envVar: string): Promise<void> {
  if (await portInUse(port)) {
    throw new Error(`Port ${port} (${what}) is already in use. Stop whatever uses it, or choose another port: ${envVar}=<port>.`);
  }
}

/** Polls `url` until it answers with a status `ready` takes (default: any below 500) or `timeoutMs` passes. */
export async function waitForHttp(url: string, timeoutMs: number, managed?: Managed, ready = (status: number) => status < 500): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = "";
  while (Date.now() < deadline) {
    if (managed && (managed.child.exitCode !== null || managed.child.signalCode !== null)) {
      const how = managed.child.signalCode ?? `code ${managed.child.exitCode}`;
      throw new Error(`${managed.name} exited (${how}) before ${url} answered:\n${managed.output.slice(-25).join("\n")}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      await response.arrayBuffer();
      if (ready(response.status)) return;
      lastError = `HTTP ${response.status}`;
    } catch (error) {
      lastError = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const tail = managed ? `\n${managed.output.slice(-25).join("\n")}` : "";
  throw new Error(`${url} did not answer within ${timeoutMs} ms (${lastError})${tail}`);
}

/**
 * `apt-get install -y <package>` as root (noninteractive; after an `apt-get update` when the
 * first try fails), for what a fresh machine lacks. Not root, or still failing: throws `hint`
 * (how to install it by hand), with the end of apt-get's output. `installed` says whether the
 * package's program is there afterwards.
 */
export function aptInstall(pkg: string, options: { hint: string; log: Log; took: string; installed: () => boolean }): void {
  if (process.getuid?.() !== 0) throw new Error(options.hint);
  options.log(`${pkg} not found: apt-get install -y ${pkg} (about ${options.took})`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const install = () => spawnSync("apt-get", ["install", "-y", "-q", "--no-install-recommends", pkg], { encoding: "utf8", env });
  let res = install();
  if (res.status !== 0) {
    options.log("apt-get install failed; running apt-get update and retrying");
    spawnSync("apt-get", ["update", "-q"], { encoding: "utf8", env });
    res = install();
  }
  if (res.status !== 0 || !options.installed()) {
    const tail = `${res.stdout ?? ""}${res.stderr ?? ""}`.trim().split("\n").slice(-8).join("\n");
    throw new Error(`${options.hint}\napt-get output:\n${tail || res.error?.message}`);
  }
}
