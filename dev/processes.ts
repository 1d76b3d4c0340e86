// Child processes of the local stack: started in their own process group so that stopping
// one ends everything it spawned, and ended by PID only (never by name).
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
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

export function startProcess(
  name: string,
  command: string,
  args: string[],
  options: Omit<SpawnOptions, "env"> & { env?: Record<string, string>; onLine?: (line: string) => void; logFile?: string } = {},
): Managed {
  const child = spawn(command, args, {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    ...options,
    env: { ...process.env, PATH: projectPath(), ...options.env },
  });
  const output: string[] = [];
  // Everything the process says, for when it dies in the middle of a run.
  const logFile = options.logFile ? createWriteStream(options.logFile, { flags: "w" }) : null;
  child.once("exit", () => logFile?.end());
  const collect = (chunk: Buffer) => {
    logFile?.write(chunk);
    for (const line of chunk.toString().split("\n")) {
      if (!line.trim()) continue;
      output.push(line);
      if (output.length > 200) output.shift();
      options.onLine?.(line);
    }
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
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

export async function portInUse(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(true));
    server.once("listening", () => server.close(() => resolve(false)));
    server.listen(port, host);
  });
}

export async function assertPortFree(port: number, what: string, envVar: string): Promise<void> {
  if (await portInUse(port)) {
    throw new Error(`Port ${port} (${what}) is already in use. Stop whatever uses it, or choose another port: ${envVar}=<port>.`);
  }
}

/** Polls `url` until it answers (any status below 500) or `timeoutMs` passes. */
export async function waitForHttp(url: string, timeoutMs: number, managed?: Managed): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = "";
  while (Date.now() < deadline) {
    if (managed && managed.child.exitCode !== null) {
      throw new Error(`${managed.name} exited (code ${managed.child.exitCode}) before ${url} answered:\n${managed.output.slice(-25).join("\n")}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (response.status < 500) return;
      lastError = `HTTP ${response.status}`;
    } catch (error) {
      lastError = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const tail = managed ? `\n${managed.output.slice(-25).join("\n")}` : "";
  throw new Error(`${url} did not answer within ${timeoutMs} ms (${lastError})${tail}`);
}
