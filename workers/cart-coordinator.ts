import { DurableObject } from "cloudflare:workers";
import { applyPaymentEvent, type EventStore, type PaymentOutcome } from "../app/lib/checkout/payment/apply-payment.server";
import { paymentIntentFacts, paymentIntentSchema, type PaymentIntentFacts } from "../app/lib/checkout/payment/payment-intent";
import { settleAttempt, type Settlement } from "../app/lib/checkout/payment/reconcile.server";
import type { OpenAttempt } from "../app/lib/checkout/open-attempts";
import { ATTEMPT_TTL_SECONDS, type AttemptStore } from "../app/lib/checkout/attempts.server";
import { SubmissionLedger, type StoredAnswer } from "../app/lib/checkout/prepare/idempotency.server";
import { prepareInCart, type PrepareCall } from "../app/lib/checkout/prepare/pipeline.server";
import { readConfig, type AppConfig } from "../app/lib/config.server";
import type { CheckoutAnswer } from "../app/lib/http/answer";
import { createLogger, type Logger } from "../app/lib/log.server";
import { asPlainFailure, medusaClientFor, orMedusaError } from "../app/lib/medusa/client.server";
import { createStripePaymentSession, type SessionOptions } from "../app/lib/medusa/payment.server";
import type { Address } from "../app/lib/medusa/schemas";
import type { CustomerSessionAnswer } from "./customer-coordinator";
import { cancelPaymentIntent, releasePayment, retrievePaymentIntent } from "../app/lib/stripe.server";
import { attemptIndex } from "./attempt-index";
import { performCartWrite, type CartWrite, type CartWriteAnswer } from "../app/lib/cart-writes.server";
import { settleBeforeCartWrite } from "../app/lib/checkout/payment/in-flight.server";

/**
 * One Durable Object per cart (checkout contract, section 1). It decides nothing about
 * checkout itself: it runs everything that writes to its cart one at a time, and keeps
 * what must outlive a request (idempotency answers, handled Stripe events, its copy of the
 * cart's attempts). KV can't do this: it is eventually consistent and last-write-wins.
 * What runs here is the checkout's: prepareInCart (checkout/prepare/pipeline.server.ts) with
 * its idempotency policy (prepare/idempotency.server.ts), and applyPaymentIntent
 * (checkout/payment/apply-payment.server.ts), and the reconciler's settleAttempt
 * (checkout/payment/reconcile.server.ts). It also keeps the shop's index of open attempts
 * (attempt-index.ts) up to date for its cart: added by prepare, removed once settled.
 */
export type PaymentCall = { intent: PaymentIntentFacts; eventId: string | null; traceId: string; route: string };
export type ReconcileCall = { entry: OpenAttempt; asOf: string; traceId: string };
export type CartWriteCall = { cartId: string; write: CartWrite; traceId: string; route: string };
export type { PrepareCall };

type StoredEvent = { outcome: PaymentOutcome };

/**
 * Everything this object stores (idempotency answers with their client secrets, handled
 * events, its copy of the attempts with their personal data) is deleted this long after
 * the cart's last write: as long as KV keeps the attempts (checkout contract, section 4).
 */
const KEEP_AFTER_LAST_WRITE_MS = ATTEMPT_TTL_SECONDS * 1000;

