// The production test project's view of the balancer in front of Medusa's server processes
// (dev/medusa-balancer.ts, on the stack's MEDUSA_PORT).
import { inject } from "vitest";
import type { BalancedRequest } from "../../dev/medusa-balancer.ts";

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
