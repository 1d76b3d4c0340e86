import type { Logger } from "../../log.server";
import { classifyMedusaError, type MedusaClient } from "../../medusa/client.server";
import { addShippingMethod, readCheckoutCart, updateCartDetails } from "../../medusa/cart.server";
import { getOrCreatePaymentCollection, STRIPE_PROVIDER_ID, type SessionOptions } from "../../medusa/payment.server";
import { transferCart } from "../../medusa/customer.server";
import { linesShortOfStock } from "../../medusa/catalog.server";
import { stripeSessionData, type CheckoutCart, type PaymentCollection } from "../../medusa/schemas";
import type { ShortLine } from "../../stock";
import { toMinorUnits } from "../../money";
import { createAttempt, newAttemptId, type AttemptStore } from "../attempts.server";
import type { OpenAttemptIndex } from "../open-attempts";
import { errorAnswer, type CheckoutAnswer } from "../../http/answer";
import type { PrepareRequest } from "../contract";
import { StepFailure, type PrepareStep as Step } from "./steps";
import { restoreSnapshot, takeSnapshot, type CartSnapshot } from "./rollback.server";

/**
 * prepare-for-payment (checkout contract, section 2): sets contact details, addresses and
 * the shipping method on the Medusa cart, creates a fresh Stripe payment session, checks
 * that the PaymentIntent charges exactly the cart's fresh total, and records the attempt.
 *
 * The order is forced by Medusa: an address change drops or reprices shipping methods, and
 * any total change deletes payment sessions. So addresses first, shipping second, payment
 * last, and a final read proves nothing moved in between. Any failure undoes what was
 * done (rollback.server.ts) and says so. Callers serialize per cart (the cart's Durable
 * Object) and handle idempotency.
 */
export type PrepareDeps = {
  medusa: MedusaClient;
  attempts: AttemptStore;
  logger: Logger;
  /** Where the reconciler finds open attempts (open-attempts.ts). */
  openAttempts: Pick<OpenAttemptIndex, "add">;
  /** The signed-in customer (null for a guest): the order is theirs, their cards may be saved and used. */
  customer: PreparingCustomer | null;
  /**
   * Creates the payment session. For a signed-in customer, the cart's Durable Object
   * sends it through the customer's own (workers/customer-coordinator.ts): one at a time
   * per customer, because Medusa's account-holder creation isn't safe under concurrency.
   */
  createSession: (collectionId: string, attemptId: string, options: SessionOptions) => Promise<PaymentCollection>;
};

export type PreparingCustomer = { id: string; token: string };

/** Writes whose request may still reach Medusa after we stopped waiting for it. */
const WRITE_STEPS = new Set<Step>(["update_cart", "add_shipping_method", "create_payment_session"]);

