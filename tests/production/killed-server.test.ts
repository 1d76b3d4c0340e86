// Issue 12, section 2: a Medusa server process SIGKILLed in the middle of
// `POST /store/carts/:id/complete` (the balancer kills the process it forwarded the storefront's
// completion to, `afterMs` after forwarding it). The stack restarts the process. Medusa's
// completeCartWorkflow holds the cart's lock (Redis locking, TTL 120 s) while it runs, and a
// killed process never releases it: until the lock expires every other completion of the cart
// waits for it (up to 30 s) and the storefront's call times out, so the storefront answers
// Stripe 5xx. Stripe's retries, or once they are spent the reconciler, complete the cart after
// the lock has expired: one order, the attempt completed, the authorization matching the order.
import { describe, expect, it } from "vitest";
import { toMinorUnits } from "../../app/lib/money.ts";
import { medusaGet } from "../support/medusa.ts";
import { orderIdsForCart } from "../support/orders.ts";
import { preparedShopper } from "../support/paid-checkouts.ts";
import { eventually, throughout } from "../support/poll.ts";
import { confirmAsBrowser, readPaymentIntent } from "../support/stripe-sim.ts";
import { deliveriesOf, eventOf, STOREFRONT_HOOK } from "../support/webhook-deliveries.ts";
import { balancedRequests, balancerStats, killNextComplete, settleLikeTheShop } from "./support.ts";

/** Medusa's cart-completion lock TTL (core-flows completeCartWorkflow: 2 minutes), and a margin. */
const LOCK_TTL_MS = 120_000;

async function bothServersUp() {
  return eventually(balancerStats, (stats) => stats.servers.every((server) => server.up), 90_000, 500);
}

describe("a Medusa server process killed during the cart's completion", () => {
  // How long after the balancer has forwarded the whole request the process is killed:
  // before the workflow takes the cart's lock, while it holds it, and after the order exists.
  for (const afterMs of [0, 250, 600]) {
    it(`SIGKILL ${afterMs} ms into POST /store/carts/:id/complete: the process is restarted and the cart gets exactly one order`, { timeout: 300_000 }, async () => {
      await bothServersUp();
      const { shopper, prepared } = await preparedShopper();
      await killNextComplete(shopper.cartId, afterMs);
      expect((await confirmAsBrowser(prepared.client_secret, "pm_card_visa")).body.status).toBe("requires_capture");
      const capturable = await eventOf(prepared.payment_intent_id, "payment_intent.amount_capturable_updated");

      // The kill happened, on the server that had the storefront's completion.
      const path = `/store/carts/${shopper.cartId}/complete`;
      const killed = await eventually(balancerStats, (stats) => stats.kills.some((kill) => kill.path === path), 20_000);
      const kill = killed.kills.find((entry) => entry.path === path)!;
      expect(kill).toBeDefined();

      // Stripe's retries first (the storefront answers 5xx while the lock is held), then the reconciler.
      const state = await settleLikeTheShop(
        { cartId: shopper.cartId, attemptId: prepared.checkout_attempt_id, intentId: prepared.payment_intent_id },
        { retriesMs: LOCK_TTL_MS + 20_000 - (Date.now() - kill.at) },
      );
      const { by } = state;
      expect(state.orders).toHaveLength(1);
      expect(state.attempt.status).toBe("completed");
      expect(state.attempt.order_id).toBe(state.orders[0]);
      // Medusa's own webhook (its worker) and any late retry change nothing.
      await throughout(7_000, () => orderIdsForCart(shopper.cartId), (ids) => expect(ids).toEqual(state.orders));

      const { order } = await medusaGet<{ order: { total: number; currency_code: string } }>(`/store/orders/${state.orders[0]}?fields=total,currency_code`);
      const intent = await readPaymentIntent(prepared.payment_intent_id);
      expect(intent.status).toBe("requires_capture");
      expect(intent.amount).toBe(toMinorUnits(order.total, order.currency_code));

      // The killed process was restarted (another pid) and takes requests again.
      const after = await bothServersUp();
      expect(after.servers[kill.server]!.pid).not.toBe(kill.pid);
      expect(after.servers[kill.server]!.restarts).toBeGreaterThan(0);

      const completions = await balancedRequests(`^${path}$`);
      const deliveries = await deliveriesOf(capturable.id, STOREFRONT_HOOK);
      console.log(
        `[killed server, ${afterMs} ms] order after ${((Date.now() - kill.at) / 1000).toFixed(0)} s (made by then, completed by ${by}); ` +
          `completions: ${completions.map((request) => `server ${request.server} -> ${request.status ?? "killed"}`).join(", ")}; ` +
          `storefront deliveries: ${deliveries.map((delivery) => delivery.status ?? "-").join(", ")}`,
      );
    });
  }
});
