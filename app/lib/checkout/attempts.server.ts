import { z } from "zod";
import { address } from "../medusa/schemas";

/**
 * Checkout attempts in Workers KV (checkout contract, section 4). Stripe's metadata carries
 * only the attempt id; everything else about the attempt lives here, under
 * `attempt:<id>`, for longer than Stripe retries webhooks (3 days) plus margin.
 *
 * KV is eventually consistent and last-write-wins: it stores the record, it does not
 * serialize writers. Writers for one cart are serialized by the cart's Durable Object.
 */
export const ATTEMPT_TTL_SECONDS = 7 * 24 * 60 * 60;

export const ATTEMPT_STATUSES = [
  "prepared",
  "payment_pending",
  "completed",
  "payment_failed",
  "canceled",
  "amount_mismatch",
  "released",
  "expired",
] as const;
export type AttemptStatus = (typeof ATTEMPT_STATUSES)[number];

/**
 * Which status may follow which. Nothing leaves `completed` or `released` (the money went
 * back: the attempt can never become an order); failures may be retried.
 */
const NEXT: Record<AttemptStatus, readonly AttemptStatus[]> = {
  prepared: ["payment_pending", "completed", "payment_failed", "canceled", "amount_mismatch", "released", "expired"],
  payment_pending: ["completed", "payment_failed", "canceled", "amount_mismatch", "released", "expired"],
  payment_failed: ["payment_pending", "completed", "payment_failed", "canceled", "amount_mismatch", "released", "expired"],
  canceled: ["expired"],
  amount_mismatch: ["expired"],
  released: [],
  expired: [],
  completed: [],
};

/** Why a paid attempt's money was given back, and how (checkout contract, section 3). */
export const releaseRecord = z.object({
  reason: z.enum(["out_of_stock", "cart_gone", "cart_changed", "unknown_refusal"]),
  /** Medusa's words, for the operator. */
  detail: z.string(),
  action: z.enum(["cancel", "refund"]),
  /** The PaymentIntent canceled, or the refund made. */
  stripe_id: z.string(),
  /** Lines that could not be had, for the shopper: what changed. */
  lines: z.array(z.object({ title: z.string().nullable(), wanted: z.number(), available: z.number() })).optional(),
});
export type ReleaseRecord = z.infer<typeof releaseRecord>;

/**
 * What happened to an order's payment after checkout, as Stripe reported it (issue 13): the
 * merchant captured it, refunded some or all of it, or canceled the order's authorization.
 */
export const paymentNews = z.object({
  kind: z.enum(["captured", "refunded", "canceled"]),
  at: z.string(),
  trace_id: z.string(),
  /** Minor units: captured, the amount received; refunded, all refunded of the capture so far; canceled, 0. */
  amount: z.number().int(),
  /** The PaymentIntent, or the refunded charge. */
  stripe_id: z.string(),
  /** Whether Medusa's order shows it too; null, unknown (Medusa couldn't be read). */
  medusa_knows: z.boolean().nullable(),
  /** Set once Medusa still didn't show it after DRIFT_AFTER_MS and an operator was told. */
  drift_reported_at: z.string().optional(),
});
export type PaymentNews = z.infer<typeof paymentNews>;

export const attemptRecord = z.object({
  id: z.string(),
  cart_id: z.string(),
  status: z.enum(ATTEMPT_STATUSES),
  history: z.array(z.object({ status: z.enum(ATTEMPT_STATUSES), at: z.string(), trace_id: z.string(), reason: z.string().optional() })),
  trace_ids: z.array(z.string()),
  created_at: z.string(),
  /** The signed-in customer's Medusa id (null for a guest; absent in records older than accounts). */
  customer_id: z.string().nullish(),
  /** Personal data and what was prepared: removed once the attempt is completed. */
  email: z.string().nullable(),
  shipping_address: address.nullable(),
  items: z
    .array(z.object({
        title: z.string().nullable(),
        variant_title: z.string().nullish(),
        variant_id: z.string().nullable(),
        product_id: z.string().nullish(),
        quantity: z.number(),
        unit_price: z.number().int(),
      }))
    .nullable(),
  totals: z.object({ total: z.number().int(), subtotal: z.number().int(), tax: z.number().int(), shipping: z.number().int() }).nullable(),
  currency_code: z.string(),
  amount: z.number().int(),
  payment_intent_id: z.string(),
  payment_collection_id: z.string(),
  order_id: z.string().nullable(),
  /** When Medusa first refused to complete the paid cart in a way we can't read (bounded retries). */
  refused_since: z.string().nullish(),
  release: releaseRecord.nullish(),
  /** After the order: capture, refunds, cancel, oldest first. */
  payment_history: z.array(paymentNews).optional(),
});
export type AttemptRecord = z.infer<typeof attemptRecord>;

export type NewAttempt = Omit<AttemptRecord, "status" | "history" | "trace_ids" | "created_at" | "order_id" | "refused_since" | "release" | "payment_history"> & {
  trace_id: string;
};

