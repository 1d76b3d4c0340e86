// Issue 12, section 2, on the production topology (tests/setup/production-stack.ts): Medusa
// built, two server processes behind a round-robin balancer, a worker process running Medusa's
// own Stripe webhook handling from Redis (Medusa delays it by 5 s), Redis locking.
// The storefront's webhook, the shopper's return page and Medusa's own webhook all complete one
// cart at once; the storefront's completions go through the balancer to either server.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { toMinorUnits } from "../../app/lib/money.ts";
import { storedAttempt } from "../support/attempts.ts";
import { returnPage, preparedShopper } from "../support/paid-checkouts.ts";
import { awaitMail, mailsTo } from "../support/mail.ts";
import { medusaGet } from "../support/medusa.ts";
import { TEXAS_ADDRESS } from "../support/shopper.ts";
import { orderIdsForCart } from "../support/orders.ts";
import { eventually, throughout } from "../support/poll.ts";
import { injectFault } from "../support/proxy.ts";
import { confirmAsBrowser, readPaymentIntent, simAdmin, type Delivery } from "../support/stripe-sim.ts";
import { answerOf, deliveredOk, eventOf, holdingDeliveries, MEDUSA_HOOK, STOREFRONT_HOOK } from "../support/webhook-deliveries.ts";
import { balancedRequests, balancerStats } from "./support.ts";

const RUNS = 10;

describe("exactly once with two Medusa servers, a worker and Redis", () => {
  it(`the storefront's webhook, the return page and Medusa's own webhook completing one cart at once make one order (${RUNS} runs)`, { timeout: 400_000 }, async () => {
    const before = await balancerStats();
    const servers = new Set<number>();
    for (let run = 0; run < RUNS; run += 1) {
      const email = `exactly-once-${run}-${randomBytes(3).toString("hex")}@example.com`;
      const { shopper, prepared } = await preparedShopper(TEXAS_ADDRESS, email);
      // Medusa's worker acts on its webhook 5 s after the delivery. The storefront's two
      // completions are held at the fault proxy for 0 to 5.4 s, so that over the runs they
      // reach the servers before, with and after the worker's.
      const holdMs = [0, 4_600, 4_800, 5_000, 5_100, 5_200, 5_300, 5_400, 4_900, 5_050][run % 10]!;
      if (holdMs > 0) await injectFault({ kind: "delay", method: "POST", path: `^/store/carts/${shopper.cartId}/complete$`, delayMs: holdMs, times: 2 });
      const { page, released, capturable } = await holdingDeliveries(async () => {
        expect((await confirmAsBrowser(prepared.client_secret, "pm_card_visa")).body.status).toBe("requires_capture");
        const capturable = await eventOf(prepared.payment_intent_id, "payment_intent.amount_capturable_updated");
        const [released, page] = await Promise.all([
          simAdmin<{ data: Delivery[] }>("webhooks/release", { event_ids: [capturable.id], concurrent: true }),
          returnPage(shopper, prepared.checkout_attempt_id),
        ]);
        return { page, released, capturable };
      });
      // Both endpoints got the event in that one concurrent release.
      const hooks = released.data.map((delivery) => new URL(delivery.endpoint_url).pathname).sort();
      expect(hooks).toEqual([MEDUSA_HOOK, STOREFRONT_HOOK].sort());
      expect((await deliveredOk(capturable.id, MEDUSA_HOOK)).at(-1)!.status).toBe(200);
      const storefront = await deliveredOk(capturable.id, STOREFRONT_HOOK, 30_000);
      expect(answerOf(storefront.at(-1)!).result).toBe("completed");

      // One order, all through the window in which Medusa's worker acts on its own webhook.
      const orders = await eventually(() => orderIdsForCart(shopper.cartId), (ids) => ids.length > 0);
      expect(orders).toHaveLength(1);
      await throughout(6_500, () => orderIdsForCart(shopper.cartId), (ids) => expect(ids).toEqual(orders));
      expect(page.status).toBe(302);
      expect(page.headers.get("location")).toBe(`/orders/${orders[0]}/confirmed`);

      // The attempt was completed once, with that order.
      const attempt = await storedAttempt(prepared.checkout_attempt_id);
      expect(attempt.status).toBe("completed");
      expect(attempt.order_id).toBe(orders[0]);
      expect(attempt.history.filter((entry) => entry.status === "completed")).toHaveLength(1);

      // What Stripe holds is what the order costs.
      const { order } = await medusaGet<{ order: { total: number; currency_code: string } }>(`/store/orders/${orders[0]}?fields=total,currency_code`);
      const intent = await readPaymentIntent(prepared.payment_intent_id);
      expect(intent.amount).toBe(toMinorUnits(order.total, order.currency_code));
      expect(intent.amount).toBe(prepared.amount);
      expect(intent.status).toBe("requires_capture");

      // One confirmation email, sent by Medusa's worker from its Redis event bus.
      const { order: placed } = await medusaGet<{ order: { display_id: number } }>(`/store/orders/${orders[0]}?fields=display_id`);
      await awaitMail(email, new RegExp(`^Order #${placed.display_id} confirmed`));
      await throughout(2_000, () => mailsTo(email), (mails) => expect(mails.map((mail) => mail.subject)).toHaveLength(1));

      const completions = await balancedRequests(`^/store/carts/${shopper.cartId}/complete$`);
      for (const request of completions) servers.add(request.server);
      console.log(`[run ${run + 1}/${RUNS}, completions held ${holdMs} ms] order ${orders[0]}; completions: ${completions.map((request) => `server ${request.server} -> ${request.status}`).join(", ")}`);
    }
    // The storefront's completions of these carts were answered by both server processes.
    expect([...servers].sort()).toEqual([0, 1]);
    const after = await balancerStats();
    for (const server of after.servers) expect(server.requests - before.servers[server.index]!.requests, `requests to server ${server.index}`).toBeGreaterThan(0);
  });
});