export async function prepareForPayment(deps: PrepareDeps, cartId: string, input: PrepareRequest): Promise<CheckoutAnswer> {
  const { medusa, logger } = deps;
  const traceId = logger.traceId;
  const attemptId = newAttemptId();
  const fields = { cart_id: cartId, attempt_id: attemptId };
  // Set just before the first write: whether there is anything to roll back.
  let snapshot: CartSnapshot | null = null;

  const run = async <T>(step: Step, work: () => Promise<T>): Promise<T> => {
    try {
      return await logger.step(step, work, fields);
    } catch (error) {
      throw error instanceof StepFailure ? error : toStepFailure(step, error);
    }
  };

  try {
    // 1. The cart as it is now, with its stock: refuse what can't be paid before any money
    // is asked for, remember what to restore.
    const { cart, short } = await run("read_cart", async () => {
      let found = await readCheckoutCart(medusa, cartId);
      // A signed-in customer's cart is theirs (moved at sign-in, or made with their token);
      // one that isn't yet (made in another tab before signing in) is moved now, so the order is theirs.
      if (deps.customer && !found.completed_at && found.customer_id !== deps.customer.id) {
        await transferCart(medusa, deps.customer.token, cartId);
        found = await readCheckoutCart(medusa, cartId);
      }
      return { cart: found, short: await shortOfStock(medusa, found) };
    });
    if (cart.completed_at) throw new StepFailure("read_cart", "cart_completed", "This cart has already been ordered.");
    if (cart.items.length === 0) throw new StepFailure("read_cart", "invalid_request", "Your cart is empty.");
    if (short.length > 0) throw new StepFailure("read_cart", "out_of_stock", outOfStockMessage(short), { lines: short });
    checkRequestAgainstCart(cart, input);
    snapshot = takeSnapshot(cart);

    // 2. Contact details and addresses; the attempt id goes to cart metadata, which Medusa
    // copies to the order, so an order leads back to its attempt.
    await run("update_cart", () =>
      updateCartDetails(medusa, cartId, {
        email: input.email,
        shipping_address: input.shipping_address,
        billing_address: input.billing_address ?? input.shipping_address,
        metadata: { checkout_attempt_id: attemptId },
      }),
    );

    // 3. The shipping method, priced for the new address.
    const shipped = await run("add_shipping_method", () => addShippingMethod(medusa, cartId, input.shipping_option_id));
    const total = toMinorUnits(shipped.total, shipped.currency_code);
    if (input.expected_total !== undefined && input.expected_total !== total) {
      throw new StepFailure("add_shipping_method", "total_changed", "The total changed since you last saw it. Please confirm the new total.", { amount: total });
    }

    // The reconciler must know the attempt before any payment for it can exist.
    await run("index_attempt", () => deps.openAttempts.add({ attempt_id: attemptId, cart_id: cartId, created_at: new Date().toISOString() }));

    // 4 + 5. A fresh payment session, verified against the fresh total. Another tab can
    // change the cart in between (Medusa then deletes our session): redo once, then give up.
    let prepared: Awaited<ReturnType<typeof createVerifiedSession>> | null = null;
    for (let round = 1; round <= 2 && !prepared; round++) {
      prepared = await createVerifiedSession(deps, run, shipped, attemptId, round, sessionOptions(deps.customer, input));
    }
    if (!prepared) throw new StepFailure("verify_amount", "cart_changed", "Your cart changed while we prepared the payment. Please review it and try again.");
    if (input.expected_total !== undefined && prepared.amount !== input.expected_total) {
      throw new StepFailure("verify_amount", "total_changed", "The total changed since you last saw it. Please confirm the new total.", { amount: prepared.amount });
    }

    // 6. The attempt record the webhook and the return page will read.
    const { cart: final } = prepared;
    await run("write_attempt", () =>
      createAttempt(deps.attempts, {
        id: attemptId,
        cart_id: cartId,
        trace_id: traceId,
        customer_id: deps.customer?.id ?? null,
        email: input.email,
        shipping_address: input.shipping_address,
        items: final.items.map((item) => ({
          title: item.product_title,
          variant_title: item.variant_title,
          variant_id: item.variant_id,
          product_id: item.product_id,
          quantity: item.quantity,
          unit_price: toMinorUnits(item.unit_price, final.currency_code),
        })),
        totals: {
          total: prepared.amount,
          subtotal: toMinorUnits(final.item_subtotal ?? final.subtotal ?? 0, final.currency_code),
          tax: toMinorUnits(final.tax_total ?? 0, final.currency_code),
          shipping: toMinorUnits(final.shipping_total ?? 0, final.currency_code),
        },
        currency_code: prepared.currency,
        amount: prepared.amount,
        payment_intent_id: prepared.paymentIntentId,
        payment_collection_id: prepared.paymentCollectionId,
      }),
    );

    return {
      status: 200,
      body: {
        client_secret: prepared.clientSecret,
        checkout_attempt_id: attemptId,
        payment_intent_id: prepared.paymentIntentId,
        amount: prepared.amount,
        currency_code: prepared.currency,
        trace_id: traceId,
      },
    };
  } catch (error) {
    const failure = error instanceof StepFailure ? error : toStepFailure("read_cart", error);
    if (!snapshot) return errorAnswer(failure.code, failure.message, traceId, { step: failure.step, ...failure.extra });
    const restored = await restoreSnapshot(medusa, logger, cartId, snapshot, fields);
    // A write we gave up on may still land after the restore (a slow Medusa, not a dead
    // one), so its outcome is unknown: never call that "rolled back".
    const leftChanged =
      failure.code === "backend_timeout" && WRITE_STEPS.has(failure.step) ? [...restored.leftChanged, "unconfirmed_write"] : restored.leftChanged;
    return errorAnswer(failure.code, failure.message, traceId, {
      step: failure.step,
      ...failure.extra,
      rolled_back: leftChanged.length === 0,
      left_changed: leftChanged,
    });
  }
}