/**
 * Where attempts are kept: Workers KV itself, or (inside the cart's Durable Object) a
 * write-through store whose reads come from the object's own storage, so the object never
 * acts on a stale KV read of a record it wrote itself.
 */
export type AttemptStore = {
  get(key: string, type: "json"): Promise<unknown>;
  put(key: string, value: string, options: { expirationTtl: number }): Promise<void>;
};

const key = (id: string) => `attempt:${id}`;
/** The completed attempt of an order (the order page's way to its payment history: Medusa's Store API doesn't return an order's metadata). */
const orderKey = (orderId: string) => `order:${orderId}`;

/** The id of the attempt that made this order, while KV keeps it. */
export async function attemptIdForOrder(kv: AttemptStore, orderId: string): Promise<string | null> {
  const id = await kv.get(orderKey(orderId), "json");
  return typeof id === "string" && ATTEMPT_ID_PATTERN.test(id) ? id : null;
}

/** What `newAttemptId` makes; anything else is not one of ours. */
export const ATTEMPT_ID_PATTERN = /^ca_[0-9A-Z]{24}$/;

export function newAttemptId(): string {
  const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return `ca_${[...bytes].map((byte) => alphabet[byte % 32]).join("")}`;
}

export async function createAttempt(kv: AttemptStore, attempt: NewAttempt): Promise<AttemptRecord> {
  const now = new Date().toISOString();
  const { trace_id, ...fields } = attempt;
  const record: AttemptRecord = {
    ...fields,
    status: "prepared",
    history: [{ status: "prepared", at: now, trace_id }],
    trace_ids: [trace_id],
    created_at: now,
    order_id: null,
  };
  await kv.put(key(record.id), JSON.stringify(record), { expirationTtl: ATTEMPT_TTL_SECONDS });
  return record;
}

/** Notes the first unreadable refusal of a paid cart; later ones keep the first time. */
export async function noteRefusal(kv: AttemptStore, attempt: AttemptRecord, now: Date): Promise<AttemptRecord> {
  if (attempt.refused_since) return attempt;
  const next = { ...attempt, refused_since: now.toISOString() };
  await kv.put(key(attempt.id), JSON.stringify(next), { expirationTtl: ATTEMPT_TTL_SECONDS });
  return next;
}

/** Stores the attempt's payment history after checkout (appended to, or an entry updated). */
export async function savePaymentHistory(kv: AttemptStore, attempt: AttemptRecord, history: PaymentNews[], traceId: string): Promise<AttemptRecord> {
  const next: AttemptRecord = {
    ...attempt,
    payment_history: history,
    trace_ids: attempt.trace_ids.includes(traceId) ? attempt.trace_ids : [...attempt.trace_ids, traceId],
  };
  await kv.put(key(attempt.id), JSON.stringify(next), { expirationTtl: ATTEMPT_TTL_SECONDS });
  if (attempt.order_id) await kv.put(orderKey(attempt.order_id), JSON.stringify(attempt.id), { expirationTtl: ATTEMPT_TTL_SECONDS });
  return next;
}

/** The attempt, or null when KV has none (unknown id, expired, or not replicated here yet). */
export async function readAttempt(kv: AttemptStore, id: string): Promise<AttemptRecord | null> {
  const raw = await kv.get(key(id), "json");
  if (raw === null) return null;
  return attemptRecord.parse(raw);
}

export class AttemptTransitionError extends Error {
  override name = "AttemptTransitionError";
}

/**
 * Moves an attempt to `status`, appending to its history. A transition the lifecycle does
 * not allow throws; repeating the current terminal status is a no-op. Completing removes
 * the personal data, keeping status, order id and history.
 */
export async function transitionAttempt(
  kv: AttemptStore,
  id: string,
  status: AttemptStatus,
  change: { trace_id: string; reason?: string; order_id?: string; release?: ReleaseRecord },
): Promise<AttemptRecord> {
  const current = await readAttempt(kv, id);
  if (!current) throw new AttemptTransitionError(`attempt ${id} not found`);
  if (current.status === status && (status === "completed" || status === "expired" || status === "released")) return current;
  if (!NEXT[current.status].includes(status)) {
    throw new AttemptTransitionError(`attempt ${id} cannot go from ${current.status} to ${status}`);
  }
  let next: AttemptRecord = {
    ...current,
    status,
    history: [...current.history, { status, at: new Date().toISOString(), trace_id: change.trace_id, ...(change.reason ? { reason: change.reason } : {}) }],
    trace_ids: current.trace_ids.includes(change.trace_id) ? current.trace_ids : [...current.trace_ids, change.trace_id],
    order_id: change.order_id ?? current.order_id,
    ...(change.release ? { release: change.release } : {}),
  };
  if (status === "completed") next = { ...next, email: null, shipping_address: null, items: null, totals: null };
  await kv.put(key(id), JSON.stringify(next), { expirationTtl: ATTEMPT_TTL_SECONDS });
  if (status === "completed" && next.order_id) await kv.put(orderKey(next.order_id), JSON.stringify(id), { expirationTtl: ATTEMPT_TTL_SECONDS });
  return next;
}
