// Test-side control of the fault proxy between the storefronts and Medusa (dev/fault-proxy.ts).
import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import type { FaultKind, RecordedRequest } from "../../dev/fault-proxy.ts";

/** A fresh trace id and the `traceparent` header that makes the storefront use it. */
export function newTrace(): { traceId: string; traceparent: string } {
  const traceId = randomBytes(16).toString("hex");
  return { traceId, traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-01` };
}

export async function injectFault(fault: { kind: FaultKind; traceId: string; method?: string; path?: string; nth?: number; times?: number }) {
  const response = await fetch(`${inject("stack").medusaProxyUrl}/__proxy/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(fault),
  });
  if (!response.ok) throw new Error(`could not inject fault: HTTP ${response.status}`);
}

export async function medusaRequestsFor(traceId: string): Promise<RecordedRequest[]> {
  const response = await fetch(`${inject("stack").medusaProxyUrl}/__proxy/requests?trace_id=${traceId}`);
  return ((await response.json()) as { requests: RecordedRequest[] }).requests;
}
