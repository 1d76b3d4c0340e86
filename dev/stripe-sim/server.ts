// stripe-sim: a local stand-in for the parts of Stripe this storefront uses (PaymentIntents
// and what Medusa's Stripe provider calls, events and signed webhooks, Stripe.js), shared
// by local development and the test suite. See README.md.

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { handleAdminRequest } from "./admin.ts";
import { handleApiRequest, type ApiFaults } from "./api.ts";
import { recordEvent } from "./events.ts";
import { answerPreflight, sendJson } from "./http.ts";
import { IdempotencyStore } from "./idempotency.ts";
import { handleThreeDSecure } from "./three-d-secure.ts";
import { DEFAULT_API_VERSION, type Sim } from "./sim.ts";
import { serveStripeJs } from "./stripe-js.ts";
import { Store } from "./store.ts";
import { WebhookDispatcher, type EndpointConfig } from "./webhooks.ts";

export type StripeSimOptions = {
  port?: number; // 0 = any free port
  host?: string; // default 127.0.0.1: the admin API has no auth
  secretKey?: string;
  publishableKey?: string;
  webhookEndpoints?: EndpointConfig[];
  log?: (line: object) => void;
  retryBaseMs?: number; // first webhook retry after this, doubling each time (default 1000)
  maxAttempts?: number; // webhook attempts per delivery, first included (default 8)
  deliveryTimeoutMs?: number; // per webhook attempt (default 10 000)
  apiVersion?: string; // api_version of events (default: stripe-node 23.1.0's)
  clock?: () => number; // ms since epoch; lets tests move time (idempotency key expiry)
  stateFile?: string; // keep the account here across restarts (the dev stack); default: memory only
};

export type StripeSim = { url: string; port: number; close(): Promise<void> };

export async function startStripeSim(opts: StripeSimOptions = {}): Promise<StripeSim> {
  const log = opts.log ?? (() => {});
  const clock = opts.clock ?? Date.now;
  const initialEndpoints = opts.webhookEndpoints ?? [];
  const store = new Store();
  if (opts.stateFile) store.load(opts.stateFile);
  // Saved a moment after each change, and on close.
  let saveTimer: NodeJS.Timeout | null = null;
  const save = () => {
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = null;
    if (opts.stateFile) store.save(opts.stateFile);
  };
  const scheduleSave = () => {
    if (opts.stateFile && !saveTimer) saveTimer = setTimeout(save, 500);
  };
  const webhooks = new WebhookDispatcher({
    retryBaseMs: opts.retryBaseMs ?? 1000,
    maxAttempts: opts.maxAttempts ?? 8,
    timeoutMs: opts.deliveryTimeoutMs ?? 10_000,
    log,
  });
  webhooks.reset(initialEndpoints);
  const sim: Sim = {
    store,
    clock,
    apiVersion: opts.apiVersion ?? DEFAULT_API_VERSION,
    emit(type, object, request, previousAttributes) {
      const event = recordEvent(sim, type, object, request, previousAttributes);
      webhooks.enqueue(event);
      return event;
    },
  };
  const idempotency = new IdempotencyStore(clock);
  const faults: ApiFaults = { latencyMs: 0, failNext: null };
  const keys = {
    secretKey: opts.secretKey ?? "sk_test_simulator",
    publishableKey: opts.publishableKey ?? "pk_test_simulator",
  };

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://stripe-sim");
    const path = url.pathname;
    if (req.method === "OPTIONS") return answerPreflight(res);
    if (req.method !== "GET") res.once("finish", scheduleSave);
    if (path.startsWith("/v1/")) return handleApiRequest(req, res, url, { sim, keys, idempotency, faults, log });
    if (path.startsWith("/_sim/")) {
      return handleAdminRequest(req, res, url, { sim, webhooks, idempotency, faults, initialEndpoints });
    }
    if (req.method === "GET" && (path === "/js/stripe.js" || path === "/v3" || path === "/v3/")) return serveStripeJs(res);
    const threeDs = /^\/3ds\/([A-Za-z0-9]+)$/.exec(path);
    if (threeDs && (req.method === "GET" || req.method === "POST")) return handleThreeDSecure(req, res, threeDs[1] ?? "", sim);
    sendJson(res, 404, { error: { type: "invalid_request_error", message: `Unrecognized request URL (${req.method}: ${path}).` } });
  }

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      log({ level: "error", msg: "stripe-sim request failed", error: String((err as Error)?.stack ?? err) });
      if (!res.headersSent) sendJson(res, 500, { error: { type: "api_error", message: "stripe-sim internal error" } });
      else res.destroy();
    });
  });

  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

  return {
    url,
    port,
    async close() {
      await webhooks.close();
      save();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
