import type { Logger } from "../../log.server";
import type { MedusaClient } from "../../medusa/client.server";
import { retrieveOrder } from "../../medusa/order.server";
import type { Order } from "../../medusa/schemas";
import { collectedAmounts } from "../../order-status";
import { savePaymentHistory, type AttemptRecord, type AttemptStore, type PaymentNews } from "../attempts.server";
import type { PaymentIntentFacts } from "./payment-intent";

/**
 * A completed attempt's payment after checkout (issue 13): the merchant captures it in
 * Medusa, refunds some or all of it, or cancels the order; Stripe then sends
 * `payment_intent.succeeded`, `charge.refunded`, `payment_intent.canceled`. Each is recorded
 * once on the attempt's `payment_history`; no order is made.
 *
 * A change made in Stripe's dashboard never reaches Medusa, so each piece of news is checked
 * against Medusa's order (the amounts its payment collections captured and refunded). Medusa calls Stripe before it records the
 * change itself, so Stripe's event can arrive first: while the order doesn't show it yet,
 * the answer is `retry` (Stripe delivers again). If it still doesn't after DRIFT_AFTER_MS,
 * one `warn` line (`payment changed in Stripe but not in Medusa`) tells an operator, and the
 * event is answered.
 */
export const DRIFT_AFTER_MS = 10_000;

export type AfterOrderResult = "recorded" | "nothing" | "retry";

export type AfterOrderDeps = { medusa: MedusaClient; attempts: AttemptStore; logger: Logger; now?: () => Date };

/** Whether Medusa's order shows the news: as much captured, as much refunded, or its payment canceled. */
function medusaShows(news: PaymentNews, order: Order): boolean {
  switch (news.kind) {
    case "captured":
      return collectedAmounts(order).captured >= news.amount;
    case "refunded":
      return collectedAmounts(order).refunded >= news.amount;
    case "canceled":
      return order.payment_status === "canceled";
  }
}

/** For a completed attempt (`orderId` is its order). */
export async function recordAfterOrder(deps: AfterOrderDeps, attempt: AttemptRecord, orderId: string, intent: PaymentIntentFacts): Promise<AfterOrderResult> {
  const now = deps.now?.() ?? new Date();
  const fields = { attempt_id: attempt.id, cart_id: attempt.cart_id, order_id: orderId, payment_intent_id: intent.id, step: "after_order" };
  const fresh = newsOf(attempt, intent);
  const history = [...(attempt.payment_history ?? []), ...(fresh ? [{ ...fresh, at: now.toISOString(), trace_id: deps.logger.traceId, medusa_knows: null }] : [])];
  // What still waits for Medusa to show it (and what was just recorded).
  const unconfirmed = history.filter((news) => news.medusa_knows !== true && !news.drift_reported_at);
  if (unconfirmed.length === 0) return "nothing";

  let order: Order | null = null;
  try {
    order = await retrieveOrder(deps.medusa, orderId);
  } catch (error) {
    deps.logger.log("warn", "could not read the order to compare its payment with Stripe", { ...fields, outcome: "error", reason: String(error).slice(0, 200) });
  }

  let waiting = false;
  const drifted: PaymentNews[] = [];
  const paymentStatus = order?.payment_status ?? null;
  const next = history.map((news): PaymentNews => {
    if (!unconfirmed.includes(news)) return news;
    if (!order) {
      // Can't compare now: Stripe delivers again.
      waiting = true;
      return news;
    }
    if (medusaShows(news, order)) return { ...news, medusa_knows: true };
    if (now.getTime() - Date.parse(news.at) < DRIFT_AFTER_MS) {
      waiting = true;
      return news.medusa_knows === false ? news : { ...news, medusa_knows: false };
    }
    drifted.push(news);
    return { ...news, medusa_knows: false, drift_reported_at: now.toISOString() };
  });

  // Nothing new and nothing learnt (Medusa still silent, or unreadable): nothing to write.
  if (!fresh && next.every((news, index) => news === history[index])) return waiting ? "retry" : "recorded";
  try {
    await savePaymentHistory(deps.attempts, attempt, next, deps.logger.traceId);
  } catch (error) {
    deps.logger.log("warn", "recording the payment's news failed", { ...fields, outcome: "error", reason: String(error).slice(0, 200) });
    return "retry";
  }
  if (fresh) deps.logger.log("info", "payment news recorded", { ...fields, outcome: "ok", news: fresh.kind, amount: fresh.amount, medusa_payment_status: paymentStatus });
  for (const news of drifted) {
    deps.logger.log("warn", "payment changed in Stripe but not in Medusa", {
      ...fields,
      outcome: "error",
      drift: news.kind,
      amount: news.amount,
      stripe_id: news.stripe_id,
      medusa_payment_status: paymentStatus,
    });
  }
  // Medusa may record it a moment after Stripe told us: ask Stripe to deliver again.
  return waiting ? "retry" : "recorded";
}

/** What this PaymentIntent (or refunded charge) says that the attempt hasn't recorded yet. */
function newsOf(attempt: AttemptRecord, intent: PaymentIntentFacts): Pick<PaymentNews, "kind" | "amount" | "stripe_id"> | null {
  const history = attempt.payment_history ?? [];
  if (intent.refund) {
    const refunded = intent.refund.refundedOfCapture;
    const before = Math.max(0, ...history.filter((entry) => entry.kind === "refunded").map((entry) => entry.amount));
    if (refunded <= before) return null;
    return { kind: "refunded", amount: refunded, stripe_id: intent.refund.chargeId };
  }
  if (intent.status === "succeeded" && (intent.amountReceived ?? 0) > 0) {
    if (history.some((entry) => entry.kind === "captured")) return null;
    return { kind: "captured", amount: intent.amountReceived!, stripe_id: intent.id };
  }
  if (intent.status === "canceled") {
    if (history.some((entry) => entry.kind === "canceled")) return null;
    return { kind: "canceled", amount: 0, stripe_id: intent.id };
  }
  return null;
}
