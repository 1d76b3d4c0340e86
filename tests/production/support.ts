// The production test project's controls: the balancer in front of Medusa's server processes
// (dev/medusa-balancer.ts, on the stack's MEDUSA_PORT), the stack's Redis, and settling a paid
// checkout as a shop would (Stripe's retries, then the reconciler).
import { inject } from "vitest";
import type { AttemptRecord } from "../../app/lib/checkout/attempts.server.ts";
import type { BalancedRequest } from "../../dev/medusa-balancer.ts";
import { redisCommand } from "../../dev/redis.ts";
import { storedAttempt } from "../support/attempts.ts";
import { orderIdsForCart } from "../support/orders.ts";
import { eventually } from "../support/poll.ts";
import { sweepOnly } from "../support/reconcile.ts";
import { readPaymentIntent } from "../support/stripe-sim.ts";

export type BalancerStats = {
  servers: { index: number; port: number; up: boolean; requests: number; pid: number | null; restarts: number }[];
  requests_total: number;
  kills: { server: number; pid: number | null; path: string; at: number }[];
};

async function balancer<T>(pathname: string, body?: unknown): Promise<T> {
  const response = await fetch(`${inject("stack").medusaUrl}/_balancer/${pathname}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`balancer ${pathname}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export const balancerStats = () => balancer<BalancerStats>("stats");

/** The requests the balancer forwarded whose path matches `pattern`, with the server that got each. */
export async function balancedRequests(pattern: string): Promise<BalancedRequest[]> {
  return (await balancer<{ requests: BalancedRequest[] }>(`requests?path=${encodeURIComponent(pattern)}`)).requests;
}

/** The server process that receives the cart's next `POST /store/carts/:id/complete` is SIGKILLed `afterMs` after it has the whole request. */
export function killNextComplete(cartId: string, afterMs: number) {
  return balancer<{ armed: boolean }>("kill-next-complete", { cart_id: cartId, after_ms: afterMs });
}

/**
 * Ends the stack's Redis at once (`SHUTDOWN NOSAVE`: nothing kept, as with a crash of a Redis
 * without persistence); the stack starts it again 1 s later, empty (dev/redis.ts `restart`).
 * With `downForMs`, each Redis the stack starts again within that time is shut down as soon
 * as it answers (a Redis in a crash loop), so Medusa is without Redis for about that long.
 * Resolves when a Redis answers PING again, with when it went down and came back.
 */
export async function restartRedis({ downForMs = 0 } = {}): Promise<{ downAt: number; upAt: number; shutdowns: number }> {
  const url = inject("stack").redisUrl;
  if (!url) throw new Error("this stack has no Redis (the production profile's only)");
  const port = Number(new URL(url).port);
  const ping = () => redisCommand(port, ["PING"], 500).catch((error: Error) => error.message);
  const downAt = Date.now();
  let shutdowns = 0;
  do {
    await redisCommand(port, ["SHUTDOWN", "NOSAVE"]).catch(() => "");
    shutdowns += 1;
    // The old process is gone once PING fails; the new one answers after the restart delay.
    const down = await eventually(ping, (reply) => !reply.startsWith("+PONG"), 5_000, 20);
    if (down.startsWith("+PONG")) throw new Error(`Redis on port ${port} still answers after SHUTDOWN NOSAVE`);
    const up = await eventually(ping, (reply) => reply.startsWith("+PONG"), 15_000, 20);
    if (!up.startsWith("+PONG")) throw new Error(`Redis on port ${port} did not come back within 15 s: ${up}`);
  } while (Date.now() - downAt < downForMs);
  return { downAt, upAt: Date.now(), shutdowns };
}

export type Settled = { orders: string[]; attempt: AttemptRecord; intentStatus: string };

async function settledState(cartId: string, attemptId: string, intentId: string): Promise<Settled> {
  const [orders, attempt, intent] = await Promise.all([orderIdsForCart(cartId), storedAttempt(attemptId), readPaymentIntent(intentId)]);
  return { orders, attempt, intentStatus: intent.status };
}

/** Settled: completed with an order, or released (no order, the money given back). */
const isSettled = ({ orders, attempt }: Settled) => (orders.length > 0 && attempt.status === "completed") || attempt.status === "released";

/**
 * Waits for a paid checkout to settle as it would in a shop: first through Stripe's retries of
 * the storefront's webhook (up to `retriesMs`), then through reconciler sweeps, as its
 * schedule would run them, for up to `sweepsMs` more. Says which of the two settled it.
 */
export async function settleLikeTheShop(
  ids: { cartId: string; attemptId: string; intentId: string },
  { retriesMs, sweepsMs = 60_000 }: { retriesMs: number; sweepsMs?: number },
): Promise<Settled & { by: "Stripe's retries" | "the reconciler" }> {
  const read = () => settledState(ids.cartId, ids.attemptId, ids.intentId);
  let state = await eventually(read, isSettled, Math.max(retriesMs, 1_000), 1_000);
  if (isSettled(state)) return { ...state, by: "Stripe's retries" };
  const until = Date.now() + sweepsMs;
  while (!isSettled(state) && Date.now() < until) {
    await sweepOnly(inject("stack").storefronts.preview!, [ids.attemptId], 30);
    state = await eventually(read, isSettled, 5_000, 500);
  }
  return { ...state, by: "the reconciler" };
}
