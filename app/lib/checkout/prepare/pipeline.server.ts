import type { AppLoadContext } from "react-router";
import { readCartId } from "../../cart-cookie.server";
import { errorAnswer, toResponse, type CheckoutAnswer } from "../../http/answer";
import { fieldErrors } from "../../http/field-errors";
import { checkLimits, clientKey } from "../../http/rate-limit.server";
import { readJsonOrForm } from "../../http/request-body.server";
import type { Logger } from "../../log.server";
import type { MedusaClient } from "../../medusa/client.server";
import type { Address } from "../../medusa/schemas";
import { readCheckoutCart } from "../../medusa/cart.server";
import { readAttempt, type AttemptStatus, type AttemptStore } from "../attempts.server";
import type { OpenAttemptIndex } from "../open-attempts";
import { idempotencyKey, prepareRequest, type PrepareRequest } from "../contract";
import { identify, type Submission, type SubmissionLedger } from "./idempotency.server";
import { prepareForPayment, type PrepareDeps, type PreparingCustomer } from "./medusa-steps.server";
import { readSession } from "../../account/session.server";
import { isOwnCard } from "../../account/saved-cards.server";

/**
 * POST /api/carts/:id/prepare-for-payment (checkout contract, section 2), every gate and
 * step in order (the names of PREPARE_STEPS in steps.ts, the `step` of their logs):
 *
 *   In the Worker entry, before React Router (http/request-guard.server.ts):
 *     origin, body_size               403 forbidden, 413 payload_too_large
 *   In the route (`handlePrepare`), nothing reaches the cart yet:
 *     ownership                       403 forbidden: the cart is not this session's
 *     input                           400 invalid_request with `fields` (contract.ts)
 *     idempotency_key                 400 invalid_request: header and body keys disagree
 *     customer                        400 invalid_request: saving or a saved card without signing in,
 *                                     or a saved card that isn't the customer's (read from Stripe)
 *     rate_limit                      429 rate_limited, per client
 *   In the cart's Durable Object (`prepareInCart`), one submission of a cart at a time:
 *     idempotency                     replay, join, in_progress, key reused (idempotency.server.ts)
 *     rate_limit                      429 rate_limited, per cart; only new runs count
 *     read_cart, update_cart, add_shipping_method, index_attempt, create_payment_session,
 *     verify_amount, write_attempt    the Medusa steps (medusa-steps.server.ts)
 *     save_address                    a customer's address book, after success, once per run (best effort),
 *                                     in the customer's Durable Object (workers/customer-coordinator.ts)
 */
export const PREPARE_ROUTE = "/api/carts/:id/prepare-for-payment";

/** What the route hands to the cart's Durable Object: plain data. */
export type PrepareCall = Submission & { body: PrepareRequest; route: string; customer: PreparingCustomer | null };

