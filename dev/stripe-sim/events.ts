// Events: one per state change, holding a snapshot of the object at that moment (later
// changes to the object don't alter an event already created, as with Stripe).

import type { StripeEvent } from "./objects.ts";
import { resourceMissing } from "./errors.ts";
import { newId } from "./ids.ts";
import { assertKnownParams, optionalInteger, optionalString, optionalStringArray } from "./params.ts";
import { newestFirst } from "./store.ts";
import { nowSeconds, type ApiContext, type ApiResult, type EventRequest, type Sim } from "./sim.ts";

export function recordEvent(
  sim: Sim,
  type: string,
  object: object,
  request: EventRequest | null,
  previousAttributes?: Record<string, unknown>,
): StripeEvent {
  const event: StripeEvent = {
    id: newId("evt"),
    object: "event",
    api_version: sim.apiVersion,
    created: nowSeconds(sim),
    data: {
      object: structuredClone(object) as Record<string, unknown>,
      ...(previousAttributes ? { previous_attributes: structuredClone(previousAttributes) } : {}),
    },
    livemode: false,
    pending_webhooks: 0,
    request: request ?? { id: null, idempotency_key: null },
    type,
  };
  sim.store.events.push(event);
  return event;
}

function isHash(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The `previous_attributes` of an `*.updated` event: for each field that changed, its old
 * value; within hashes (metadata, address) only the keys that changed, a key that did not
 * exist before being `null`. Undefined when nothing changed (then Stripe sends no event).
 */
export function previousAttributes(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): Record<string, unknown> | undefined {
  const changed: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const old = before[key];
    const now = after[key];
    if (JSON.stringify(old) === JSON.stringify(now)) continue;
    changed[key] = isHash(old) && isHash(now) ? (previousAttributes(old, now) ?? {}) : (old ?? null);
  }
  return Object.keys(changed).length ? changed : undefined;
}

export function findEvent(sim: Sim, id: string): StripeEvent | undefined {
  return sim.store.events.find((e) => e.id === id);
}

export function handleRetrieveEvent(ctx: ApiContext): ApiResult {
  assertKnownParams(ctx.params, ["expand"]);
  const event = findEvent(ctx.sim, ctx.id);
  if (!event) throw resourceMissing("event", ctx.id, "id");
  return { status: 200, body: event };
}

export function handleListEvents(ctx: ApiContext): ApiResult {
  assertKnownParams(ctx.params, ["limit", "starting_after", "ending_before", "type", "types", "created", "delivery_success", "expand"]);
  const limit = Math.min(optionalInteger(ctx.params, "limit", 1) ?? 10, 100);
  const type = optionalString(ctx.params, "type");
  const types = optionalStringArray(ctx.params, "types");
  // `type` accepts a trailing wildcard, e.g. `payment_intent.*`.
  const matches = (t: string) =>
    (!type || (type.endsWith(".*") ? t.startsWith(type.slice(0, -1)) : t === type)) &&
    (!types || types.includes(t));
  let all = newestFirst(ctx.sim.store.events).filter((e) => matches(e.type));
  const after = optionalString(ctx.params, "starting_after");
  const before = optionalString(ctx.params, "ending_before");
  if (after) all = all.slice(all.findIndex((e) => e.id === after) + 1);
  if (before) all = all.slice(0, Math.max(0, all.findIndex((e) => e.id === before)));
  const page = before ? all.slice(-limit) : all.slice(0, limit);
  return {
    status: 200,
    body: { object: "list", data: page, has_more: all.length > page.length, url: "/v1/events" },
  };
}
