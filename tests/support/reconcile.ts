// The reconciler's operator door (POST /ops/reconcile) for tests: one sweep, its report.
import { readFileSync } from "node:fs";
import path from "node:path";
import { inject } from "vitest";
import type { SweepReport } from "../../app/lib/checkout/payment/reconcile.server.ts";

export const RECONCILE_PATH = "/ops/reconcile";

/** The test stack's token (dev/stack.ts generates one per stack, next to its Worker config). */
export function reconcileToken(): string {
  return readFileSync(path.join(path.dirname(inject("stack").workerConfig), "reconcile-token"), "utf8").trim();
}

export async function postReconcile(baseUrl: string, body: unknown, token: string | null = reconcileToken()): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(new URL(RECONCILE_PATH, baseUrl), {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/**
 * One sweep of only these attempts (other test files' attempts are left alone), as if it
 * ran `minutesLater` minutes from now.
 */
export async function sweepOnly(baseUrl: string, attemptIds: string[], minutesLater: number, limit?: number): Promise<SweepReport> {
  const asOf = new Date(Date.now() + minutesLater * 60_000).toISOString();
  const answer = await postReconcile(baseUrl, { attempt_ids: attemptIds, as_of: asOf, ...(limit ? { limit } : {}) });
  if (answer.status !== 200) throw new Error(`the sweep answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body as unknown as SweepReport;
}
