import type { CheckoutError, CheckoutErrorCode } from "../contract";

/**
 * Every gate and step of prepare-for-payment, in the order a request meets them
 * (pipeline.server.ts runs them). Each name is also the `step` of its log lines;
 * an error answer from a Medusa step names it in `error.step`.
 */
export const PREPARE_STEPS = [
  // In the Worker entry, for every state-changing request (http/request-guard.server.ts).
  "origin",
  "body_size",
  // In the route, before anything reaches the cart.
  "ownership",
  "input",
  "idempotency_key",
  "rate_limit", // per client
  // In the cart's Durable Object, one submission of the cart at a time.
  "idempotency",
  "rate_limit", // again, per cart
  // The Medusa steps (medusa-steps.server.ts); a failure from update_cart on rolls back.
  "read_cart",
  "update_cart",
  "add_shipping_method",
  "index_attempt", // the reconciler's index of open attempts, before any payment exists
  "create_payment_session",
  "verify_amount",
  "write_attempt",
] as const;

export type PrepareStep = (typeof PREPARE_STEPS)[number];

/** A step's refusal, as the error answer it becomes. */
export class StepFailure extends Error {
  constructor(
    readonly step: PrepareStep,
    readonly code: CheckoutErrorCode,
    message: string,
    readonly extra: { amount?: number; fields?: Record<string, string>; lines?: CheckoutError["lines"] } = {},
  ) {
    super(message);
  }
}
