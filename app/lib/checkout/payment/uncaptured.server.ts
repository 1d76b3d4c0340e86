import { z } from "zod";
import type { Logger } from "../../log.server";
import { ATTEMPT_ID_PATTERN, readAttempt, type AttemptRecord, type AttemptStore } from "../attempts.server";

/**
 * Authorizations about to expire (README, "Nothing stays unsettled"). Medusa's Stripe
 * provider captures manually, so a paid order's PaymentIntent stays `requires_capture` until
 * the merchant captures it in Medusa; Stripe cancels an uncaptured PaymentIntent 7 days
 * after it was created, and the money is gone for good. Each sweep lists the PaymentIntents
 * created between 7 and 6 days before its clock, keeps our own (a checkout attempt id in
 * their metadata) that still wait for capture, and warns the merchant once about each, with
 * at least a day left to capture or cancel the order in Medusa.
 *
 * Stripe is the only place that knows which payments are still uncaptured: the attempt
 * index forgets an attempt once it has its order, and the attempt record itself lives 7
 * days, so it may already be gone (then the PaymentIntent is reported without its order).
 */

const DAY_MS = 24 * 60 * 60 * 1000;
/** Stripe cancels an uncaptured PaymentIntent this long after it was created. */
export const AUTHORIZATION_LIFETIME_MS = 7 * DAY_MS;
/** Warn about an authorization this old: a day before Stripe cancels it. */
export const WARN_AFTER_MS = 6 * DAY_MS;
/** Stripe's largest list page. */
export const LIST_PAGE_SIZE = 100;
/** Pages a sweep reads at most (500 PaymentIntents of one day); the report says when it stopped there. */
export const MAX_LIST_PAGES = 5;
/**
 * How long a warning is remembered. A PaymentIntent is in the window for one day, so two
 * days means one warning per PaymentIntent (and KV's cached "not found", at most 60 s, is
 * far shorter than the 5 minutes between cron sweeps).
 */
export const WARNED_TTL_SECONDS = 2 * 24 * 60 * 60;

export const UNCAPTURED_WARNING = "payment authorized 6 days ago and not captured: capture or cancel the order in Medusa before the authorization expires";

/** One uncaptured authorization of ours, as the sweep's report lists it. */
export type UncapturedPayment = {
  payment_intent: string;
  attempt_id: string;
  /** Null when the attempt record is gone (kept 7 days from its last write) or never got an order. */
  order_id: string | null;
  /** Minor units, like every amount of the storefront. */
  amount: number;
  currency: string;
  /** When Stripe will cancel it: created + 7 days. */
  expires_at: string;
  /** True when this sweep logged the warning; false when an earlier one already had. */
  warned: boolean;
};

export type UncapturedCheck = {
  uncaptured: UncapturedPayment[];
  /** Stripe list pages read. */
  pages: number;
  /** True when the window held more than MAX_LIST_PAGES pages: the rest went unchecked this sweep. */
  capped: boolean;
  /** Why the check stopped (Stripe unreachable, say); what was found before is still listed. */
  error: string | null;
};

export type ListQuery = { created: { gte: number; lte: number }; limit: number; starting_after?: string };

export type UncapturedDeps = {
  /** One page of Stripe's `GET /v1/payment_intents`. */
  listIntents: (query: ListQuery) => Promise<unknown>;
  /** The attempts' KV, which also remembers the warnings given. */
  attempts: AttemptStore;
  logger: Logger;
};

/** The fields of a listed PaymentIntent this check reads (never its client secret). */
const listedIntent = z.object({
  id: z.string(),
  status: z.string(),
  amount: z.number().int(),
  currency: z.string(),
  created: z.number().int(),
  metadata: z.record(z.string(), z.string()).nullish(),
});
const listPage = z.object({ data: z.array(listedIntent), has_more: z.boolean() });
type ListedIntent = z.infer<typeof listedIntent>;

const warnedKey = (intentId: string) => `authorization-warned:${intentId}`;

/**
 * The uncaptured authorizations of ours created 7 to 6 days before `asOf`, each warned about
 * once. `only`: just those of these attempts (an operator's or a test's sweep). Never
 * throws: a failure is reported, so it can't stop the sweep that settles open attempts.
 */
