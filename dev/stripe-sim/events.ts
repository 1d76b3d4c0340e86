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
): StripeEvent {
  const event: StripeEvent = {
    id: newId("evt"),
    object: "event",
    api_version: sim.apiVersion,
    created: nowSeconds(sim),
    data: { object: structuredClone(object) as Record<string, unknown> },
    livemode: false,
    pending_webhooks: 0,
    request: request ?? { id: null, idempotency_key: null },
    type,
  };
  sim.store.events.push(event);
  return event;
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
