// Issue 12, section 2: Redis restarted in the middle of a checkout, on the production topology
// (Medusa's event bus, workflow engine, locking and caching in Redis). The stack's Redis keeps
// nothing on disk, so a restart loses every lock, workflow step and queued event (Medusa's own
// webhook job among them); the stack starts it again 1 s after it went down.
// The promise: the checkout completes, or fails cleanly and is settled later; never two orders,
// never money held without an order.
import { describe, expect, it } from "vitest";
import { toMinorUnits } from "../../app/lib/money.ts";
import { medusaGet, readCart } from "../support/medusa.ts";
import { orderIdsForCart } from "../support/orders.ts";
import { cartWithTote, successBody } from "../support/paid-checkouts.ts";
import { cartDetails, changedParts } from "../support/prepare-carts.ts";
import { until, throughout } from "../support/poll.ts";
import { confirmAsBrowser, readPaymentIntent } from "../support/stripe-sim.ts";
import { balancedRequests, restartRedis, settleLikeTheShop, type Settled } from "./support.ts";

/** The one acceptable end of a paid checkout: one order with the authorization matching it, or no order and the money released. */
async function expectSettledOnce(cartId: string, state: Settled) {
  if (state.attempt.status === "completed") {
    expect(state.orders).toHaveLength(1);
    expect(state.attempt.order_id).toBe(state.orders[0]);
    const { order } = await medusaGet<{ order: { total: number; currency_code: string } }>(`/store/orders/${state.orders[0]}?fields=total,currency_code`);
    const intent = await readPaymentIntent(state.attempt.payment_intent_id);
    expect(intent.status).toBe("requires_capture");
    expect(intent.amount).toBe(toMinorUnits(order.total, order.currency_code));
  } else {
    expect(state.attempt.status).toBe("released");
    expect(state.orders).toEqual([]);
    expect(state.intentStatus).toBe("canceled");
  }
  // Medusa's own webhook (if its queued job survived), late retries: nothing changes.
  await throughout(7_000, () => orderIdsForCart(cartId), (ids) => expect(ids).toEqual(state.orders));
}

describe("Redis restarted in the middle of a checkout", () => {
  // After the storefront's `POST /store/carts/:id/complete` reached a Medusa server: at once
  // (the workflow is taking the cart's lock) and 300 ms later (it holds the lock and is
  // writing the order), restarted 1 s later; and a Redis that stays down for 15 s (restarted
  // and crashing again), longer than Medusa's Redis clients queue their commands.
  for (const { afterMs, downForMs } of [{ afterMs: 0, downForMs: 0 }, { afterMs: 300, downForMs: 0 }, { afterMs: 0, downForMs: 15_000 }]) {
    const title = `${afterMs} ms into the cart's completion${downForMs ? `, down for ${downForMs / 1000} s` : ""}: one order, or none and the payment released`;
    it(title, { timeout: 300_000 }, async () => {
      const { shopper, body } = await cartWithTote();
      const prepared = successBody(await shopper.prepare(body));
      const path = `/store/carts/${shopper.cartId}/complete`;
      const paid = confirmAsBrowser(prepared.client_secret, "pm_card_visa");
      const completion = await until("the storefront's completion at the balancer", async () => (await balancedRequests(`^${path}$`))[0], 30_000, 10);
      await new Promise((resolve) => setTimeout(resolve, afterMs));
      const redis = await restartRedis({ downForMs });
      expect((await paid).body.status).toBe("requires_capture");

      const state = await settleLikeTheShop(
        { cartId: shopper.cartId, attemptId: prepared.checkout_attempt_id, intentId: prepared.payment_intent_id },
        // Medusa's cart lock lived in the Redis that is gone: no lock TTL to wait out.
        { retriesMs: 90_000 },
      );
      await expectSettledOnce(shopper.cartId, state);
      const completions = await balancedRequests(`^${path}$`);
      console.log(
        `[redis restart, ${afterMs} ms into the completion] down ${redis.upAt - redis.downAt} ms (${redis.shutdowns} shutdowns), ${completion.at <= redis.downAt ? "after" : "before"} the first completion; ` +
          `${state.attempt.status} (${state.orders.length} order) by ${state.by}; completions: ${completions.map((request) => `server ${request.server} -> ${request.status ?? "-"}`).join(", ")}`,
      );
    });
  }

  // Restarted 1 s later, and down for 15 s (longer than the storefront's 8 s limit per Medusa call).
  for (const downForMs of [0, 15_000]) {
    it(`during prepare-for-payment${downForMs ? `, down for ${downForMs / 1000} s` : ""}: the submission succeeds or fails with a clear error and no change; the checkout then completes once`, { timeout: 300_000 }, async () => {
      const { shopper, body } = await cartWithTote();
      const before = await cartDetails(shopper.cartId);
      const submitted = shopper.prepare(body);
      // Medusa is setting the address, the shipping method or the payment session by now.
      await until("prepare-for-payment's first write at the balancer", async () => (await balancedRequests(`^/store/carts/${shopper.cartId}`)).find((request) => request.method === "POST"), 20_000, 5);
      const redis = await restartRedis({ downForMs });
      const first = await submitted;
      let prepared = first.body.client_secret === undefined ? null : successBody(first);
      if (!prepared) {
        // A failure the shopper can act on, and the cart as it was but for what the answer names.
        const report = JSON.stringify(first.body);
        expect([409, 502, 503, 504], report).toContain(first.status);
        expect(first.body.error?.code, report).toEqual(expect.any(String));
        expect(first.body.error?.message, report).toEqual(expect.any(String));
        const named = (first.body.error?.left_changed ?? []).filter((part) => part !== "unconfirmed_write");
        expect(changedParts(before, await cartDetails(shopper.cartId)), report).toEqual(named);
        expect((await readCart(shopper.cartId)).completed_at).toBeNull();
        // The shopper presses Pay again.
        prepared = successBody(await shopper.prepare(body));
      }
      expect((await confirmAsBrowser(prepared.client_secret, "pm_card_visa")).body.status).toBe("requires_capture");
      const state = await settleLikeTheShop({ cartId: shopper.cartId, attemptId: prepared.checkout_attempt_id, intentId: prepared.payment_intent_id }, { retriesMs: 90_000 });
      expect(state.attempt.status).toBe("completed");
      await expectSettledOnce(shopper.cartId, state);
      console.log(`[redis restart during prepare] down ${redis.upAt - redis.downAt} ms (${redis.shutdowns} shutdowns); the submission answered ${first.status}${first.body.error ? ` ${first.body.error.code}` : ""}; then ${state.attempt.status} by ${state.by}`);
    });
  }
});
