// Test-control API under /_sim/ (no auth: the simulator binds to loopback). Lets a test
// or a developer inspect everything and make webhook delivery misbehave the ways Stripe's
// does: late, out of order, repeated, concurrent, failing. Documented in README.md.

import type { IncomingMessage, ServerResponse } from "node:http";
import type { ApiFaults } from "./api.ts";
import { findEvent } from "./events.ts";
import { readBody, sendJson } from "./http.ts";
import type { IdempotencyStore } from "./idempotency.ts";
import { matchPath } from "./routes.ts";
import type { Sim } from "./sim.ts";
import { newWebhookSecret, type EndpointConfig, type WebhookDispatcher } from "./webhooks.ts";

export type AdminDeps = {
  sim: Sim;
  webhooks: WebhookDispatcher;
  idempotency: IdempotencyStore;
  faults: ApiFaults;
  initialEndpoints: EndpointConfig[];
};

type Body = Record<string, unknown>;
type Reply = { status: number; body: unknown };
type AdminRoute = {
  method: string;
  path: string;
  // id: the `:id` path segment, if the route has one.
  run: (deps: AdminDeps, body: Body, id: string, query: URLSearchParams) => Reply | Promise<Reply>;
};

class AdminError extends Error {
  status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const ok = (body: unknown): Reply => ({ status: 200, body });

function int(body: Body, name: string, fallback: number, min = 0): number {
  const value = body[name] ?? fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new AdminError(400, `${name} must be an integer >= ${min}`);
  }
  return value;
}

function str(body: Body, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new AdminError(400, `${name} must be a string`);
  return value;
}

function intentOr404(deps: AdminDeps, id: string) {
  const intent = deps.sim.store.paymentIntents.get(id);
  if (!intent) throw new AdminError(404, `No such payment_intent: ${id}`);
  return intent;
}

function webhookState(deps: AdminDeps) {
  const w = deps.webhooks;
  return {
    holding: w.holding,
    held: w.held.length,
    delay_ms: w.delayMs,
    duplicate: w.duplicate,
    fail_next: w.failRules.map((rule) => ({ count: rule.count, endpoint_id: rule.endpointId, object_id: rule.objectId })),
    idle: w.isIdle(),
  };
}