/** Steps 4 and 5 once: a new session, then proof that it charges the cart's fresh total. */
async function createVerifiedSession(
  deps: PrepareDeps,
  run: <T>(step: Step, work: () => Promise<T>) => Promise<T>,
  cart: CheckoutCart,
  attemptId: string,
  round: number,
  options: SessionOptions,
) {
  const { medusa, logger } = deps;
  const collection = await run("create_payment_session", async () => {
    const collectionId = cart.payment_collection?.id ?? (await getOrCreatePaymentCollection(medusa, cart.id)).id;
    return deps.createSession(collectionId, attemptId, options);
  });
  const session = collection.payment_sessions.find((candidate) => candidate.provider_id === STRIPE_PROVIDER_ID);
  const intent = stripeSessionData.safeParse(session?.data);
  if (!session || !intent.success || !intent.data.client_secret) {
    throw new StepFailure("create_payment_session", "backend_error", "The payment provider did not return a usable payment. Please try again.");
  }

  const fresh = await run("verify_amount", () => readCheckoutCart(medusa, cart.id));
  const amount = toMinorUnits(fresh.total, fresh.currency_code);
  const currency = fresh.currency_code.toLowerCase();
  const sessionStillThere = fresh.payment_collection?.payment_sessions.some((candidate) => candidate.id === session.id) ?? false;
  if (intent.data.amount === amount && intent.data.currency.toLowerCase() === currency && sessionStillThere) {
    return {
      cart: fresh,
      amount,
      currency,
      clientSecret: intent.data.client_secret,
      paymentIntentId: intent.data.id,
      paymentCollectionId: collection.id,
    };
  }
  logger.log("warn", "payment amount does not match the fresh cart total", {
    step: "verify_amount",
    cart_id: cart.id,
    attempt_id: attemptId,
    outcome: "error",
    round,
    intent_amount: intent.data.amount,
    cart_amount: amount,
    session_still_there: sessionStillThere,
  });
  return null;
}

/** What the session asks of Stripe: for a signed-in customer, their saved card or saving the new one. */
function sessionOptions(customer: PreparingCustomer | null, input: PrepareRequest): SessionOptions {
  if (!customer) return {};
  return { token: customer.token, saveCard: input.save_card === true, paymentMethodId: input.payment_method_id };
}

/** The cart's lines Medusa can't supply now (managed stock, no backorders), per variant. */
function shortOfStock(medusa: MedusaClient, cart: CheckoutCart): Promise<ShortLine[]> {
  if (cart.completed_at) return Promise.resolve([]);
  return linesShortOfStock(medusa, cart.items.map((item) => ({ ...item, title: item.product_title })));
}

function outOfStockMessage(short: ShortLine[]): string {
  const parts = short.map((line) => (line.available === 0 ? `${line.title ?? "An item"} is sold out` : `only ${line.available} of ${line.title ?? "an item"} left (you have ${line.wanted})`));
  return `Not enough stock: ${parts.join("; ")}. Update your cart to continue; nothing was charged.`;
}

/** Business checks that need the cart: its region serves the country; its own collection. */
function checkRequestAgainstCart(cart: CheckoutCart, input: PrepareRequest) {
  const served = new Set((cart.region?.countries ?? []).map((country) => country.iso_2.toLowerCase()));
  const fields: Record<string, string> = {};
  if (served.size > 0) {
    if (!served.has(input.shipping_address.country_code)) fields["shipping_address.country_code"] = "We don't ship to this country.";
    if (input.billing_address && !served.has(input.billing_address.country_code)) {
      fields["billing_address.country_code"] = "Choose a country from the list.";
    }
  }
  if (input.payment_collection_id && input.payment_collection_id !== cart.payment_collection?.id) {
    fields.payment_collection_id = "This payment is not for this cart.";
  }
  if (Object.keys(fields).length > 0) {
    throw new StepFailure("read_cart", "invalid_request", "Some details need your attention.", { fields });
  }
}

/** Medusa's failures in the contract's words; never its internals. */
function toStepFailure(step: Step, error: unknown): StepFailure {
  const kind = classifyMedusaError(error);
  if (kind === null) return new StepFailure(step, "backend_error", "Something went wrong while preparing your payment. Nothing was charged; please try again.");
  if (kind === "timeout") return new StepFailure(step, "backend_timeout", "Our shop took too long to answer. Nothing was charged; please try again.");
  if (kind === "not_found" && step === "read_cart") return new StepFailure(step, "cart_not_found", "We couldn't find this cart.");
  if (kind === "cart_completed") return new StepFailure(step, "cart_completed", "This cart has already been ordered.");
  if (kind !== "unavailable" && step === "add_shipping_method") {
    return new StepFailure(step, "shipping_option_unavailable", "This shipping option isn't available for your address. Please choose another.", {
      fields: { shipping_option_id: "This option isn't available for your address." },
    });
  }
  return new StepFailure(step, "backend_error", "Our shop couldn't prepare your payment. Nothing was charged; please try again.");
}
