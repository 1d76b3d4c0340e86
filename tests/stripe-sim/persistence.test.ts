// The dev stack's simulated Stripe account outlives a restart (dev/stripe-sim/store.ts), as
// a real account does: an order paid before `npm run dev` was restarted can still be
// captured and refunded from Medusa's dashboard after it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { startTestSim, stripeClient } from "./support.ts";

const dir = mkdtempSync(path.join(tmpdir(), "stripe-sim-state-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a simulator with a state file", () => {
  test("keeps PaymentIntents, charges and refunds across a restart, and they stay usable", async () => {
    const stateFile = path.join(dir, "state.json");
    const first = await startTestSim({ stateFile });
    const before = stripeClient(first);
    const intent = await before.paymentIntents.create({ amount: 4599, currency: "usd", capture_method: "manual", automatic_payment_methods: { enabled: true, allow_redirects: "never" }, payment_method: "pm_card_visa", confirm: true, metadata: { checkout_attempt_id: "ca_kept" } });
    expect(intent.status).toBe("requires_capture");
    await first.close();

    const second = await startTestSim({ stateFile });
    const after = stripeClient(second);
    const kept = await after.paymentIntents.retrieve(intent.id);
    expect({ status: kept.status, amount: kept.amount, metadata: kept.metadata }).toEqual({ status: "requires_capture", amount: 4599, metadata: { checkout_attempt_id: "ca_kept" } });
    const captured = await after.paymentIntents.capture(intent.id);
    expect(captured.status).toBe("succeeded");
    await after.refunds.create({ payment_intent: intent.id, amount: 1000 });
    // Saved on close (and shortly after each change): a third start sees the capture and the refund.
    await second.close();

    const third = await startTestSim({ stateFile });
    const charge = await stripeClient(third).charges.retrieve(captured.latest_charge as string);
    expect({ captured: charge.captured, amount_refunded: charge.amount_refunded }).toEqual({ captured: true, amount_refunded: 1000 });
    await third.close();
  });

  test("keeps customers, their saved cards, SetupIntents and detached cards across a restart", async () => {
    const stateFile = path.join(dir, "saved-cards.json");
    const first = await startTestSim({ stateFile });
    const before = stripeClient(first);
    const customer = await before.customers.create({ email: "ada@example.com" });
    const si = await before.setupIntents.create({ customer: customer.id, payment_method: "pm_card_mastercard", confirm: true, return_url: "https://shop.test/r" });
    const old = await before.setupIntents.create({ customer: customer.id, payment_method: "pm_card_visa", confirm: true, return_url: "https://shop.test/r" });
    await before.paymentMethods.detach(String(old.payment_method));
    const gone = await before.customers.create({});
    await before.customers.del(gone.id);
    await first.close();

    const second = await startTestSim({ stateFile });
    const after = stripeClient(second);
    expect((await after.setupIntents.retrieve(si.id)).status).toBe("succeeded");
    expect((await after.customers.listPaymentMethods(customer.id)).data.map((pm) => pm.id)).toEqual([si.payment_method]);
    await expect(after.paymentMethods.attach(String(old.payment_method), { customer: customer.id })).rejects.toMatchObject({ statusCode: 400 });
    expect(await after.customers.retrieve(gone.id)).toEqual({ id: gone.id, object: "customer", deleted: true });
    await second.close();
  });

  test("without one, a restart starts an empty account", async () => {
    const first = await startTestSim();
    const intent = await stripeClient(first).paymentIntents.create({ amount: 100, currency: "usd" });
    await first.close();
    const second = await startTestSim();
    await expect(stripeClient(second).paymentIntents.retrieve(intent.id)).rejects.toMatchObject({ code: "resource_missing" });
    await second.close();
  });
});
