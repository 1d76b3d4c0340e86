// The shared state every endpoint handler works on, and the request context it receives.

import type { ParamObject } from "./form.ts";
import type { StripeEvent } from "./objects.ts";
import type { Store } from "./store.ts";

// API version of stripe-node 23.1.0; events carry it like an account pinned to that version.
export const DEFAULT_API_VERSION = "2026-10-28.endive";

export type EventRequest = { id: string | null; idempotency_key: string | null };

export type Sim = {
  store: Store;
  clock: () => number;
  apiVersion: string;
  emit(type: string, object: object, request: EventRequest | null, previousAttributes?: Record<string, unknown>): StripeEvent;
};

export function nowSeconds(sim: Sim): number {
  return Math.floor(sim.clock() / 1000);
}

export type Auth =
  | { mode: "secret" }
  // Stripe.js calls with the publishable key; PaymentIntent endpoints then need the
  // intent's client_secret, and answer with the reduced publishable-key view.
  | { mode: "publishable"; clientSecret: string | null };

export type ApiContext = {
  sim: Sim;
  method: string;
  path: string;
  // The `:id` segment of the route's path ("" for routes without one).
  id: string;
  params: ParamObject;
  auth: Auth;
  requestId: string;
  idempotencyKey: string | null;
  // Stripe-Version of the request (or the default): some defaults changed between versions.
  apiVersion: string;
  // Origin the client reached us at, for URLs we hand back (3DS pages).
  origin: string;
};

export type ApiResult = { status: number; body: unknown };

export function eventRequest(ctx: ApiContext): EventRequest {
  return { id: ctx.requestId, idempotency_key: ctx.idempotencyKey };
}
