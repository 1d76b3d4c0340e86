import type { Logger } from "../../log.server";
import { unknownToStripe } from "../../stripe.server";
import { readAttempt, transitionAttempt, type AttemptStatus } from "../attempts.server";
import type { OpenAttempt, OpenAttemptIndex } from "../open-attempts";
import { applyPaymentIntent, type PaymentDeps } from "./apply-payment.server";
import type { PaymentIntentFacts } from "./payment-intent";
import type { UncapturedCheck, UncapturedPayment } from "./uncaptured.server";

/**
 * The reconciler (README, "Nothing stays unsettled"; docs/decisions/0008): every few
 * minutes a sweep takes the open attempts from the index and settles each one that should
 * have settled by now from Stripe's truth, in the attempt's cart Durable Object, so it
 * never races the webhook or the return page:
 *
 *   paid (requires_capture, succeeded)  complete the order, or release the money (apply-payment)
 *   canceled, or failed                 record it
 *   never paid within PAYMENT_WINDOW_MS cancel the PaymentIntent, record `expired`
 *   processing, or paid but Medusa busy leave it open for the next sweep
 *
 * After settling, the sweep looks for paid orders whose authorization the merchant hasn't
 * captured 6 days on, a day before Stripe cancels it, and warns once about each
 * (uncaptured.server.ts). That check runs last and can't fail the sweep.
 *
 * A sweep keeps nothing in memory that the next one needs: an attempt leaves the index
 * only once it has settled, and settling twice is harmless (the cart's Durable Object runs
 * one at a time; Stripe calls carry idempotency keys named after the attempt; Medusa's
 * completion is idempotent). A Worker stopped mid-sweep leaves the rest to the next.
 */

/** An attempt is left to its webhook and return page this long before a sweep looks at it. */
export const SETTLE_AFTER_MS = 5 * 60 * 1000;
/** An attempt not paid this long after it was prepared is abandoned: its PaymentIntent is canceled. */
export const PAYMENT_WINDOW_MS = 60 * 60 * 1000;
/** Attempts settled per sweep at most; the rest wait for the next sweep (every 5 minutes). */
export const SWEEP_LIMIT = 50;

/** What one sweep did for one attempt. `done`: it has settled and leaves the index. */
export type Settlement = {
  attempt_id: string;
  cart_id: string;
  action: "completed" | "released" | "expired" | "recorded" | "already_settled" | "still_open" | "missing";
  status: AttemptStatus | null;
  done: boolean;
  order_id?: string;
  detail?: string;
};

export type SettleDeps = PaymentDeps & {
  /** The PaymentIntent as Stripe holds it now. */
  retrieveIntent: (id: string) => Promise<PaymentIntentFacts>;
  /** Cancels an unpaid PaymentIntent, once per idempotency key. */
  cancelIntent: (id: string, idempotencyKey: string) => Promise<void>;
};

/** Statuses after which nothing holds or can take money for the attempt. */
const SETTLED = new Set<AttemptStatus>(["completed", "released", "expired", "canceled"]);
/** PaymentIntent statuses that hold no money and can still be paid: an abandoned one is canceled. */
const UNPAID = new Set(["requires_payment_method", "requires_confirmation", "requires_action"]);

/** Settles one attempt as of `asOf`, from Stripe's truth. Runs in the attempt's cart Durable Object. */
export async function settleAttempt(deps: SettleDeps, entry: OpenAttempt, asOf: Date): Promise<Settlement> {
  const base = { attempt_id: entry.attempt_id, cart_id: entry.cart_id };
  const attempt = await readAttempt(deps.attempts, entry.attempt_id);
  // Prepare failed after indexing it (and rolled back): no payment was handed out.
  if (!attempt) return { ...base, action: "missing", status: null, done: true };
  if (SETTLED.has(attempt.status)) return { ...base, action: "already_settled", status: attempt.status, done: true, ...(attempt.order_id ? { order_id: attempt.order_id } : {}) };

  let intent: PaymentIntentFacts;
  try {
    intent = await deps.logger.step("retrieve_payment_intent", () => deps.retrieveIntent(attempt.payment_intent_id), base);
  } catch (error) {
    // No payment exists under this id (a session Medusa never got to create): nothing to settle.
    if (unknownToStripe(error)) return { ...base, action: "recorded", status: attempt.status, done: true, detail: "payment intent unknown to Stripe" };
    throw error;
  }
  if (attempt.status === "amount_mismatch") {
    // No order for a wrong amount; make sure its payment was given back (same key as the first void).
    const released = await deps.releasePayment(intent, `void-${intent.id}`);
    return { ...base, action: "recorded", status: "amount_mismatch", done: true, detail: released ? `${released.action} ${released.id}` : "holds no money" };
  }

  const outcome = await applyPaymentIntent({ ...deps, now: () => asOf }, intent);
  switch (outcome.kind) {
    case "completed":
      return { ...base, action: "completed", status: "completed", done: true, order_id: outcome.orderId };
    case "released":
      return { ...base, action: "released", status: "released", done: true, detail: `${outcome.release.reason}: ${outcome.release.action} ${outcome.release.stripe_id}` };
    case "amount_mismatch":
      // Voided on the way; the next sweep checks the void went through.
      return { ...base, action: "recorded", status: "amount_mismatch", done: false };
    case "retry":
      return { ...base, action: "still_open", status: attempt.status, done: false, detail: outcome.reason };
    case "ignored":
      return { ...base, action: "recorded", status: attempt.status, done: true, detail: outcome.reason };
    case "recorded":
      if (SETTLED.has(outcome.status)) return { ...base, action: "recorded", status: outcome.status, done: true };
      break;
    case "not_paid":
      break;
  }

  const age = asOf.getTime() - Date.parse(attempt.created_at);
  if (!UNPAID.has(intent.status) || age < PAYMENT_WINDOW_MS) {
    return { ...base, action: "still_open", status: attempt.status, done: false, detail: `payment intent ${intent.status}` };
  }
  await deps.logger.step("expire_payment_intent", () => deps.cancelIntent(intent.id, `expire-${attempt.id}`), base);
  await transitionAttempt(deps.attempts, attempt.id, "expired", {
    trace_id: deps.logger.traceId,
    reason: `not paid within ${PAYMENT_WINDOW_MS / 60_000} minutes: payment intent canceled`,
  });
  deps.logger.log("info", "abandoned checkout attempt expired", { ...base, step: "expire_attempt", outcome: "ok", payment_intent_id: intent.id });
  return { ...base, action: "expired", status: "expired", done: true };
}

