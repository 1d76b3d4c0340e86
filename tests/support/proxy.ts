// Test-side control of the fault proxy between the storefronts and Medusa (dev/fault-proxy.ts),
// through its one client (dev/fault-proxy-client.ts) bound to the test stack's proxy.
import { expect, inject } from "vitest";
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

type Trace = ReturnType<typeof newTrace>;

/**
 * For requests that must take turns: holds each trace's `method` request to `path` (a
 * regular expression) `delayMs` at the proxy, so that side by side they would be in Medusa
 * at once. `taken()` then checks that each started only once the one before it was
 * answered, and resolves with them in the order they came.
 */
export async function holdEach(traces: Trace[], method: string, path: string, delayMs: number) {
  for (const trace of traces) await injectFault({ kind: "delay", method, path, traceId: trace.traceId, delayMs });
  return {
    async taken(): Promise<RecordedRequest[]> {
      const pattern = new RegExp(path);
      const held = (await Promise.all(traces.map((trace) => medusaRequestsFor(trace.traceId))))
        .map((requests) => requests.find((request) => request.method === method && pattern.test(request.path))!)
        .sort((x, y) => x.startedAt - y.startedAt);
      expect(held.filter(Boolean), `one ${method} ${path} per trace`).toHaveLength(traces.length);
      for (let index = 1; index < held.length; index += 1) {
        expect(held[index]!.startedAt, `${method} ${path} #${index + 1} started before #${index} was answered`).toBeGreaterThanOrEqual(held[index - 1]!.startedAt + held[index - 1]!.durationMs);
      }
      return held;
    },
  };
}
