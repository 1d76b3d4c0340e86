// What the storefront's POST /webhooks/stripe answers (workers/stripe-webhook.ts): the
// webhook's own shape, not the checkout contract's (its codes, e.g. `invalid_signature`,
// are Stripe-facing). Types only, for the stack and the Workers tests.

/** The keys of `T`, each absent: one member of a union says it lacks the other's fields. */
export type Absent<T> = { [K in keyof T]?: undefined };

/** What the cart's Durable Object made of a payment event (the answer's `result`). */
export type WebhookResult = "completed" | "retry" | "amount_mismatch" | "recorded" | "not_paid" | "ignored";

export type WebhookAnswer = {
  received?: boolean;
  result?: WebhookResult;
  ignored?: boolean;
  error?: { code: string; message: string };
  trace_id: string;
};