export type SweepOptions = {
  /** The sweep's clock: now, or (development only) a later time to test what a sweep then does. */
  asOf: Date;
  /** Only these attempts of the index (an operator settling one; a test keeping to its own). */
  attemptIds?: string[];
  limit?: number;
};

export type SweepReport = {
  as_of: string;
  /** Open attempts in the index (of those asked for). */
  open: number;
  /** Of them, old enough to be settled by this sweep. */
  due: number;
  settled: Settlement[];
  still_open: number;
  /** Due, but past this sweep's limit: left for the next sweep. */
  deferred: number;
  errors: { attempt_id: string; cart_id: string; error: string }[];
  /** Paid orders' authorizations created 7 to 6 days before `as_of` and still not captured. */
  uncaptured: UncapturedPayment[];
  /** How that check went: Stripe pages read, whether it stopped at its page limit, its error. */
  uncaptured_check: Omit<UncapturedCheck, "uncaptured">;
  duration_ms: number;
};

export type SweepDeps = {
  index: Pick<OpenAttemptIndex, "list">;
  /** Settles one attempt in its cart's Durable Object (which removes it from the index once done). */
  settle: (entry: OpenAttempt, asOf: Date) => Promise<Settlement>;
  /** Lists and warns about uncaptured authorizations near expiry (of these attempts only, when named). */
  checkUncaptured: (asOf: Date, only: ReadonlySet<string> | null) => Promise<UncapturedCheck>;
  logger: Logger;
};

/** One sweep: the due open attempts, oldest first, one at a time, up to the limit. */
export async function sweep(deps: SweepDeps, options: SweepOptions): Promise<SweepReport> {
  const started = Date.now();
  const limit = options.limit ?? SWEEP_LIMIT;
  const wanted = options.attemptIds ? new Set(options.attemptIds) : null;
  const open = (await deps.index.list()).filter((entry) => !wanted || wanted.has(entry.attempt_id));
  const due = open.filter((entry) => options.asOf.getTime() - Date.parse(entry.created_at) >= SETTLE_AFTER_MS);

  const settled: Settlement[] = [];
  const errors: SweepReport["errors"] = [];
  for (const entry of due.slice(0, limit)) {
    try {
      const result = await deps.settle(entry, options.asOf);
      settled.push(result);
      const { status, ...rest } = result;
      deps.logger.log("info", "attempt reconciled", { step: "reconcile_attempt", outcome: "ok", ...rest, attempt_status: status });
    } catch (error) {
      errors.push({ attempt_id: entry.attempt_id, cart_id: entry.cart_id, error: String(error).slice(0, 300) });
      deps.logger.log("warn", "attempt not reconciled", { step: "reconcile_attempt", outcome: "error", attempt_id: entry.attempt_id, cart_id: entry.cart_id, error: String(error).slice(0, 300) });
    }
  }
  // After settling, so a Stripe listing that fails or runs long never holds back an order.
  const { uncaptured, ...uncapturedCheck } = await deps.checkUncaptured(options.asOf, wanted).catch(
    (error: unknown): UncapturedCheck => ({ uncaptured: [], pages: 0, capped: false, error: String(error).slice(0, 300) }),
  );
  const report: SweepReport = {
    as_of: options.asOf.toISOString(),
    open: open.length,
    due: due.length,
    settled,
    still_open: settled.filter((result) => !result.done).length,
    deferred: Math.max(0, due.length - limit),
    errors,
    uncaptured,
    uncaptured_check: uncapturedCheck,
    duration_ms: Date.now() - started,
  };
  const { settled: _settled, errors: _errors, uncaptured: _uncaptured, uncaptured_check: _check, ...counts } = report;
  deps.logger.log(errors.length > 0 ? "error" : "info", "reconcile sweep", {
    step: "reconcile",
    outcome: errors.length > 0 ? "error" : "ok",
    ...counts,
    settled_count: settled.filter((result) => result.done).length,
    error_count: errors.length,
    uncaptured_count: uncaptured.length,
    uncaptured_warned: uncaptured.filter((payment) => payment.warned).length,
    uncaptured_capped: uncapturedCheck.capped,
    uncaptured_error: uncapturedCheck.error,
  });
  return report;
}
