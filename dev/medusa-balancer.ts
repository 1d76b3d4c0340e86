// A round-robin HTTP balancer in front of the production profile's Medusa server processes
// (dev/medusa.ts, `servers` > 1), on the stack's MEDUSA_PORT: what a merchant's load balancer
// does in front of several Medusa servers. Plain node:http; request and response bodies are
// streamed, headers passed through. Every response carries `x-medusa-server: <index>` (which
// server process answered), and the balancer counts and records requests per server so tests
// can see that Medusa's requests landed on more than one process. A server marked down (its
// process died and is being restarted) gets no requests until it is up again.
//
// Control API (JSON, loopback only):
//   GET  /_balancer/stats                  {servers: [{index, port, up, requests}], kills, requests_total}
//   GET  /_balancer/requests?path=<regex>  recorded requests [{method, path, server, status}]
//   POST /_balancer/kill-next-complete     {after_ms?, cart_id?} arms a kill: the server process that receives
//                                          the next `POST /store/carts/:id/complete` (of that cart, if given) is
//                                          SIGKILLed `after_ms` (default 0) after the request has been forwarded
//                                          to it in full -> {armed: true}
//   POST /_balancer/reset                  forget records and counters, disarm
import http from "node:http";
import type { AddressInfo } from "node:net";

export type BalancerTarget = {
  /** The server process's own port on 127.0.0.1. */
  port: number;
  /** Whether it takes requests (false while its process is being restarted). */
  up(): boolean;
  /** SIGKILL the server process (the process manager restarts it). */
  kill(): void;
  /** Its current process id and how often it was restarted, for the stats. */
  pid?(): number;
  restarts?(): number;
};

export type BalancedRequest = { method: string; path: string; server: number; status: number | null; at: number };

export type RunningBalancer = { url: string; port: number; close(): Promise<void> };

const COMPLETE = /^\/store\/carts\/[^/]+\/complete$/;

export async function startMedusaBalancer(options: { port: number; host?: string; targets: BalancerTarget[]; log?: (line: string) => void }): Promise<RunningBalancer> {
  const { targets } = options;
  const counts = targets.map(() => 0);
  let records: BalancedRequest[] = [];
  let next = 0;
  let killArmed: { afterMs: number; cartId: string | null } | null = null;
  const kills: Array<{ server: number; pid: number | null; path: string; at: number }> = [];

  function pick(): number | null {
    for (let tried = 0; tried < targets.length; tried += 1) {
      const index = next % targets.length;
      next += 1;
      if (targets[index]!.up()) return index;
    }
    return null;
  }

  async function control(req: http.IncomingMessage, res: http.ServerResponse, url: URL) {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (url.pathname === "/_balancer/stats") {
      return send(200, {
        servers: targets.map((target, index) => ({ index, port: target.port, up: target.up(), requests: counts[index], pid: target.pid?.() ?? null, restarts: target.restarts?.() ?? 0 })),
        requests_total: counts.reduce((sum, count) => sum + count, 0),
        kills,
      });
    }
    if (url.pathname === "/_balancer/requests") {
      const pattern = url.searchParams.get("path");
      const regex = pattern ? new RegExp(pattern) : null;
      return send(200, { requests: regex ? records.filter((record) => regex.test(record.path)) : records });
    }
    if (url.pathname === "/_balancer/kill-next-complete" && req.method === "POST") {
      const body = JSON.parse(Buffer.concat(chunks).toString() || "{}") as { after_ms?: number; cart_id?: string };
      killArmed = { afterMs: body.after_ms ?? 0, cartId: body.cart_id ?? null };
      return send(200, { armed: true });
    }
    if (url.pathname === "/_balancer/reset" && req.method === "POST") {
      records = [];
      counts.fill(0);
      killArmed = null;
      return send(200, { ok: true });
    }
    return send(404, { error: "unknown balancer control route" });
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://balancer");
    if (url.pathname.startsWith("/_balancer/")) {
      control(req, res, url).catch((error: Error) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: error.message }));
      });
      return;
    }
    const index = pick();
    if (index === null) {
      res.writeHead(503, { "content-type": "application/json", "retry-after": "1" });
      res.end(JSON.stringify({ type: "unexpected_state", message: "no Medusa server is up" }));
      return;
    }
    counts[index]! += 1;
    const record: BalancedRequest = { method: req.method ?? "GET", path: url.pathname, server: index, status: null, at: Date.now() };
    records.push(record);
    if (records.length > 20_000) records.shift();
    const target = targets[index]!;
    const upstream = http.request(
      { host: "127.0.0.1", port: target.port, method: req.method, path: req.url, headers: req.headers },
      (upstreamRes) => {
        record.status = upstreamRes.statusCode ?? 502;
        res.writeHead(upstreamRes.statusCode ?? 502, { ...upstreamRes.headers, "x-medusa-server": String(index) });
        upstreamRes.pipe(res);
        upstreamRes.on("error", () => res.destroy());
      },
    );
    upstream.on("error", () => {
      // The server died (or refused) mid-request: the client sees a 502 if nothing was sent yet.
      record.status = 502;
      if (!res.headersSent) {
        res.writeHead(502, { "content-type": "application/json", "x-medusa-server": String(index) });
        res.end(JSON.stringify({ type: "unexpected_state", message: "the Medusa server went away" }));
      } else res.destroy();
    });
    req.on("error", () => upstream.destroy());
    if (killArmed && req.method === "POST" && COMPLETE.test(url.pathname) && (!killArmed.cartId || url.pathname === `/store/carts/${killArmed.cartId}/complete`)) {
      const { afterMs } = killArmed;
      killArmed = null;
      upstream.on("finish", () => {
        setTimeout(() => {
          kills.push({ server: index, pid: target.pid?.() ?? null, path: url.pathname, at: Date.now() });
          options.log?.(`SIGKILL to Medusa server ${index} (port ${target.port}) during ${url.pathname}`);
          target.kill();
        }, afterMs);
      });
    }
    req.pipe(upstream);
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    // Like Medusa itself: the dual-stack wildcard unless told otherwise (its URL says localhost).
    if (options.host) server.listen(options.port, options.host, () => resolve());
    else server.listen(options.port, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}`,
    port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
