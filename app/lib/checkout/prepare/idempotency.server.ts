import { errorAnswer, type CheckoutAnswer } from "../../http/answer";
import type { Logger } from "../../log.server";
import type { CheckoutCart } from "../../medusa/schemas";
import { toMinorUnits } from "../../money";
import { sha256Hex } from "../../sha256";

/**
 * The idempotency policy of prepare-for-payment (checkout contract, section 2), for one
 * cart. The cart's Durable Object keeps one ledger and runs one submission at a time, so
 * `running` is this cart's submission in flight.
 *
 * - Same key, same body, finished: the stored answer, with no backend call.
 * - Same key, same body, still running (a double click): waits for the running one and
 *   gets the same answer, so concurrent duplicates make one set of backend calls.
 * - Same key, another body: `idempotency_key_reused`.
 * - Another key while one runs: `in_progress` with Retry-After.
 * A stored success whose attempt has ended (expired, canceled, released) is not replayed:
 * its client secret can't pay any more, so the submission runs again.
 * Answers below 500 are stored for 24 hours. 5xx answers are not: the cart was rolled
 * back, so running the same submission again is safe and is what a retry wants. Nor is a
 * `429` (the cart's rate limit): the same submission may run once the minute is over.
 * A derived key (the client sent none) keeps only successes, and is checked against the
 * cart before it is replayed.
 */
export const RETENTION_MS = 24 * 60 * 60 * 1000;
const RETRY_AFTER_SECONDS = "2";

export type Submission = {
  cartId: string;
  key: string;
  /** True when the client sent no key and `key` was derived from cart id + body. */
  derivedKey: boolean;
  bodyHash: string;
  traceId: string;
};

export type StoredAnswer = { bodyHash: string; answer: CheckoutAnswer; storedAt: number };

/** Where the ledger keeps its answers (the Durable Object's storage). */
export type AnswerStore = {
  get(key: string): Promise<StoredAnswer | undefined>;
  put(key: string, value: StoredAnswer): Promise<void>;
  delete(key: string): Promise<void>;
};

export type SubmissionWork = {
  /** Runs the submission (serialized with the cart's other writes by the caller). */
  run: () => Promise<CheckoutAnswer>;
  /** The cart as it is now, to tell whether a derived key's stored success still holds. */
  readCart: () => Promise<CheckoutCart>;
  /** Whether this attempt's payment can no longer be paid (its record, no backend call). */
  attemptEnded: (attemptId: string) => Promise<boolean>;
};

export class SubmissionLedger {
  private running: { key: string; bodyHash: string; answer: Promise<CheckoutAnswer> } | null = null;

  constructor(private readonly store: AnswerStore) {}

  async submit(submission: Submission, logger: Logger, work: SubmissionWork): Promise<CheckoutAnswer> {
    const fields = { cart_id: submission.cartId, step: "idempotency" };
    const storageKey = `idem:${submission.key}`;

    const stored = await this.store.get(storageKey);
    if (stored && Date.now() - stored.storedAt < RETENTION_MS) {
      if (stored.bodyHash !== submission.bodyHash) return keyReused(submission, logger);
      // A key the shopper chose names one submission. A derived key only says "same cart,
      // same details": the cart may have changed since, so check before replaying. Neither
      // replays a payment that can no longer be paid (expired, canceled, released).
      const ended = await paymentEnded(work, stored.answer);
      if (!ended && (!submission.derivedKey || (await stillCurrent(work, stored.answer)))) {
        logger.log("info", "replayed stored answer", { ...fields, outcome: "hit", status: stored.answer.status });
        return replayed(stored.answer);
      }
      logger.log("info", ended ? "stored answer's payment has ended: preparing again" : "stored answer of a derived key is stale: preparing again", { ...fields, outcome: "miss" });
      await this.store.delete(storageKey);
    }

    if (this.running) {
      if (this.running.key !== submission.key) {
        logger.log("info", "another prepare is running for this cart", { ...fields, outcome: "skipped" });
        return errorAnswer("in_progress", "We're already preparing a payment for this cart. Please wait a moment.", submission.traceId, {}, {
          "retry-after": RETRY_AFTER_SECONDS,
        });
      }
      if (this.running.bodyHash !== submission.bodyHash) return keyReused(submission, logger);
      logger.log("info", "joined the running prepare with the same key", { ...fields, outcome: "hit" });
      return replayed(await this.running.answer);
    }

    // Set synchronously with the start of the run, so a second call sees it.
    const answer = work.run();
    this.running = { key: submission.key, bodyHash: submission.bodyHash, answer };
    try {
      const result = await answer;
      if (worthStoring(result, submission.derivedKey)) {
        await this.store.put(storageKey, { bodyHash: submission.bodyHash, answer: result, storedAt: Date.now() });
      }
      return result;
    } finally {
      this.running = null;
    }
  }
}

/** No 5xx (rolled back: run again), no 429 (run once the minute is over); derived keys only successes. */
function worthStoring(answer: CheckoutAnswer, derivedKey: boolean): boolean {
  return answer.status < 500 && answer.status !== 429 && (!derivedKey || answer.status === 200);
}

function replayed(answer: CheckoutAnswer): CheckoutAnswer {
  return { ...answer, headers: { ...answer.headers, "idempotent-replayed": "true" } };
}

async function paymentEnded(work: SubmissionWork, answer: CheckoutAnswer): Promise<boolean> {
  if (answer.status !== 200 || !("checkout_attempt_id" in answer.body)) return false;
  return work.attemptEnded(answer.body.checkout_attempt_id);
}

/** One read: is the stored success still the cart's payment (same attempt, same total)? */
async function stillCurrent(work: SubmissionWork, answer: CheckoutAnswer): Promise<boolean> {
  if (answer.status !== 200 || !("client_secret" in answer.body)) return false;
  try {
    const cart = await work.readCart();
    return (
      !cart.completed_at &&
      cart.metadata?.checkout_attempt_id === answer.body.checkout_attempt_id &&
      toMinorUnits(cart.total, cart.currency_code) === answer.body.amount &&
      (cart.payment_collection?.payment_sessions.length ?? 0) > 0
    );
  } catch {
    return false;
  }
}

function keyReused(submission: Submission, logger: Logger): CheckoutAnswer {
  logger.log("warn", "idempotency key reused with another body", { cart_id: submission.cartId, step: "idempotency", outcome: "error" });
  return errorAnswer(
    "idempotency_key_reused",
    "This submission's key was already used for different details. Please submit again.",
    submission.traceId,
  );
}

/** JSON with object keys sorted, so equal bodies hash equal whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, entry]) => entry !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${canonicalJson(entry)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * The submission's key and body hash. Without a key from the client, the same cart and
 * the same details are the same submission, so a blind retry is still recognised.
 */
export async function identify(cartId: string, body: unknown, clientKey: string | undefined) {
  const canonical = canonicalJson(body);
  const bodyHash = await sha256Hex(canonical);
  const key = clientKey ?? `derived:${await sha256Hex(`${cartId}\n${canonical}`)}`;
  return { key, derivedKey: clientKey === undefined, bodyHash };
}
