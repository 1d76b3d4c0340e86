import { DurableObject } from "cloudflare:workers";
import { readConfig } from "../app/lib/config.server";
import { errorAnswer, type CheckoutAnswer } from "../app/lib/checkout/errors";
import { applyPaymentIntent, type PaymentIntentFacts, type PaymentOutcome } from "../app/lib/checkout/apply-payment.server";
import { prepareForPayment } from "../app/lib/checkout/prepare-for-payment.server";
import type { PrepareRequest } from "../app/lib/checkout/prepare-request";
import { ATTEMPT_TTL_SECONDS, type AttemptStore } from "../app/lib/checkout/attempts.server";
import { createLogger } from "../app/lib/log.server";
import { checkLimits } from "../app/lib/rate-limit.server";
import { readCheckoutCart } from "../app/lib/medusa/cart-details.server";
import { toMinorUnits } from "../app/lib/money";
import { stripeClient } from "../app/lib/stripe.server";
import type { AppConfig } from "../app/lib/config.server";
import { createMedusaClient } from "../app/lib/medusa/client.server";

/**
 * One Durable Object per cart (checkout contract, section 1): it runs prepare-for-payment
 * for its cart one at a time and keeps the idempotency records. KV can't do this: it is
 * eventually consistent and last-write-wins.
 *
 * - Same key, same body, finished: the stored answer, with no backend call.
 * - Same key, same body, still running (a double click): waits for the running one and
 *   gets the same answer, so concurrent duplicates make one set of backend calls.
 * - Same key, another body: `idempotency_key_reused`.
 * - Another key while one runs: `in_progress` with Retry-After.
 * Answers below 500 are stored for 24 hours. 5xx answers are not: the cart was rolled
 * back, so running the same submission again is safe and is what a retry wants. Nor is a
 * `429` (the cart's rate limit): the same submission may run once the minute is over.
 */
export type PaymentCall = { intent: PaymentIntentFacts; eventId: string | null; traceId: string; route: string };

export type PrepareCall = {
  cartId: string;
  key: string;
  /** True when the client sent no key and `key` was derived from cart id + body. */
  derivedKey: boolean;
  bodyHash: string;
  body: PrepareRequest;
  traceId: string;
  route: string;
};

type StoredAnswer = { bodyHash: string; answer: CheckoutAnswer; storedAt: number };
type StoredEvent = { outcome: PaymentOutcome };

const RETENTION_MS = 24 * 60 * 60 * 1000;
/**
 * Everything this object stores (idempotency answers with their client secrets, handled
 * events, its copy of the attempts with their personal data) is deleted this long after
 * the cart's last write: as long as KV keeps the attempts (checkout contract, section 4).
 */
const KEEP_AFTER_LAST_WRITE_MS = ATTEMPT_TTL_SECONDS * 1000;
const RETRY_AFTER_SECONDS = "2";

