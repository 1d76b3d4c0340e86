/**
 * The index of open checkout attempts the reconciler sweeps (docs/decisions/0008). Kept by
 * the carts' Durable Objects in one Durable Object (workers/attempt-index.ts): an attempt
 * is added before its PaymentIntent is created, so no payment can exist that the index
 * doesn't know, and removed once it has settled.
 */
export type OpenAttempt = { attempt_id: string; cart_id: string; created_at: string };

export type OpenAttemptIndex = {
  add(entry: OpenAttempt): Promise<void>;
  remove(attemptId: string): Promise<void>;
  list(): Promise<OpenAttempt[]>;
};
