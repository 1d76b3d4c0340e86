// Control of the fault proxy (dev/fault-proxy.ts) from tests and the benchmark: inject a
// fault, read what it recorded for a trace id. Plain fetch and Web Crypto only, so it also
// runs inside workerd (the Workers tests).
import type { FaultKind, FaultOptions, RecordedRequest } from "./fault-proxy.ts";

export type { FaultKind, FaultOptions, RecordedRequest };

const hex = (bytes: number) => Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (byte) => byte.toString(16).padStart(2, "0")).join("");

/**
 * A fresh trace id and the W3C `traceparent` header that makes the storefront use it (it
 * sends it to Medusa as `x-request-id`, which the proxy scopes faults and records by).
 */
export function newTrace(): { traceId: string; traceparent: string } {
  const traceId = hex(16);
  return { traceId, traceparent: `00-${traceId}-${hex(8)}-01` };
}

/** Adds a fault at the proxy listening on `proxyUrl`; without `traceId` it hits any trace. */
export async function injectFault(proxyUrl: string, fault: FaultOptions): Promise<void> {
  const response = await fetch(`${proxyUrl}/__proxy/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(fault),
  });
  if (!response.ok) throw new Error(`could not inject fault: HTTP ${response.status}`);
  await response.arrayBuffer();
}

/** The requests the proxy forwarded (or faulted) for one trace id, or all of them without one. */
export async function proxiedRequests(proxyUrl: string, traceId?: string): Promise<RecordedRequest[]> {
  const response = await fetch(`${proxyUrl}/__proxy/requests${traceId === undefined ? "" : `?trace_id=${traceId}`}`);
  return ((await response.json()) as { requests: RecordedRequest[] }).requests;
}
