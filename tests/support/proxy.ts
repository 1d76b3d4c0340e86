// Test-side control of the fault proxy between the storefronts and Medusa (dev/fault-proxy.ts),
// through its one client (dev/fault-proxy-client.ts) bound to the test stack's proxy.
import { inject } from "vitest";
import { injectFault as injectAt, newTrace, proxiedRequests, type FaultOptions, type RecordedRequest } from "../../dev/fault-proxy-client.ts";

export { newTrace, type FaultOptions };

/** A fault at the stack's proxy: for one trace id, or (without `traceId`) for any, scoped by method and path. */
export function injectFault(fault: FaultOptions): Promise<void> {
  return injectAt(inject("stack").medusaProxyUrl, fault);
}

export function medusaRequestsFor(traceId: string): Promise<RecordedRequest[]> {
  return proxiedRequests(inject("stack").medusaProxyUrl, traceId);
}

/** Every request the proxy recorded (all traces). */
export function allMedusaRequests(): Promise<RecordedRequest[]> {
  return proxiedRequests(inject("stack").medusaProxyUrl);
}
