// Stripe's idempotency layer (https://docs.stripe.com/api/idempotent_requests):
// - a POST with an Idempotency-Key stores the status and body of its first execution, and
//   a repeat with the same key and same parameters replays it (`Idempotent-Replayed: true`)
//   without executing again: no new objects, no new events;
// - the same key with other parameters, or on another endpoint, is a 400 idempotency_error;
// - while the first request is still running, a repeat gets a 409;
// - keys are scoped to the API key and forgotten after 24 hours;
// - requests that fail parameter validation are not stored.

import type { ParamObject } from "./form.ts";
import { canonicalParams } from "./form.ts";
import { StripeApiError, paramError } from "./errors.ts";

export type StoredResponse = { status: number; body: unknown; requestId: string };

type Entry = {
  endpoint: string;
  params: string;
  createdAt: number;
  response: StoredResponse | null; // null while the first request is running
};

export type Begin = { replay: StoredResponse } | { replay: null };

const RETENTION_MS = 24 * 60 * 60 * 1000;

export class IdempotencyStore {
  private entries = new Map<string, Entry>();
  private clock: () => number;

  constructor(clock: () => number) {
    this.clock = clock;
  }

  begin(apiKey: string, key: string, method: string, path: string, params: ParamObject): Begin {
    if (key.length > 255) {
      throw paramError("Idempotency keys may be at most 255 characters long.", "idempotency_key");
    }
    const id = `${apiKey}\u0000${key}`;
    const endpoint = `${method} ${path}`;
    const existing = this.entries.get(id);
    if (existing && this.clock() - existing.createdAt > RETENTION_MS) this.entries.delete(id);
    const entry = this.entries.get(id);
    if (!entry) {
      this.entries.set(id, { endpoint, params: canonicalParams(params), createdAt: this.clock(), response: null });
      return { replay: null };
    }
    if (entry.endpoint !== endpoint) {
      throw idempotencyError(
        400,
        `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${entry.endpoint}' vs '${endpoint}'). Try using a key other than '${key}' if you meant to execute a different request.`,
      );
    }
    if (entry.params !== canonicalParams(params)) {
      throw idempotencyError(
        400,
        `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
      );
    }
    if (!entry.response) {
      const err = idempotencyError(
        409,
        `There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ${key}. Please try again later.`,
      );
      err.body.code = "idempotency_key_in_use";
      throw err;
    }
    return { replay: entry.response };
  }

  finish(apiKey: string, key: string, response: StoredResponse | null): void {
    const id = `${apiKey}\u0000${key}`;
    const entry = this.entries.get(id);
    if (!entry) return;
    if (response) entry.response = response;
    else this.entries.delete(id);
  }

  reset(): void {
    this.entries.clear();
  }
}

function idempotencyError(status: number, message: string): StripeApiError {
  const err = new StripeApiError(status, { type: "idempotency_error", message });
  err.storeForIdempotency = false;
  return err;
}