const ROUTES: AdminRoute[] = [
  { method: "GET", path: "/_sim/health", run: () => ok({ ok: true }) },
  {
    method: "POST",
    path: "/_sim/reset",
    run: (deps) => {
      deps.sim.store.reset();
      deps.idempotency.reset();
      deps.webhooks.reset(deps.initialEndpoints);
      deps.faults.latencyMs = 0;
      deps.faults.failNext = null;
      return ok({ reset: true });
    },
  },

  // Webhook endpoints
  { method: "GET", path: "/_sim/webhook_endpoints", run: (deps) => ok({ data: [...deps.webhooks.endpoints.values()] }) },
  {
    method: "POST",
    path: "/_sim/webhook_endpoints",
    run: (deps, body) => {
      const url = str(body, "url");
      if (!url || !/^https?:\/\//.test(url)) throw new AdminError(400, "url must be an http(s) URL");
      const events = body.events;
      if (events !== undefined && (!Array.isArray(events) || events.some((e) => typeof e !== "string"))) {
        throw new AdminError(400, "events must be an array of event types (or [\"*\"])");
      }
      return ok(deps.webhooks.addEndpoint({ url, secret: str(body, "secret") ?? newWebhookSecret(), events: events as string[] | undefined }));
    },
  },
  {
    method: "DELETE",
    path: "/_sim/webhook_endpoints/:id",
    run: (deps, _body, id) => {
      if (!deps.webhooks.removeEndpoint(id)) throw new AdminError(404, `No such endpoint: ${id}`);
      return ok({ id: id, deleted: true });
    },
  },

  // Delivery controls
  { method: "GET", path: "/_sim/webhooks", run: (deps) => ok(webhookState(deps)) },
  {
    method: "POST",
    path: "/_sim/webhooks/hold",
    run: (deps) => {
      deps.webhooks.holding = true;
      return ok(webhookState(deps));
    },
  },
  {
    method: "GET",
    path: "/_sim/webhooks/held",
    run: (deps) => ok({ data: deps.webhooks.held.map((j) => ({ event_id: j.event.id, event_type: j.event.type, endpoint_id: j.endpoint.id, attempt: j.attempt, reason: j.reason })) }),
  },
  {
    method: "POST",
    path: "/_sim/webhooks/release",
    run: async (deps, body) => {
      const order = str(body, "order");
      if (order !== undefined && order !== "created" && order !== "reverse") {
        throw new AdminError(400, 'order must be "created" or "reverse"');
      }
      const eventIds = body.event_ids;
      if (eventIds !== undefined && (!Array.isArray(eventIds) || eventIds.some((e) => typeof e !== "string"))) {
        throw new AdminError(400, "event_ids must be an array of event ids");
      }
      const attempts = await deps.webhooks.release({
        order,
        eventIds: eventIds as string[] | undefined,
        concurrent: body.concurrent === true,
        keepHolding: body.keep_holding === true,
      });
      return ok({ data: attempts, ...webhookState(deps) });
    },
  },
  {
    method: "POST",
    path: "/_sim/webhooks/duplicate",
    run: (deps, body) => {
      const times = int(body, "times", 2, 1);
      const events = int(body, "events", 1, 0);
      deps.webhooks.duplicate = events > 0 ? { events, times, concurrent: body.concurrent !== false } : null;
      return ok(webhookState(deps));
    },
  },
  {
    method: "POST",
    path: "/_sim/webhooks/delay",
    run: (deps, body) => {
      deps.webhooks.delayMs = int(body, "ms", 0);
      return ok(webhookState(deps));
    },
  },
  {
    method: "POST",
    path: "/_sim/webhooks/fail_next",
    run: (deps, body) => {
      const count = int(body, "count", 1);
      const endpointId = str(body, "endpoint_id") ?? null;
      const objectId = str(body, "object_id") ?? null;
      if (endpointId && !deps.webhooks.endpoints.has(endpointId)) throw new AdminError(404, `No such endpoint: ${endpointId}`);
      deps.webhooks.failNext(count, endpointId, objectId);
      return ok(webhookState(deps));
    },
  },
  {
    method: "POST",
    path: "/_sim/webhooks/wait_idle",
    run: async (deps, body) => {
      const idle = await deps.webhooks.waitIdle(int(body, "timeout_ms", 10_000));
      return { status: idle ? 200 : 408, body: webhookState(deps) };
    },
  },
  {
    method: "GET",
    path: "/_sim/deliveries",
    run: (deps, _body, _id, query) => {
      const filters = ["event_id", "endpoint_id", "event_type"] as const;
      return ok({
        data: deps.webhooks.attempts.filter((a) => filters.every((f) => !query.get(f) || a[f] === query.get(f))),
      });
    },
  },

  // Events
  {
    method: "GET",
    path: "/_sim/events",
    run: (deps, _body, _id, query) => {
      const type = query.get("type");
      const intent = query.get("payment_intent");
      return ok({
        data: deps.sim.store.events.filter(
          // An intent's events, and its charges' (`charge.refunded`).
          (e) => (!type || e.type === type) && (!intent || e.data.object.id === intent || e.data.object.payment_intent === intent),
        ),
      });
    },
  },
  {
    method: "POST",
    path: "/_sim/events/:id/redeliver",
    run: async (deps, body, id) => {
      const event = findEvent(deps.sim, id);
      if (!event) throw new AdminError(404, `No such event: ${id}`);
      return ok({ data: await deps.webhooks.redeliver(event, str(body, "endpoint_id")) });
    },
  },

  // PaymentIntents
  { method: "GET", path: "/_sim/payment_intents", run: (deps) => ok({ data: [...deps.sim.store.paymentIntents.values()] }) },
  { method: "GET", path: "/_sim/payment_intents/:id", run: (deps, _b, id) => ok(intentOr404(deps, id)) },
  {
    method: "POST",
    path: "/_sim/payment_intents/:id/trigger",
    run: (deps, body, id) => {
      const intent = intentOr404(deps, id);
      const type = str(body, "type");
      if (!type) throw new AdminError(400, "type is required, e.g. payment_intent.succeeded");
      return ok(deps.sim.emit(type, intent, null));
    },
  },

  // API journal and faults
  {
    method: "GET",
    path: "/_sim/requests",
    run: (deps, _body, _id, query) => {
      const method = query.get("method");
      const prefix = query.get("path_prefix");
      return ok({
        data: deps.sim.store.requests.filter((r) => (!method || r.method === method) && (!prefix || r.path.startsWith(prefix))),
      });
    },
  },
  {
    method: "POST",
    path: "/_sim/api/faults",
    run: (deps, body) => {
      if (body.latency_ms !== undefined) deps.faults.latencyMs = int(body, "latency_ms", 0);
      if (body.fail_next === null) deps.faults.failNext = null;
      else if (body.fail_next !== undefined) {
        const rule = body.fail_next as Body;
        if (typeof rule !== "object") throw new AdminError(400, "fail_next must be an object");
        deps.faults.failNext = {
          count: int(rule, "count", 1, 1),
          status: int(rule, "status", 500, 500),
          pathPrefix: str(rule, "path_prefix") ?? null,
        };
      }
      return ok({ latency_ms: deps.faults.latencyMs, fail_next: deps.faults.failNext });
    },
  },
];

export async function handleAdminRequest(req: IncomingMessage, res: ServerResponse, url: URL, deps: AdminDeps): Promise<void> {
  try {
    for (const route of ROUTES) {
      if (route.method !== req.method) continue;
      const params = matchPath(route.path, url.pathname);
      if (!params) continue;
      const raw = req.method === "POST" ? await readBody(req) : "";
      let body: Body = {};
      if (raw.trim()) {
        try {
          body = JSON.parse(raw) as Body;
        } catch {
          throw new AdminError(400, "admin API bodies are JSON");
        }
      }
      const reply = await route.run(deps, body, params.id ?? "", url.searchParams);
      sendJson(res, reply.status, reply.body);
      return;
    }
    throw new AdminError(404, `No admin route ${req.method} ${url.pathname} (see dev/stripe-sim/README.md)`);
  } catch (err) {
    const status = err instanceof AdminError ? err.status : 500;
    sendJson(res, status, { error: { message: (err as Error).message } });
  }
}
