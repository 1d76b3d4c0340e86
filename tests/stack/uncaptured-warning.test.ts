// Issue 13: a paid order whose card authorization the merchant hasn't captured 6 days on is
// reported by the reconciler's sweep and warned about once in the storefront's log, a day
// before Stripe would cancel it. Bought through the real stack (production build, Medusa,
// the simulator); the sweeps move their clock with `as_of` (development only) and name
// their own attempts, so other files' payments are never listed or warned about.
import { describe, expect, inject, it } from "vitest";
import { previewLogLines } from "../support/storefront-log.ts";
import { newAttemptId } from "../../app/lib/checkout/attempts.server.ts";
import type { SweepReport } from "../../app/lib/checkout/payment/reconcile.server.ts";
import { UNCAPTURED_WARNING } from "../../app/lib/checkout/payment/uncaptured.server.ts";
import { adminRequest } from "../support/medusa-admin.ts";
import { placedOrder } from "../support/paid-checkouts.ts";
import { eventually, until } from "../support/poll.ts";
import { postReconcile } from "../support/reconcile.ts";
import { readPaymentIntent, stripeApi } from "../support/stripe-sim.ts";

const stack = inject("stack");
const baseUrl = () => stack.storefronts.preview!;

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;


/** One sweep of only these attempts as if it were `later` ms from now; its report and trace id. */
async function sweepAt(attemptIds: string[], later: number): Promise<SweepReport & { trace_id: string }> {
  const answer = await postReconcile(baseUrl(), { attempt_ids: attemptIds, as_of: new Date(Date.now() + later).toISOString() });
  expect(answer.status).toBe(200);
  return answer.body as unknown as SweepReport & { trace_id: string };
}


const warningsFor = (intentId: string) => previewLogLines(intentId).filter((line) => line.msg === UNCAPTURED_WARNING);

/** Waits until the sweep's own summary line is in the log: anything it logged before is there too. */
async function sweepLogged(traceId: string) {
  await until(`the sweep ${traceId} in the storefront's log`, async () => (previewLogLines(traceId).some((line) => line.msg === "reconcile sweep") ? true : undefined));
}

describe("a paid order not captured 6 days on", () => {
  it("is listed with its order and warned about once; not listed before its window, nor once the merchant captured it", async () => {
    const placed = await placedOrder("uncaptured-six-days@example.com");
    const intent = await readPaymentIntent(placed.intentId);
    expect(intent.status).toBe("requires_capture");
    const expected = {
      payment_intent: placed.intentId,
      attempt_id: placed.attemptId,
      order_id: placed.orderId,
      amount: placed.amount,
      currency: intent.currency,
      expires_at: new Date((intent.created * 1000) + 7 * DAY_MS).toISOString(),
    };

    // Six days and an hour on: a day (less an hour) before Stripe would cancel it.
    const first = await sweepAt([placed.attemptId], 6 * DAY_MS + HOUR_MS);
    expect(first.uncaptured).toEqual([{ ...expected, warned: true }]);
    // (Other files' payments of the run share the window: how many pages it takes depends on the run.)
    expect(first.uncaptured_check).toMatchObject({ capped: false, error: null });
    expect(first.errors).toEqual([]);
    const warned = await eventually(async () => warningsFor(placed.intentId), (lines) => lines.length > 0);
    expect(warned).toEqual([
      expect.objectContaining({
        level: "warn",
        step: "reconcile",
        trace_id: first.trace_id,
        payment_intent_id: placed.intentId,
        order_id: placed.orderId,
        attempt_id: placed.attemptId,
        amount: placed.amount,
        currency: intent.currency,
        expires_at: expected.expires_at,
      }),
    ]);

    // The same sweep again: still listed, not warned about again.
    const second = await sweepAt([placed.attemptId], 6 * DAY_MS + HOUR_MS);
    expect(second.uncaptured).toEqual([{ ...expected, warned: false }]);
    await sweepLogged(second.trace_id);
    expect(warningsFor(placed.intentId)).toHaveLength(1);

    // An hour after the purchase it is nowhere near expiry.
    const early = await sweepAt([placed.attemptId], HOUR_MS);
    expect(early.uncaptured).toEqual([]);

    // The merchant captures it in Medusa: nothing left to warn about.
    await adminRequest(`/admin/payments/${placed.paymentId}/capture`, {});
    expect((await readPaymentIntent(placed.intentId)).status).toBe("succeeded");
    const captured = await sweepAt([placed.attemptId], 6 * DAY_MS + HOUR_MS);
    expect(captured.uncaptured).toEqual([]);
    await sweepLogged(captured.trace_id);
    expect(warningsFor(placed.intentId)).toHaveLength(1);
  });

  it("whose attempt KV no longer keeps is still reported and warned about, without its order", async () => {
    // An authorization naming an attempt KV doesn't hold (as after its 7 days).
    const attemptId = newAttemptId();
    const paid = await stripeApi("payment_intents", {
      amount: "1500",
      currency: "usd",
      capture_method: "manual",
      confirm: "true",
      payment_method: "pm_card_visa",
      "automatic_payment_methods[enabled]": "true",
      "automatic_payment_methods[allow_redirects]": "never",
      "metadata[checkout_attempt_id]": attemptId,
    });
    expect(paid.body).toMatchObject({ status: "requires_capture" });
    const intentId = paid.body.id!;
    try {
      const sweep = await sweepAt([attemptId], 6 * DAY_MS + HOUR_MS);
      expect(sweep.uncaptured).toEqual([expect.objectContaining({ payment_intent: intentId, attempt_id: attemptId, order_id: null, amount: 1500, warned: true })]);
      const warned = await eventually(async () => warningsFor(intentId), (lines) => lines.length > 0);
      expect(warned).toEqual([expect.objectContaining({ payment_intent_id: intentId, order_id: null, attempt_id: attemptId, attempt_found: false })]);
    } finally {
      // No order will ever take this money: give it back (the run's money audit checks).
      await stripeApi(`payment_intents/${intentId}/cancel`, {});
    }
  });
});
