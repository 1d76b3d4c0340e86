// An HTTP proxy between the storefront and Medusa that tests and benchmarks control:
// it forwards everything, records every request (so tests can count Medusa writes and the
// benchmark can sum Medusa's time), and injects faults on matching requests. Faults can
// be scoped to one trace id (the storefront sends it as `x-request-id`), so tests running
// in parallel never disturb each other.
//
// Control API (JSON, loopback only):
//   POST   /__proxy/faults    {kind, method?, path?, traceId?, nth?, times?, delayMs?} -> {id}
//   (dev/fault-proxy-client.ts is the client tests and the benchmark use)
//   DELETE /__proxy/faults    remove all faults
//   GET    /__proxy/requests?trace_id=...   recorded requests
//   POST   /__proxy/reset     forget faults and records
import http from "node:http";
import type { AddressInfo } from "node:net";

export type FaultKind =
  /** Answer 500 with Medusa's error shape. */
  | "error_500"
  /** Never answer (the storefront's timeout must fire). */
  | "hang"
  /** Destroy the connection without an answer. */
  | "reset"
  /** Answer 200 with a body that is not JSON. */
  | "malformed"
  /** Refuse like a stopped Medusa: close every matching connection at once. */
  | "down"
  /** Hold the request for `delayMs`, then forward it: a slow hop, or a window for a test to act in. */
  | "delay";

export type Fault = {
  id: number;
  kind: FaultKind;
  method?: string;
  /** Regular expression tested against the path (without query). */
  path?: string;
  traceId?: string;
  /** Fail only the nth matching request (1-based); default: every match. */
  nth?: number;
  /** Stop after this many injections; default unlimited (or 1 with nth). */
  times?: number;
  /** For `delay`: how long to hold the request before forwarding it (default 1000 ms). */
  delayMs?: number;
  seen: number;
  injected: number;
};

/** What a test or the benchmark asks for: a fault without the proxy's counters. */
export type FaultOptions = Omit<Fault, "id" | "seen" | "injected">;

export type RecordedRequest = {
  method: string;
  path: string;
  traceId: string | null;
  status: number | null;
  fault: FaultKind | null;
  startedAt: number;
  durationMs: number;
};

export async function startFaultProxy(options: { target: string; port?: number; host?: string }) {
  const target = new URL(options.target);
  let faults: Fault[] = [];
  let records: RecordedRequest[] = [];
  let nextId = 1;
  const hanging = new Set<http.ServerResponse>();

  const matches = (fault: Fault, req: http.IncomingMessage, path: string) =>
    (!fault.method || fault.method.toUpperCase() === req.method) &&
    (!fault.path || new RegExp(fault.path).test(path)) &&
    (!fault.traceId || fault.traceId === req.headers["x-request-id"]);

  function pickFault(req: http.IncomingMessage, path: string): Fault | null {
    for (const fault of faults) {
      if (!matches(fault, req, path)) continue;
      fault.seen += 1;
      const limit = fault.times ?? (fault.nth ? 1 : Infinity);
      if (fault.injected >= limit) continue;
      if (fault.nth && fault.seen !== fault.nth) continue;
      fault.injected += 1;
      return fault;
    }
    return null;
  }

  async function control(req: http.IncomingMessage, res: http.ServerResponse, url: URL) {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === "/__proxy/faults" && req.method === "POST") {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = JSON.parse(Buffer.concat(chunks).toString() || "{}") as FaultOptions;
      const fault: Fault = { ...body, id: nextId++, seen: 0, injected: 0 };
      faults.push(fault);
      return send(200, { id: fault.id });
    }
    if (url.pathname === "/__proxy/faults" && req.method === "DELETE") {
      faults = [];
      return send(200, { ok: true });
    }
    if (url.pathname === "/__proxy/faults" && req.method === "GET") return send(200, { faults });
    if (url.pathname === "/__proxy/requests") {
      const traceId = url.searchParams.get("trace_id");
      return send(200, { requests: traceId ? records.filter((r) => r.traceId === traceId) : records });
    }
    if (url.pathname === "/__proxy/reset" && req.method === "POST") {
      faults = [];
      records = [];
      return send(200, { ok: true });
    }
    return send(404, { error: "unknown proxy control route" });
  }

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://proxy");
    if (url.pathname.startsWith("/__proxy/")) return control(req, res, url);

    const traceHeader = req.headers["x-request-id"];
    const record: RecordedRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      traceId: typeof traceHeader === "string" ? traceHeader : null,
      status: null,
      fault: null,
      startedAt: Date.now(),
      durationMs: 0,
    };
    records.push(record);
    const fault = pickFault(req, url.pathname);
    let heldBody: Buffer | null = null;
    if (fault?.kind === "delay") {
      record.fault = fault.kind;
      // Read the whole request first: once held, it reaches Medusa even if the storefront
      // gave up meanwhile, as a request Medusa is slow to process would.
      const chunks: Buffer[] = [];
      try {
        for await (const chunk of req) chunks.push(chunk as Buffer);
      } catch {
        return; // the storefront went away before it had sent the request
      }
      heldBody = Buffer.concat(chunks);
      await new Promise((resolve) => setTimeout(resolve, fault.delayMs ?? 1000));
    } else if (fault) {
      record.fault = fault.kind;
      if (fault.kind === "reset" || fault.kind === "down") {
        req.socket.destroy();
        return;
      }
      if (fault.kind === "hang") {
        hanging.add(res);
        res.on("close", () => hanging.delete(res));
        return;
      }
      if (fault.kind === "error_500") {
        record.status = 500;
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ type: "unknown_error", message: "An unknown error occurred." }));
        return;
      }
      record.status = 200;
      res.writeHead(200, { "content-type": "application/json" });
      res.end("<html>upstream proxy error</html>");
      return;
    }

    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
      },
      (upstreamRes) => {
        record.status = upstreamRes.statusCode ?? 502;
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
        upstreamRes.on("end", () => (record.durationMs = Date.now() - record.startedAt));
      },
    );
    upstream.on("error", () => {
      record.status = 502;
      record.durationMs = Date.now() - record.startedAt;
      req.socket.destroy();
    });
    if (heldBody) upstream.end(heldBody);
    else req.pipe(upstream);
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
