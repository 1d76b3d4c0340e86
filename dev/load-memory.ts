// Memory figures for `npm run load`.
//
// The Worker's heap: wrangler dev serves the Worker isolate's V8 inspector (Chrome DevTools
// protocol) on `--inspector-port`; `Runtime.getHeapUsage` answers the isolate's JS heap
// (`usedSize`, `totalSize`) plus what V8 counts outside it (`backingStorageSize`: the
// ArrayBuffers' memory, e.g. request and response bodies). In workerd the Worker's Durable
// Objects run in the same isolate, so this is the isolate Cloudflare holds to 128 MB.
//
// The workerd processes' resident memory (/proc/<pid>/status), as a secondary figure: a
// whole process (V8, workerd, miniflare's own services, the local KV and SQLite), not
// what Cloudflare limits.
import { readdirSync, readFileSync } from "node:fs";
import { round } from "./stats.ts";

const MB = 1024 * 1024;

type HeapUsage = { usedSize: number; totalSize: number; backingStorageSize?: number; embedderHeapUsedSize?: number };
export type HeapSample = { at_ms: number; used_mb: number; total_mb: number; backing_store_mb: number | null };

export type HeapSummary = {
  interval_ms: number;
  samples: number;
  failed_samples: number;
  baseline: HeapSample | null;
  peak_used_mb: number | null;
  peak_total_mb: number | null;
  peak_used_plus_backing_store_mb: number | null;
  last: HeapSample | null;
};

/** Node's WebSocket (undici) takes headers as a non-standard init; wrangler's inspector proxy wants an Origin. */
const NodeWebSocket = WebSocket as unknown as new (url: string, init: { headers: Record<string, string> }) => WebSocket;

/** The DevTools WebSocket of the Worker behind `inspectorPort` (wrangler's inspector proxy). */
async function inspectorWebSocket(inspectorPort: number): Promise<WebSocket> {
  const response = await fetch(`http://127.0.0.1:${inspectorPort}/json`, { signal: AbortSignal.timeout(5_000) });
  const targets = (await response.json()) as { webSocketDebuggerUrl?: string; title?: string }[];
  const target = targets.find((candidate) => candidate.webSocketDebuggerUrl);
  if (!target?.webSocketDebuggerUrl) throw new Error(`no inspector target on port ${inspectorPort}: ${JSON.stringify(targets)}`);
  const socket = new NodeWebSocket(target.webSocketDebuggerUrl, { headers: { origin: "http://127.0.0.1" } });
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener("open", () => resolve(), { once: true });
    socket.addEventListener("error", () => reject(new Error(`could not connect to the inspector at ${target.webSocketDebuggerUrl}`)), { once: true });
  });
  return socket;
}

export type HeapSampler = {
  /** One sample now (e.g. the baseline before the load starts). */
  sample(): Promise<HeapSample | null>;
  stop(): Promise<HeapSummary>;
};

