// One /v1 request, start to finish: decode, authenticate, idempotency, run the endpoint,
// answer in Stripe's shape with Stripe's headers, then journal and log it.

import type { IncomingMessage, ServerResponse } from "node:http";
import { authenticate, type Keys } from "./auth.ts";
import { StripeApiError, apiError, unrecognizedUrl } from "./errors.ts";
import { decodeForm, type ParamObject } from "./form.ts";
import { CORS_HEADERS, readBody, sendJson, sleep } from "./http.ts";
import type { IdempotencyStore } from "./idempotency.ts";
import { newId } from "./ids.ts";
import { redactParams, redactSecrets } from "./redact.ts";
import { findRoute } from "./routes.ts";
import type { ApiContext, Sim } from "./sim.ts";
import type { RequestRecord } from "./store.ts";

// Faults the admin API can inject into API calls (see admin.ts).
export type ApiFaults = {
  latencyMs: number;
  failNext: { count: number; status: number; pathPrefix: string | null } | null;
};

export type ApiDeps = {
  sim: Sim;
  keys: Keys;
  idempotency: IdempotencyStore;
  faults: ApiFaults;
  log: (line: object) => void;
};

type Outcome = { status: number; body: unknown; headers: Record<string, string>; replayed: boolean };

function takeInjectedFailure(faults: ApiFaults, path: string): number | null {
  const rule = faults.failNext;
  if (!rule || (rule.pathPrefix && !path.startsWith(rule.pathPrefix))) return null;
  rule.count -= 1;
  if (rule.count <= 0) faults.failNext = null;
  return rule.status;
}

function errorOutcome(err: unknown, deps: ApiDeps, requestId: string): Outcome & { store: boolean } {
  if (err instanceof StripeApiError) {
    return { status: err.status, body: { error: err.body }, headers: err.headers, replayed: false, store: err.storeForIdempotency };
  }
  deps.log({ level: "error", msg: "stripe-sim handler crashed", request_id: requestId, error: String((err as Error)?.stack ?? err) });
  const fallback = apiError(500);
  return { status: 500, body: { error: fallback.body }, headers: {}, replayed: false, store: false };
}

export async function handleApiRequest(req: IncomingMessage, res: ServerResponse, url: URL, deps: ApiDeps): Promise<void> {
  const started = Date.now();
  const requestId = newId("req");
  const method = req.method ?? "GET";
  const path = url.pathname;
  const apiVersion = (req.headers["stripe-version"] as string | undefined) ?? deps.sim.apiVersion;
  const idempotencyKey = method === "POST" ? ((req.headers["idempotency-key"] as string | undefined) ?? null) : null;

  let params: ParamObject = {};
  let journalParams: ParamObject = {};
  let keyType: RequestRecord["key_type"] = "none";
  let outcome: Outcome;
  try {
    const raw = method === "GET" || method === "DELETE" ? url.search.slice(1) : await readBody(req);
    params = decodeForm(raw);
    journalParams = redactParams(params);
    outcome = await execute();
  } catch (err) {
    outcome = errorOutcome(err, deps, requestId);
  }

  async function execute(): Promise<Outcome> {
    const found = findRoute(method, path);
    if (!found) throw unrecognizedUrl(method, path);
    const { auth, apiKey } = authenticate(req.headers, params, deps.keys, found.route.access);
    keyType = auth.mode;
    const injected = takeInjectedFailure(deps.faults, path);
    if (injected) throw apiError(injected);

    const ctx: ApiContext = {
      sim: deps.sim,
      method,
      path,
      id: found.pathParams.id ?? "",
      params,
      auth,
      requestId,
      idempotencyKey,
      apiVersion,
      origin: `http://${req.headers.host ?? "127.0.0.1"}`,
    };
    if (idempotencyKey) {
      const begun = deps.idempotency.begin(apiKey, idempotencyKey, method, path, params);
      if (begun.replay) {
        return {
          status: begun.replay.status,
          body: begun.replay.body,
          headers: { "idempotent-replayed": "true", "original-request": begun.replay.requestId },
          replayed: true,
        };
      }
    }
    let result: Outcome & { store: boolean };
    try {
      const { status, body } = found.route.handler(ctx);
      result = { status, body, headers: {}, replayed: false, store: true };
    } catch (err) {
      result = errorOutcome(err, deps, requestId);
    }
    // Injected latency comes after the work is done: a client that times out has still
    // changed state, which is exactly what idempotent retries exist for.
    if (deps.faults.latencyMs > 0) await sleep(deps.faults.latencyMs);
    if (idempotencyKey) {
      deps.idempotency.finish(
        apiKey,
        idempotencyKey,
        result.store ? { status: result.status, body: result.body, requestId } : null,
      );
    }
    return result;
  }

  const headers: Record<string, string> = {
    ...CORS_HEADERS,
    "request-id": requestId,
    "stripe-version": apiVersion,
    ...outcome.headers,
  };
  if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
  sendJson(res, outcome.status, outcome.body, headers);

  const errorBody = (outcome.body as { error?: { code?: string; type?: string } }).error;
  const record: RequestRecord = {
    request_id: requestId,
    time: new Date(started).toISOString(),
    method,
    path,
    key_type: keyType,
    idempotency_key: idempotencyKey,
    replayed: outcome.replayed,
    status: outcome.status,
    error_code: errorBody ? (errorBody.code ?? errorBody.type ?? null) : null,
    params: journalParams,
    duration_ms: Date.now() - started,
  };
  deps.sim.store.requests.push(record);
  deps.log({
    msg: "stripe-sim request",
    request_id: requestId,
    method,
    path: redactSecrets(url.pathname + url.search),
    status: outcome.status,
    key_type: keyType,
    idempotency_key: idempotencyKey,
    replayed: outcome.replayed,
    error_code: record.error_code,
    duration_ms: record.duration_ms,
  });
}
