import { z } from "zod";
import { ATTEMPT_ID_PATTERN } from "../app/lib/checkout/attempts.server";
import { sweep, SWEEP_LIMIT, type SweepOptions, type SweepReport } from "../app/lib/checkout/payment/reconcile.server";
import { checkUncaptured } from "../app/lib/checkout/payment/uncaptured.server";
import { readConfig, type AppConfig } from "../app/lib/config.server";
import { readBoundedText } from "../app/lib/http/request-body.server";
import type { Logger } from "../app/lib/log.server";
import { listPaymentIntents } from "../app/lib/stripe.server";
import { attemptIndex } from "./attempt-index";

/**
 * The reconciler's two doors (README, "Nothing stays unsettled"): the Cron Trigger of
 * wrangler.jsonc calls `runSweep` from the Worker's `scheduled` handler, and an operator
 * (or `npm run reconcile`) runs one sweep on demand with `POST /ops/reconcile`, which
 * answers with the sweep's report. That route exists only where RECONCILE_TOKEN is set,
 * and takes it as a bearer token.
 */
export function runSweep(env: Env, logger: Logger, options: SweepOptions): Promise<SweepReport> {
  return sweep(
    {
      index: attemptIndex(env),
      settle: (entry, asOf) => env.CART_COORDINATOR.getByName(entry.cart_id).reconcile({ entry, asOf: asOf.toISOString(), traceId: logger.traceId }),
      // The config is read when Stripe is first asked, so a misconfigured Stripe key fails
      // this check alone (the cron handler reads no config of its own).
      checkUncaptured: (asOf, only) =>
        checkUncaptured({ listIntents: (query) => listPaymentIntents(readConfig(env), query), attempts: env.CHECKOUT_ATTEMPTS, logger }, asOf, only),
      logger,
    },
    options,
  );
}

export const RECONCILE_ROUTE = "/ops/reconcile";

const sweepRequest = z.strictObject(
  {
    attempt_ids: z
      .array(z.string("must be checkout attempt ids (ca_…)").regex(ATTEMPT_ID_PATTERN, "must be checkout attempt ids (ca_…)"), "must be a list of checkout attempt ids")
      .min(1, "must name at least one attempt")
      .max(100, "at most 100 attempts")
      .optional(),
    /** Development only: sweep as if it were this time (ISO 8601), to test what later sweeps do. */
    as_of: z.iso.datetime({ offset: true, error: "must be an ISO 8601 time, e.g. 2026-12-03T20:00:00Z" }).optional(),
    limit: z.number("must be a number").int("must be a whole number").min(1, "must be 1 to 500").max(500, "must be 1 to 500").optional(),
  },
  { error: (issue) => (issue.code === "unrecognized_keys" ? `unknown field ${issue.keys.map((key) => JSON.stringify(key)).join(", ")}` : "must be an object") },
);

export async function handleReconcileRequest(request: Request, env: Env, config: AppConfig, logger: Logger): Promise<Response> {
  const reply = (status: number, body: object) => Response.json({ ...body, trace_id: logger.traceId }, { status, headers: { "cache-control": "no-store" } });
  const refuse = (status: number, code: string, message: string) => reply(status, { error: { code, message } });

  const raw = await readBoundedText(request, 16 * 1024);
  if (!config.RECONCILE_TOKEN) return refuse(404, "not_found", "Not found.");
  if (!(await sameSecret(request.headers.get("authorization") ?? "", `Bearer ${config.RECONCILE_TOKEN}`))) {
    logger.log("warn", "reconcile request without the token", { step: "reconcile", outcome: "error", status: 401 });
    return refuse(401, "unauthorized", "Send Authorization: Bearer <RECONCILE_TOKEN>.");
  }
  if (request.method !== "POST") return refuse(405, "method_not_allowed", "Use POST.");
  if (raw === null) return refuse(413, "payload_too_large", "Body too large (at most 16 KB).");

  let body: unknown = {};
  if (raw.trim() !== "") {
    try {
      body = JSON.parse(raw);
    } catch {
      return refuse(400, "invalid_request", "The body must be JSON.");
    }
  }
  const parsed = sweepRequest.safeParse(body);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`);
    return refuse(400, "invalid_request", `Fix the request: ${problems.join("; ")}. Allowed: attempt_ids, as_of (development), limit.`);
  }
  const { attempt_ids, as_of, limit } = parsed.data;
  if (as_of && config.ENVIRONMENT !== "development") return refuse(400, "invalid_request", "as_of is accepted in development only.");

  const report = await runSweep(env, logger, {
    asOf: as_of ? new Date(as_of) : new Date(),
    limit: limit ?? SWEEP_LIMIT,
    ...(attempt_ids ? { attemptIds: attempt_ids } : {}),
  });
  return reply(200, report);
}

/** Compares two secrets in constant time (by their SHA-256), whatever their lengths. */
async function sameSecret(given: string, expected: string): Promise<boolean> {
  const digest = async (text: string) => new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  const [a, b] = await Promise.all([digest(given), digest(expected)]);
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}