export async function handlePrepare(request: Request, cartId: string, { shop, cloudflare }: AppLoadContext): Promise<Response> {
  const traceId = shop.traceId;
  const refuse = (...args: Parameters<typeof errorAnswer>) => toResponse(errorAnswer(...args), traceId);

  if (request.method !== "POST") return refuse("invalid_request", "Use POST.", traceId, {}, { allow: "POST" });
  // Read the (bounded) body before any early answer: the local runtime's proxy fails a
  // request whose body was never consumed.
  const raw = await readJsonOrForm(request);

  // ownership
  const ownCartId = await readCartId(shop.config, request);
  if (!ownCartId || ownCartId !== cartId) {
    shop.logger.log("warn", "prepare for a cart that is not this session's", { step: "ownership", outcome: "error", status: 403 });
    return refuse("forbidden", "This cart doesn't belong to your session.", traceId);
  }

  // input
  if ("problem" in raw) return refuse(raw.code, raw.problem, traceId);
  const parsed = prepareRequest.safeParse(raw.value);
  if (!parsed.success) {
    return refuse("invalid_request", "Some details need your attention.", traceId, { fields: fieldErrors(parsed.error) });
  }

  // idempotency_key
  const { idempotency_key: bodyKey, ...body } = parsed.data;
  const headerKey = request.headers.get("idempotency-key") ?? undefined;
  if (headerKey !== undefined && !idempotencyKey.safeParse(headerKey).success) {
    return refuse("invalid_request", "The Idempotency-Key header must be 8-255 printable characters.", traceId, {
      fields: { idempotency_key: "Must be 8-255 printable characters." },
    });
  }
  if (bodyKey && headerKey && bodyKey !== headerKey) {
    return refuse("invalid_request", "The idempotency key in the header and in the body differ.", traceId, {
      fields: { idempotency_key: "Differs from the Idempotency-Key header." },
    });
  }

  // customer: what only a signed-in customer may ask
  const session = await readSession(shop, cloudflare.env, request);
  const customerOnly = (["save_card", "save_address", "payment_method_id"] as const).filter((field) => body[field] !== undefined && body[field] !== false);
  if (!session && customerOnly.length > 0) {
    const fields = Object.fromEntries(customerOnly.map((field) => [field, "Sign in to use saved cards and addresses."]));
    return refuse("invalid_request", "Sign in to use saved cards and addresses.", traceId, { fields });
  }

  // rate_limit (per client)
  const limiter = cloudflare.env.RATE_LIMIT_PREPARE_PER_CLIENT;
  const limited = await checkLimits([{ limiter, key: clientKey(request), what: "from your connection" }], shop.logger, traceId);
  if (limited) return toResponse(limited, traceId);

  // A saved card must be one of this customer's own, as Stripe lists them now.
  if (session && body.payment_method_id && !(await isOwnCard(shop.config, cloudflare.env, session.customerId, body.payment_method_id))) {
    shop.logger.log("warn", "a card that isn't the customer's", { step: "customer", outcome: "error", status: 400 });
    return refuse("invalid_request", "That card isn't saved to your account. Choose another or enter a new card.", traceId, {
      fields: { payment_method_id: "Not one of your saved cards." },
    });
  }

  // The rest runs in the cart's Durable Object.
  const submission = await identify(cartId, body, bodyKey ?? headerKey);
  const customer = session ? { id: session.customerId, token: session.token } : null;
  try {
    const coordinator = cloudflare.env.CART_COORDINATOR.getByName(cartId);
    const answer = await coordinator.prepare({ ...submission, cartId, traceId, body, route: PREPARE_ROUTE, customer });
    return toResponse(answer, traceId);
  } catch (error) {
    shop.logger.log("error", "cart coordinator failed", { step: "coordinator", outcome: "error", cart_id: cartId, error: String(error) });
    return refuse("backend_error", "We couldn't prepare your payment. Nothing was charged; please try again.", traceId);
  }
}

/** Attempt statuses whose client secret can't pay any more. */
const PAYMENT_ENDED = new Set<AttemptStatus>(["expired", "canceled", "released", "amount_mismatch"]);

export type CartDeps = Pick<PrepareDeps, "createSession"> & {
  medusa: MedusaClient;
  attempts: AttemptStore;
  openAttempts: Pick<OpenAttemptIndex, "add">;
  logger: Logger;
  ledger: SubmissionLedger;
  cartLimiter: RateLimit;
  /** Runs `work` after the cart's other writes, before the next one (the Durable Object's chain). */
  exclusive: <T>(work: () => Promise<T>) => Promise<T>;
  /** Adds the address to the customer's address book unless it is there (one save at a time per customer). */
  saveAddress: (customer: { id: string; token: string }, address: Address) => Promise<void>;
};

/** idempotency, the cart's rate_limit, then the Medusa steps: the Durable Object's part of a prepare. */
export function prepareInCart(deps: CartDeps, call: PrepareCall): Promise<CheckoutAnswer> {
  const { medusa, logger } = deps;
  return deps.ledger.submit(call, logger, {
    // Only a new run counts against the cart's limit: replays and a double click joining
    // the run in flight don't.
    run: async () => {
      const answer = await deps.exclusive(async () => {
        const limited = await checkLimits([{ limiter: deps.cartLimiter, key: call.cartId, what: "for this cart" }], logger, call.traceId);
        return limited ?? prepareForPayment({ ...deps, customer: call.customer }, call.cartId, call.body);
      });
      // Saving the address is the customer's address book, not the cart: after success, best
      // effort, once per run. Part of the run, so a double submission joining it or a replay
      // of its answer doesn't save it again (each saving it raced: two of the same address);
      // two carts of one customer saving it at once take turns in the customer's object.
      if (answer.status === 200 && call.customer && call.body.save_address) {
        await deps.saveAddress(call.customer, call.body.shipping_address);
      }
      return answer;
    },
    readCart: () => readCheckoutCart(medusa, call.cartId),
    attemptEnded: async (attemptId) => {
      const attempt = await readAttempt(deps.attempts, attemptId);
      return attempt !== null && PAYMENT_ENDED.has(attempt.status);
    },
  });
}