/** Samples the Worker isolate's heap every `intervalMs` until stopped. */
export async function startHeapSampler(inspectorPort: number, intervalMs: number): Promise<HeapSampler> {
  const socket = await inspectorWebSocket(inspectorPort);
  const started = performance.now();
  // Our ids stay small; wrangler's proxy uses ids from 100000000 for its own messages.
  let nextId = 1;
  const pending = new Map<number, (usage: HeapUsage | null) => void>();
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: HeapUsage };
    if (message.id === undefined) return;
    const resolve = pending.get(message.id);
    if (!resolve) return;
    pending.delete(message.id);
    resolve(typeof message.result?.usedSize === "number" ? message.result : null);
  });
  socket.addEventListener("close", () => {
    for (const resolve of pending.values()) resolve(null);
    pending.clear();
  });

  const samples: HeapSample[] = [];
  let failed = 0;
  const sample = async (): Promise<HeapSample | null> => {
    if (socket.readyState !== WebSocket.OPEN) {
      failed++;
      return null;
    }
    const id = nextId++;
    const usage = await new Promise<HeapUsage | null>((resolve) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        resolve(null);
      }, 5_000);
      pending.set(id, (value) => {
        clearTimeout(timer);
        resolve(value);
      });
      socket.send(JSON.stringify({ id, method: "Runtime.getHeapUsage" }));
    });
    if (!usage) {
      failed++;
      return null;
    }
    const point: HeapSample = {
      at_ms: Math.round(performance.now() - started),
      used_mb: usage.usedSize / MB,
      total_mb: usage.totalSize / MB,
      backing_store_mb: usage.backingStorageSize === undefined ? null : usage.backingStorageSize / MB,
    };
    samples.push(point);
    return point;
  };

  const baseline = await sample();
  let running = true;
  const loop = (async () => {
    while (running) {
      await sample();
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();

  return {
    sample,
    async stop() {
      running = false;
      await loop;
      socket.close();
      const peak = (pick: (s: HeapSample) => number) => (samples.length ? round(Math.max(...samples.map(pick))) : null);
      const roundSample = (s: HeapSample | null | undefined): HeapSample | null =>
        s ? { at_ms: s.at_ms, used_mb: round(s.used_mb), total_mb: round(s.total_mb), backing_store_mb: s.backing_store_mb === null ? null : round(s.backing_store_mb) } : null;
      return {
        interval_ms: intervalMs,
        samples: samples.length,
        failed_samples: failed,
        baseline: roundSample(baseline),
        peak_used_mb: peak((s) => s.used_mb),
        peak_total_mb: peak((s) => s.total_mb),
        peak_used_plus_backing_store_mb: samples.some((s) => s.backing_store_mb !== null) ? peak((s) => s.used_mb + (s.backing_store_mb ?? 0)) : null,
        last: roundSample(samples.at(-1)),
      };
    },
  };
}

export type ProcessMemory = {
  pid: number;
  /** "runtime": the workerd that runs the Worker; "proxy": wrangler's entry and inspector proxy. */
  role: "runtime" | "proxy";
  peak_rss_mb: number;
  /** The kernel's high-water mark (VmHWM) since the process started, startup included. */
  hwm_mb: number | null;
};

function statusKb(pid: number, field: "VmRSS" | "VmHWM"): number | null {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** The workerd processes among this process's descendants (the stack's wrangler dev runs them). */
export function workerdProcesses(): { pid: number; role: ProcessMemory["role"] }[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // pid (comm) state ppid ...: comm may hold spaces, so read after the last ")".
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {}
  }
  const isDescendant = (pid: number): boolean => {
    for (let current = parents.get(pid); current !== undefined && current > 1; current = parents.get(current)) {
      if (current === process.pid) return true;
    }
    return false;
  };
  const found: { pid: number; role: ProcessMemory["role"] }[] = [];
  for (const pid of parents.keys()) {
    if (!isDescendant(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/comm`, "utf8").trim() !== "workerd") continue;
      const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      found.push({ pid, role: args.some((arg) => arg.startsWith("--inspector-addr")) ? "runtime" : "proxy" });
    } catch {}
  }
  return found;
}

export type RssSampler = { stop(): ProcessMemory[] };

/** Samples the resident memory of the stack's workerd processes every `intervalMs`. */
export function startRssSampler(intervalMs: number): RssSampler {
  const processes = workerdProcesses();
  const peaks = new Map<number, number>();
  const sample = () => {
    for (const { pid } of processes) {
      const kb = statusKb(pid, "VmRSS");
      if (kb !== null) peaks.set(pid, Math.max(peaks.get(pid) ?? 0, kb));
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return processes.map(({ pid, role }) => {
        const hwm = statusKb(pid, "VmHWM");
        return { pid, role, peak_rss_mb: round((peaks.get(pid) ?? 0) / 1024), hwm_mb: hwm === null ? null : round(hwm / 1024) };
      });
    },
  };
}