export async function checkUncaptured(deps: UncapturedDeps, asOf: Date, only: ReadonlySet<string> | null = null): Promise<UncapturedCheck> {
  const check: UncapturedCheck = { uncaptured: [], pages: 0, capped: false, error: null };
  try {
    for await (const { intent, attemptId } of awaitingCapture(deps, asOf, check)) {
      if (only && !only.has(attemptId)) continue;
      check.uncaptured.push(await warnOnce(deps, intent, attemptId, asOf));
    }
  } catch (error) {
    check.error = String(error).slice(0, 300);
    deps.logger.log("warn", "uncaptured authorizations not checked", { step: "reconcile", outcome: "error", pages: check.pages, error: check.error });
  }
  if (check.capped) {
    deps.logger.log("warn", "uncaptured authorizations checked in part: more than one sweep's pages", { step: "reconcile", outcome: "skipped", pages: check.pages, listed: check.pages * LIST_PAGE_SIZE });
  }
  return check;
}

/** Ours, still waiting for capture, from Stripe's pages of the window (newest first), up to MAX_LIST_PAGES. */
async function* awaitingCapture(deps: UncapturedDeps, asOf: Date, check: UncapturedCheck): AsyncGenerator<{ intent: ListedIntent; attemptId: string }> {
  const created = { gte: seconds(asOf.getTime() - AUTHORIZATION_LIFETIME_MS), lte: seconds(asOf.getTime() - WARN_AFTER_MS) };
  let startingAfter: string | undefined;
  while (true) {
    if (check.pages === MAX_LIST_PAGES) {
      check.capped = true;
      return;
    }
    const page = listPage.parse(await deps.listIntents({ created, limit: LIST_PAGE_SIZE, ...(startingAfter ? { starting_after: startingAfter } : {}) }));
    check.pages += 1;
    for (const intent of page.data) {
      const attemptId = attemptIdOf(intent);
      if (intent.status === "requires_capture" && attemptId) yield { intent, attemptId };
    }
    const last = page.data.at(-1);
    if (!page.has_more || !last) return;
    startingAfter = last.id;
  }
}

/** The checkout attempt of a PaymentIntent our checkout made (Medusa's provider passes on the id we gave it); null for anyone else's. */
function attemptIdOf(intent: ListedIntent): string | null {
  const attemptId = intent.metadata?.checkout_attempt_id;
  return attemptId && ATTEMPT_ID_PATTERN.test(attemptId) ? attemptId : null;
}

/** Reports one uncaptured authorization, logging the warning unless an earlier sweep did. */
async function warnOnce(deps: UncapturedDeps, intent: ListedIntent, attemptId: string, asOf: Date): Promise<UncapturedPayment> {
  const attempt = await attemptOrNull(deps, attemptId);
  const payment: UncapturedPayment = {
    payment_intent: intent.id,
    attempt_id: attemptId,
    order_id: attempt?.order_id ?? null,
    amount: intent.amount,
    currency: intent.currency,
    expires_at: new Date(intent.created * 1000 + AUTHORIZATION_LIFETIME_MS).toISOString(),
    warned: false,
  };
  if (await warnedBefore(deps, intent.id)) return payment;

  deps.logger.log("warn", UNCAPTURED_WARNING, {
    step: "reconcile",
    outcome: "error",
    payment_intent_id: intent.id,
    order_id: payment.order_id,
    attempt_id: attemptId,
    attempt_found: attempt !== null,
    amount: payment.amount,
    currency: payment.currency,
    expires_at: payment.expires_at,
  });
  try {
    await deps.attempts.put(warnedKey(intent.id), JSON.stringify({ warned_at: asOf.toISOString(), trace_id: deps.logger.traceId }), { expirationTtl: WARNED_TTL_SECONDS });
  } catch (error) {
    // The warning went out; without the note the next sweep repeats it, which beats none.
    deps.logger.log("warn", "uncaptured authorization warning not remembered", { step: "reconcile", outcome: "error", payment_intent_id: intent.id, error: String(error).slice(0, 300) });
  }
  return { ...payment, warned: true };
}

/** Whether an earlier sweep warned about this PaymentIntent. Unreadable: warn (again) rather than stay silent. */
async function warnedBefore(deps: UncapturedDeps, intentId: string): Promise<boolean> {
  try {
    return (await deps.attempts.get(warnedKey(intentId), "json")) !== null;
  } catch {
    return false;
  }
}

/** The attempt, or null when KV no longer has it or can't be read: the warning goes out without its order. */
async function attemptOrNull(deps: UncapturedDeps, attemptId: string): Promise<AttemptRecord | null> {
  try {
    return await readAttempt(deps.attempts, attemptId);
  } catch (error) {
    deps.logger.log("warn", "attempt of an uncaptured authorization not readable", { step: "reconcile", outcome: "error", attempt_id: attemptId, error: String(error).slice(0, 300) });
    return null;
  }
}

const seconds = (ms: number) => Math.floor(ms / 1000);
