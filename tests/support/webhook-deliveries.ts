// The simulator's webhook deliveries as the stack tests read them: what each endpoint
// answered an event (its delivery log), waiting for a delivery, and holding deliveries.
import { expect } from "vitest";
import { eventually } from "./poll.ts";
import { eventsFor, simAdmin, type Delivery } from "./stripe-sim.ts";
import type { WebhookAnswer } from "./webhook-answer.ts";

export const STOREFRONT_HOOK = "/webhooks/stripe";
export const MEDUSA_HOOK = "/hooks/payment/stripe_stripe";

/** What the storefront answered a delivery: `{received, result?, ignored?, error?, trace_id}`. */
export const answerOf = (delivery: Delivery): WebhookAnswer => JSON.parse(delivery.response_body ?? "{}") as WebhookAnswer;

export async function deliveriesOf(eventId: string, hook: string): Promise<Delivery[]> {
  const { data } = await simAdmin<{ data: Delivery[] }>(`deliveries?event_id=${eventId}`);
  return data.filter((delivery) => new URL(delivery.endpoint_url).pathname === hook);
}

/** Waits until `hook` has answered `eventId` with a 2xx (retries included); returns every attempt. */
export async function deliveredOk(eventId: string, hook = STOREFRONT_HOOK, timeoutMs = 20_000): Promise<Delivery[]> {
  return eventually(
    () => deliveriesOf(eventId, hook),
    (attempts) => attempts.some((delivery) => delivery.status !== null && delivery.status >= 200 && delivery.status < 300),
    timeoutMs,
  );
}

/** The one event of `type` for the PaymentIntent, once the simulator has made it. */
export async function eventOf(paymentIntentId: string, type: string): Promise<{ id: string; type: string }> {
  const found = await eventually(
    async () => (await eventsFor(paymentIntentId)).filter((event) => event.type === type),
    (events) => events.length > 0,
  );
  expect(found, `${type} for ${paymentIntentId}`).toHaveLength(1);
  return found[0]!;
}

export async function storefrontEndpointId(): Promise<string> {
  const { data } = await simAdmin<{ data: { id: string; url: string }[] }>("webhook_endpoints");
  return data.find((endpoint) => new URL(endpoint.url).pathname === STOREFRONT_HOOK)!.id;
}

/** Runs `work` while the simulator holds every delivery; afterwards sends whatever is still held. */
export async function holdingDeliveries<T>(work: () => Promise<T>): Promise<T> {
  await simAdmin("webhooks/hold", {});
  try {
    return await work();
  } finally {
    await simAdmin("webhooks/release", {});
  }
}
