import type { z } from "zod";
import type { AppConfig } from "../config.server";
import type { Logger } from "../log.server";
import { medusaErrorBody } from "./schemas";

/**
 * The one place that talks HTTP to Medusa's Store API: publishable key, a timeout on every
 * call, the trace id as `x-request-id`, and the mapping of every failure to a
 * `MedusaError` of a known kind. Responses are parsed with zod, so a malformed body is a
 * `bad_response` here instead of an `undefined` deep in a page. See
 * docs/decisions/0001-medusa-client.md for why this is not @medusajs/js-sdk.
 */
export type MedusaErrorKind =
  /** Medusa answered with a non-2xx status. */
  | "http"
  /** No answer within the time limit. */
  | "timeout"
  /** Connection refused, reset or DNS failure. */
  | "network"
  /** A 2xx whose body is not the JSON we expect. */
  | "bad_response";

export class MedusaError extends Error {
  override name = "MedusaError";
  constructor(
    readonly kind: MedusaErrorKind,
    message: string,
    readonly details: { status?: number; type?: string; code?: string; method: string; path: string },
  ) {
    super(message);
  }
  get status() {
    return this.details.status;
  }
}

/**
 * A MedusaError as plain data, for a Durable Object's answer: thrown across the RPC, it
 * would lose its class on the way. `asPlainFailure` on the object's side, `orMedusaError`
 * on the caller's.
 */
export type PlainMedusaFailure = { failure: { kind: MedusaErrorKind; message: string; details: MedusaError["details"] } };

/** Runs `work`; a MedusaError it throws comes back as plain data (anything else is thrown). */
export async function asPlainFailure<T>(work: () => Promise<T>): Promise<T | PlainMedusaFailure> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof MedusaError) return { failure: { kind: error.kind, message: error.message, details: error.details } };
    throw error;
  }
}

/** The answer, or its MedusaError thrown again, as a direct call would have. */
export function orMedusaError<A extends object>(answer: A): Exclude<A, PlainMedusaFailure> {
  if ("failure" in answer) {
    const { failure } = answer as PlainMedusaFailure;
    throw new MedusaError(failure.kind, failure.message, failure.details);
  }
  return answer as Exclude<A, PlainMedusaFailure>;
}

/**
 * The one reading of a Medusa failure, which each caller puts in its own words; null when
 * `error` is not a MedusaError. Business refusals are 4xx: 400 for no stock or a completed
 * cart (told apart by message), 404 for an unknown resource, 409 for a cart another
 * request is completing right now (medusa-facts.md).
 */
export type MedusaFailure = "timeout" | "unavailable" | "out_of_stock" | "cart_completed" | "not_found" | "conflict" | "refused";

export function classifyMedusaError(error: unknown): MedusaFailure | null {
  if (!(error instanceof MedusaError)) return null;
  if (error.kind === "timeout") return "timeout";
  if (error.kind !== "http" || (error.status ?? 500) >= 500) return "unavailable";
  if (error.details.code === "insufficient_inventory" || /inventory/i.test(error.message)) return "out_of_stock";
  if (/already completed/i.test(error.message)) return "cart_completed";
  if (error.status === 404) return "not_found";
  if (error.status === 409) return "conflict";
  return "refused";
}

export type MedusaRequest<S extends z.ZodType> = {
  method?: "GET" | "POST" | "DELETE";
  /** An array value repeats its key (`id[]=a&id[]=b`). */
  query?: Record<string, string | number | string[] | undefined>;
  body?: unknown;
  schema: S;
  /** A signed-in customer's Medusa token (sent as `Authorization: Bearer`; never logged). */
  token?: string;
};

export type MedusaClient = {
  baseUrl: string;
  request<S extends z.ZodType>(path: string, init: MedusaRequest<S>): Promise<z.infer<S>>;
};

export type MedusaClientOptions = {
  baseUrl: string;
  publishableKey: string;
  timeoutMs: number;
  logger: Logger;
  fetch?: typeof fetch;
};

/** The client for this configuration, logging with `logger`. */
export function medusaClientFor(config: AppConfig, logger: Logger): MedusaClient {
  return createMedusaClient({
    baseUrl: config.MEDUSA_BACKEND_URL,
    publishableKey: config.MEDUSA_PUBLISHABLE_KEY,
    timeoutMs: config.MEDUSA_TIMEOUT_MS,
    logger,
  });
}

export function createMedusaClient(options: MedusaClientOptions): MedusaClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));

  async function request<S extends z.ZodType>(path: string, init: MedusaRequest<S>): Promise<z.infer<S>> {
    const method = init.method ?? "GET";
    const started = Date.now();
    try {
      const result = await send(path, method, init);
      options.logger.log("debug", "medusa call", { step: "medusa", method, path, outcome: "ok", duration_ms: Date.now() - started });
      return result;
    } catch (error) {
      const details = error instanceof MedusaError ? { kind: error.kind, status: error.status } : {};
      options.logger.log("debug", "medusa call", { step: "medusa", method, path, outcome: "error", duration_ms: Date.now() - started, ...details });
      throw error;
    }
  }

  async function send<S extends z.ZodType>(path: string, method: string, init: MedusaRequest<S>): Promise<z.infer<S>> {
    const url = new URL(baseUrl + path);
    for (const [key, value] of Object.entries(init.query ?? {})) {
      if (Array.isArray(value)) for (const item of value) url.searchParams.append(key, item);
      else if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const where = { method, path };
    const headers: Record<string, string> = {
      accept: "application/json",
      "x-publishable-api-key": options.publishableKey,
      "x-request-id": options.logger.traceId,
    };
    if (init.body !== undefined) headers["content-type"] = "application/json";
    if (init.token) headers.authorization = `Bearer ${init.token}`;

    let response: Response;
    let text: string;
    try {
      response = await doFetch(url, {
        method,
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      if (error instanceof DOMException && (error.name === "TimeoutError" || error.name === "AbortError")) {
        throw new MedusaError("timeout", `Medusa did not answer ${method} ${path} within ${options.timeoutMs} ms`, where);
      }
      throw new MedusaError("network", `Could not reach Medusa for ${method} ${path}: ${String(error)}`, where);
    }

    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }

    if (!response.ok) {
      // Medusa errors are mostly `{type, message, code?}`, but an unknown route is an HTML 404.
      const body = medusaErrorBody.parse(json ?? {});
      throw new MedusaError("http", body.message ?? `Medusa answered ${response.status}`, {
        ...where,
        status: response.status,
        type: body.type,
        code: body.code,
      });
    }

    const parsed = init.schema.safeParse(json);
    if (!parsed.success) {
      throw new MedusaError(
        "bad_response",
        `Medusa's answer to ${method} ${path} is not what the storefront expects: ${parsed.error.issues[0]?.message ?? "not JSON"}`,
        { ...where, status: response.status },
      );
    }
    return parsed.data;
  }

  return { baseUrl, request };
}