export class CartCoordinator extends DurableObject<Env> {
  /** Everything that writes to this cart runs one after another on this chain. */
  private chain: Promise<unknown> = Promise.resolve();
  private readonly ledger = new SubmissionLedger({
    get: (key) => this.ctx.storage.get<StoredAnswer>(key),
    put: (key, value) => this.keep(key, value),
    delete: async (key) => {
      await this.ctx.storage.delete(key);
    },
  });

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.chain.then(work, work);
    this.chain = result.catch(() => undefined);
    return result;
  }

  async prepare(call: PrepareCall): Promise<CheckoutAnswer> {
    const logger = createLogger(call.traceId, call.route);
    const medusa = medusaClientFor(readConfig(this.env), logger);
    const deps = {
      medusa,
      createSession: async (collectionId: string, attemptId: string, options: SessionOptions) => {
        if (!call.customer) return createStripePaymentSession(medusa, collectionId, attemptId, options);
        // A signed-in customer's sessions, one at a time per customer (customer-coordinator.ts).
        // (The RPC stub's type drops the collection's `unknown` session data: the object sends it as is.)
        const answer = (await this.env.CUSTOMER_COORDINATOR.getByName(call.customer.id).createPaymentSession({
          customerId: call.customer.id,
          collectionId,
          attemptId,
          options,
          traceId: call.traceId,
          route: call.route,
        })) as CustomerSessionAnswer;
        return orMedusaError(answer).collection;
      },
      attempts: this.attemptStore(),
      openAttempts: attemptIndex(this.env),
      logger,
      ledger: this.ledger,
      cartLimiter: this.env.RATE_LIMIT_PREPARE_PER_CART,
      exclusive: <T>(work: () => Promise<T>) => this.exclusive(work),
      saveAddress: async (customer: { id: string; token: string }, address: Address) => {
        try {
          await this.env.CUSTOMER_COORDINATOR.getByName(customer.id).saveAddress({ token: customer.token, address, traceId: call.traceId, route: call.route });
        } catch (error) {
          // Best effort: the payment is prepared whatever happens to the address book.
          logger.log("warn", "checkout address not saved", { step: "save_address", outcome: "error", error: String(error) });
        }
      },
    };
    return prepareInCart(deps, call);
  }

  /** A PaymentIntent's news for this cart (webhook or return page), after the cart's other writes. */
  async applyPayment(call: PaymentCall): Promise<PaymentOutcome> {
    const logger = createLogger(call.traceId, call.route);
    const events: EventStore = {
      get: async (eventId) => (await this.ctx.storage.get<StoredEvent>(`event:${eventId}`))?.outcome,
      put: (eventId, outcome) => this.keep<StoredEvent>(`event:${eventId}`, { outcome }),
    };
    const outcome = await this.exclusive(() => applyPaymentEvent({ ...this.paymentDeps(readConfig(this.env), logger), events }, call.intent, call.eventId));
    const settled = outcome.kind === "completed" || outcome.kind === "released" || (outcome.kind === "recorded" && (outcome.status === "canceled" || outcome.status === "expired"));
    if (settled && call.intent.attemptId) await this.forget(call.intent.attemptId, logger);
    return outcome;
  }

  /**
   * A shopper's change to the cart (cart-writes.server.ts), after its other writes; a
   * payment in flight is settled first (in-flight.server.ts).
   */
  async writeCart(call: CartWriteCall): Promise<CartWriteAnswer> {
    const logger = createLogger(call.traceId, call.route);
    const config = readConfig(this.env);
    const medusa = medusaClientFor(config, logger);
    return this.exclusive(() =>
      asPlainFailure(async () => {
        const verdict = await settleBeforeCartWrite(
          {
            ...this.stripeDeps(config),
            attempts: this.attemptStore(),
            attemptIds: async () => [...(await this.ctx.storage.list({ prefix: "attempt:" })).keys()].map((key) => key.slice("attempt:".length)),
            forget: (attemptId) => this.forget(attemptId, logger),
            logger,
          },
          call.cartId,
        );
        if (verdict.kind === "refused") return { problem: { code: "payment_in_progress", message: verdict.message } };
        const result = await performCartWrite(medusa, call.cartId, call.write);
        return verdict.kind === "canceled" ? { ...result, notice: verdict.notice } : result;
      }),
    );
  }

  /** The reconciler's sweep settling one of this cart's attempts (reconcile.server.ts). */
  async reconcile(call: ReconcileCall): Promise<Settlement> {
    const logger = createLogger(call.traceId, "reconcile");
    const config = readConfig(this.env);
    const deps = { ...this.paymentDeps(config, logger), ...this.stripeDeps(config) };
    const result = await this.exclusive(() => settleAttempt(deps, call.entry, new Date(call.asOf)));
    if (result.done) await this.forget(call.entry.attempt_id, logger);
    return result;
  }

  private stripeDeps(config: AppConfig) {
    return {
      retrieveIntent: async (id: string) => paymentIntentFacts(paymentIntentSchema.parse(await retrievePaymentIntent(config, id))),
      cancelIntent: (id: string, key: string) => cancelPaymentIntent(config, id, key),
    };
  }

  private paymentDeps(config: AppConfig, logger: Logger) {
    return {
      medusa: medusaClientFor(config, logger),
      attempts: this.attemptStore(),
      logger,
      releasePayment: (intent: PaymentIntentFacts, key: string) => releasePayment(config, intent, key),
    };
  }

  /**
   * A settled attempt leaves the index of open ones. If that fails, the next sweep finds it
   * settled and removes it then.
   */
  private async forget(attemptId: string, logger: Logger): Promise<void> {
    try {
      await attemptIndex(this.env).remove(attemptId);
    } catch (error) {
      logger.log("warn", "settled attempt not removed from the open index", { step: "index_attempt", outcome: "error", attempt_id: attemptId, error: String(error) });
    }
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
}