export class CartCoordinator extends DurableObject<Env> {
  private running: { key: string; bodyHash: string; answer: Promise<CheckoutAnswer> } | null = null;
  /** Everything that writes to this cart runs one after another on this chain. */
  private chain: Promise<unknown> = Promise.resolve();

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.chain.then(work, work);
    this.chain = result.catch(() => undefined);
    return result;
  }

  /**
   * A PaymentIntent's news for this cart (webhook or return page). A Stripe event already
   * handled is answered from storage without repeating the work; the outcome of a
   * transient failure is not stored, so Stripe's retry does the work again.
   */
  async applyPayment(call: PaymentCall): Promise<PaymentOutcome> {
    const logger = createLogger(call.traceId, call.route);
    return this.exclusive(async () => {
      if (call.eventId) {
        const seen = await this.ctx.storage.get<StoredEvent>(`event:${call.eventId}`);
        if (seen) {
          logger.log("info", "duplicate Stripe event", { step: "event_dedupe", event_id: call.eventId, outcome: "hit" });
          return seen.outcome;
        }
      }
      const config = readConfig(this.env);
      const medusa = this.medusa(call);
      const outcome = await applyPaymentIntent(
        { medusa, attempts: this.attemptStore(), logger, voidPayment: (intent) => voidPayment(config, intent) },
        call.intent,
      );
      if (call.eventId && outcome.kind !== "retry") {
        await this.keep<StoredEvent>(`event:${call.eventId}`, { outcome });
      }
      return outcome;
    });
  }

  async prepare(call: PrepareCall): Promise<CheckoutAnswer> {
    const logger = createLogger(call.traceId, call.route);
    const fields = { cart_id: call.cartId, step: "idempotency" };

    const stored = await this.ctx.storage.get<StoredAnswer>(`idem:${call.key}`);
    if (stored && Date.now() - stored.storedAt < RETENTION_MS) {
      if (stored.bodyHash !== call.bodyHash) return this.keyReused(call, logger);
      // A key the shopper chose names one submission. A derived key only says "same cart,
      // same details": the cart may have changed since, so check before replaying.
      if (!call.derivedKey || (await this.stillCurrent(call, stored.answer))) {
        logger.log("info", "replayed stored answer", { ...fields, outcome: "hit", status: stored.answer.status });
        return { ...stored.answer, headers: { ...stored.answer.headers, "idempotent-replayed": "true" } };
      }
      logger.log("info", "stored answer of a derived key is stale: preparing again", { ...fields, outcome: "miss" });
      await this.ctx.storage.delete(`idem:${call.key}`);
    }

    if (this.running) {
      if (this.running.key !== call.key) {
        logger.log("info", "another prepare is running for this cart", { ...fields, outcome: "skipped" });
        return errorAnswer("in_progress", "We're already preparing a payment for this cart. Please wait a moment.", call.traceId, {}, {
          "retry-after": RETRY_AFTER_SECONDS,
        });
      }
      if (this.running.bodyHash !== call.bodyHash) return this.keyReused(call, logger);
      logger.log("info", "joined the running prepare with the same key", { ...fields, outcome: "hit" });
      const answer = await this.running.answer;
      return { ...answer, headers: { ...answer.headers, "idempotent-replayed": "true" } };
    }

    // Only a new run counts against the cart's limit: replays and a double click joining
    // the run in flight don't. Checked inside the run so `running` is set synchronously.
    const answer = this.exclusive(async () => (await this.overLimit(call, logger)) ?? this.run(call));
    this.running = { key: call.key, bodyHash: call.bodyHash, answer };
    try {
      const result = await answer;
      // Derived keys keep only successes: a refusal depends on the cart, which may change.
      if (result.status < 500 && result.status !== 429 && (!call.derivedKey || result.status === 200)) {
        await this.keep<StoredAnswer>(`idem:${call.key}`, { bodyHash: call.bodyHash, answer: result, storedAt: Date.now() });
      }
      return result;
    } finally {
      this.running = null;
    }
  }

  private overLimit(call: PrepareCall, logger: ReturnType<typeof createLogger>): Promise<CheckoutAnswer | null> {
    return checkLimits([{ limiter: this.env.RATE_LIMIT_PREPARE_PER_CART, key: call.cartId, what: "for this cart" }], logger, call.traceId);
  }

  /** One read: is the stored success still the cart's payment (same attempt, same total)? */
  private async stillCurrent(call: PrepareCall, answer: CheckoutAnswer): Promise<boolean> {
    if (answer.status !== 200 || !("client_secret" in answer.body)) return false;
    try {
      const cart = await readCheckoutCart(this.medusa(call), call.cartId);
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

  private medusa(call: { traceId: string; route: string }) {
    const config = readConfig(this.env);
    return createMedusaClient({
      baseUrl: config.MEDUSA_BACKEND_URL,
      publishableKey: config.MEDUSA_PUBLISHABLE_KEY,
      timeoutMs: config.MEDUSA_TIMEOUT_MS,
      logger: createLogger(call.traceId, call.route),
    });
  }

  private async run(call: PrepareCall): Promise<CheckoutAnswer> {
    const logger = createLogger(call.traceId, call.route);
    const medusa = this.medusa(call);
    return prepareForPayment({ medusa, attempts: this.attemptStore(), logger }, call.cartId, call.body);
  }

  /**
   * Attempts of this cart: written to KV (for the webhook's first lookup and the return
   * page) and to this object's storage, which later reads here prefer. Every write of this
   * cart's attempts happens in this object, so its copy is never older than KV's.
   */
  private attemptStore(): AttemptStore {
    const kv = this.env.CHECKOUT_ATTEMPTS;
    const storage = this.ctx.storage;
    return {
      async get(key, type) {
        const own = await storage.get<string>(key);
        return own !== undefined ? JSON.parse(own) : kv.get(key, type);
      },
      put: async (key, value, options) => {
        await this.keep(key, value);
        await kv.put(key, value, options);
      },
    };
  }

  /** Stores `value` and moves the deletion of everything here to KEEP_AFTER_LAST_WRITE_MS from now. */
  private async keep<T>(key: string, value: T): Promise<void> {
    await this.ctx.storage.put<T>(key, value);
    await this.ctx.storage.setAlarm(Date.now() + KEEP_AFTER_LAST_WRITE_MS);
  }

  /** The cart has been quiet for KEEP_AFTER_LAST_WRITE_MS: forget it all. */
  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }

  private keyReused(call: PrepareCall, logger: ReturnType<typeof createLogger>): CheckoutAnswer {
    logger.log("warn", "idempotency key reused with another body", { cart_id: call.cartId, step: "idempotency", outcome: "error" });
    return errorAnswer(
      "idempotency_key_reused",
      "This submission's key was already used for different details. Please submit again.",
      call.traceId,
    );
  }
}

/** Cancels an authorization, or refunds a captured payment, that must not become an order. */
async function voidPayment(config: AppConfig, intent: PaymentIntentFacts): Promise<void> {
  const stripe = stripeClient(config);
  if (intent.status === "requires_capture") {
    await stripe.paymentIntents.cancel(intent.id, { cancellation_reason: "abandoned" }, { idempotencyKey: `void-${intent.id}` });
  } else if (intent.status === "succeeded") {
    await stripe.refunds.create({ payment_intent: intent.id }, { idempotencyKey: `refund-${intent.id}` });
  }
}
