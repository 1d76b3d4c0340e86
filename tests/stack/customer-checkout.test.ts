// Issue #11, sections 3 and 4: checkout for signed-in customers on the production build,
// against the real Medusa (its Stripe provider and account holders) and the Stripe
// simulator. The order is the customer's and listed at once; the attempt records the
// customer; "save this card" saves it to the customer's own Stripe Customer, the next
// checkout pays with it (3D Secure asked again when the card wants it); saved cards are
// listed and removed only as the customer's own; one Stripe Customer per customer even
// when two carts prepare at once (medusa#15593); guests can't ask for any of it.
import type Stripe from "stripe";
import { describe, expect, inject, it } from "vitest";
import { SIMULATOR_KEYS } from "../../dev/stack.ts";
import type { CheckoutSuccessBody } from "../../app/lib/checkout/contract.ts";
import { storedAttempt } from "../support/attempts.ts";
import { customerByEmail, page, postForm, signedUp } from "../support/customer.ts";
import { adminRequest } from "../support/medusa-admin.ts";
import { shippingOptionId } from "../support/medusa.ts";
import { holdEach, medusaRequestsFor, newTrace } from "../support/proxy.ts";
import { Shopper, TEXAS_ADDRESS } from "../support/shopper.ts";
import { authenticate, readPaymentIntent, simAdmin } from "../support/stripe-sim.ts";

const stack = inject("stack");
const baseUrl = stack.storefronts.preview!;
const CASE_TIMEOUT_MS = 180_000;
const SUCCESS_CARD = "4242424242424242";
/** Stripe's "3D Secure required on every on-session payment" test card. */
const ALWAYS_3DS_CARD = "4000002760003184";

async function customerWithCart(label: string) {
  const shopper = new Shopper(baseUrl);
  const account = await signedUp(shopper, label);
  await shopper.addToCart("dot-grid-notebook", "A6");
  return { shopper, account };
}

async function submission(shopper: Shopper, email: string, extra: Record<string, unknown> = {}) {
  return { email, shipping_address: TEXAS_ADDRESS, shipping_option_id: await shippingOptionId(shopper.cartId), ...extra };
}

/**
 * One new customer with two carts (a second browser with a cart of its own signs in to the
 * same account), both prepared at once with `extra`, each run's `method` `path` request
 * held 1.5 s at the proxy; checks that those requests took turns.
 */
async function twoCartsAtOnce(label: string, extra: Record<string, unknown>, method: string, path: string) {
  const first = new Shopper(baseUrl);
  const account = await signedUp(first, label);
  await first.addToCart("dot-grid-notebook", "A6");
  const second = new Shopper(baseUrl);
  await second.addToCart("canvas-tote-bag", "Natural");
  await second.request("/account/sign-in", { method: "POST", form: new URLSearchParams({ intent: "sign-in", email: account.email, password: account.password }) });
  expect(second.cartId).not.toBe(first.cartId);
  const traces = [newTrace(), newTrace()];
  const held = await holdEach(traces, method, path, 1_500);
  const answers = await Promise.all(
    [first, second].map(async (shopper, index) => shopper.prepared(await submission(shopper, account.email, extra), { traceparent: traces[index]!.traceparent })),
  );
  await held.taken();
  return { account, answers };
}

/** Confirms as Stripe.js does from the browser: a card typed in, or a saved card's id. */
async function confirm(prepared: CheckoutSuccessBody, payWith: { card: string } | { paymentMethod: string }) {
  const params: Record<string, string> = { client_secret: prepared.client_secret, return_url: `${baseUrl}/checkout/complete?attempt=${prepared.checkout_attempt_id}` };
  if ("card" in payWith) {
    Object.assign(params, {
      "payment_method_data[type]": "card",
      "payment_method_data[card][number]": payWith.card,
      "payment_method_data[card][exp_month]": "12",
      "payment_method_data[card][exp_year]": String(new Date().getFullYear() + 3),
      "payment_method_data[card][cvc]": "123",
    });
  } else params.payment_method = payWith.paymentMethod;
  const response = await fetch(`${stack.stripeSimUrl}/v1/payment_intents/${prepared.payment_intent_id}/confirm`, {
    method: "POST",
    headers: { authorization: `Bearer ${SIMULATOR_KEYS.publishableKey}`, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(params),
  });
  return (await response.json()) as Stripe.PaymentIntent & { error?: { message: string } };
}

/** The customer's saved cards as /account lists them: [id, label]. */
async function accountCards(shopper: Shopper): Promise<{ id: string; label: string }[]> {
  const { html } = await page(shopper, "/account");
  return [...html.matchAll(/data-testid="account-saved-card"><span>([^<]+)<\/span>[\s\S]*?name="card_id" value="([^"]+)"/g)].map((match) => ({ id: match[2]!, label: match[1]! }));
}

describe("checkout for a signed-in customer", () => {
  it("the order is the customer's, the attempt records them, the checkout is prefilled, and a saved card pays the next order", { timeout: CASE_TIMEOUT_MS }, async () => {
    const { shopper, account } = await customerWithCart("buyer");
    const customer = (await customerByEmail(account.email))!;

    // Checkout prefills the account's email.
    const checkout = await page(shopper, "/checkout");
    expect(checkout.status).toBe(200);
    expect(checkout.html).toContain(`value="${account.email}"`);

    // First order: a new card, saved; the address saved too.
    const first = await shopper.prepared(await submission(shopper, account.email, { save_card: true, save_address: true }));
    const intent = await readPaymentIntent(first.payment_intent_id);
    expect(intent.setup_future_usage).toBe("on_session");
    expect(intent.capture_method).toBe("manual");
    expect(typeof intent.customer).toBe("string");
    // Only the attempt id of ours reaches the PaymentIntent (Medusa adds its own session id).
    expect(intent.metadata.checkout_attempt_id).toBe(first.checkout_attempt_id);
    expect(Object.keys(intent.metadata).filter((key) => key !== "session_id")).toEqual(["checkout_attempt_id"]);
    const attempt = await storedAttempt(first.checkout_attempt_id);
    expect(attempt.customer_id).toBe(customer.id);

    expect((await confirm(first, { card: SUCCESS_CARD })).status).toBe("requires_capture");
    const { orderId: firstOrder } = await shopper.waitForOrder(first.checkout_attempt_id);
    const { order } = await adminRequest<{ order: { customer_id: string } }>(`/admin/orders/${firstOrder}?fields=id,customer_id`);
    expect(order.customer_id).toBe(customer.id);

    // The card is now saved (on the customer's own Stripe Customer), listed on /account and offered at checkout.
    const cards = await accountCards(shopper);
    expect(cards).toHaveLength(1);
    expect(cards[0]!.label).toMatch(/^Visa ending in 4242, expires 12\/\d{4}$/);
    const addresses = await page(shopper, "/account/addresses");
    expect(addresses.html).toContain(TEXAS_ADDRESS.address_1);

    // Second order with the saved card: no card details typed.
    await shopper.addToCart("dot-grid-notebook", "A6");
    const checkoutAgain = await page(shopper, "/checkout");
    expect(checkoutAgain.html).toContain("Visa ending in 4242");
    expect(checkoutAgain.html).toContain(TEXAS_ADDRESS.address_1);
    const second = await shopper.prepared(await submission(shopper, account.email, { payment_method_id: cards[0]!.id }));
    const secondIntent = await readPaymentIntent(second.payment_intent_id);
    expect(secondIntent.payment_method).toBe(cards[0]!.id);
    expect(secondIntent.customer).toBe(intent.customer);
    expect((await confirm(second, { paymentMethod: cards[0]!.id })).status).toBe("requires_capture");
    const { orderId: secondOrder } = await shopper.waitForOrder(second.checkout_attempt_id);

    // Both in the account's order history, newest first, with their totals.
    const list = await page(shopper, "/account/orders");
    const rows = [...list.html.matchAll(/data-order-id="([^"]+)"/g)].map((match) => match[1]);
    expect(rows.slice(0, 2)).toEqual([secondOrder, firstOrder]);
    expect(list.html).toContain(`$${(first.amount / 100).toFixed(2)}`);
  });

  it("a saved card that needs 3D Secure asks again when it pays the next order", { timeout: CASE_TIMEOUT_MS }, async () => {
    const { shopper, account } = await customerWithCart("threeds");
    const first = await shopper.prepared(await submission(shopper, account.email, { save_card: true }));
    expect((await confirm(first, { card: ALWAYS_3DS_CARD })).status).toBe("requires_action");
    expect((await authenticate(first.client_secret, "approve")).body.status).toBe("requires_capture");
    await shopper.waitForOrder(first.checkout_attempt_id);
    const [card] = await accountCards(shopper);
    expect(card).toBeDefined();

    await shopper.addToCart("dot-grid-notebook", "A6");
    const second = await shopper.prepared(await submission(shopper, account.email, { payment_method_id: card!.id }));
    const asked = await confirm(second, { paymentMethod: card!.id });
    expect(asked.status).toBe("requires_action");
    expect((await authenticate(second.client_secret, "approve")).body.status).toBe("requires_capture");
    await shopper.waitForOrder(second.checkout_attempt_id);
  });

  it("another customer's card, or saving without an account, is refused before any write", { timeout: CASE_TIMEOUT_MS }, async () => {
    // A customer with a saved card.
    const { shopper: owner, account } = await customerWithCart("owner");
    const paid = await owner.prepared(await submission(owner, account.email, { save_card: true }));
    await confirm(paid, { card: SUCCESS_CARD });
    await owner.waitForOrder(paid.checkout_attempt_id);
    const [ownersCard] = await accountCards(owner);

    // Another customer names it: 400 on the field, nothing reaches Medusa.
    const { shopper: other, account: otherAccount } = await customerWithCart("thief");
    const trace = newTrace();
    const refused = await other.prepare(await submission(other, otherAccount.email, { payment_method_id: ownersCard!.id }), { traceparent: trace.traceparent });
    expect(refused.status).toBe(400);
    expect(refused.body.error?.fields).toEqual({ payment_method_id: "Not one of your saved cards." });
    expect(await medusaRequestsFor(trace.traceId)).toEqual([]);
    // …nor can they remove it.
    const removal = await postForm(other, "/account.data", { intent: "remove-card", card_id: ownersCard!.id });
    expect(removal.status).toBe(404);
    expect(await accountCards(owner)).toHaveLength(1);

    // A guest can't save a card or an address, nor pay with a saved card.
    const guest = new Shopper(baseUrl);
    await guest.addToCart("dot-grid-notebook", "A6");
    for (const extra of [{ save_card: true }, { save_address: true }, { payment_method_id: ownersCard!.id }]) {
      const guestTrace = newTrace();
      const answer = await guest.prepare(await submission(guest, "guest@example.com", extra), { traceparent: guestTrace.traceparent });
      expect(answer.status, JSON.stringify(extra)).toBe(400);
      expect(answer.body.error?.message).toBe("Sign in to use saved cards and addresses.");
      expect(await medusaRequestsFor(guestTrace.traceId)).toEqual([]);
    }
    // Anything else in the session data (capture_method, confirm…) is not in the contract: refused.
    const extra = await other.prepare(await submission(other, otherAccount.email, { capture_method: "automatic" }));
    expect(extra.status).toBe(400);

    // The owner removes their own card: detached in Stripe, gone from the list.
    const removed = await postForm(owner, "/account.data", { intent: "remove-card", card_id: ownersCard!.id });
    expect(removed.status).toBe(200);
    expect(await accountCards(owner)).toEqual([]);
    const detached = await fetch(`${stack.stripeSimUrl}/v1/payment_methods/${ownersCard!.id}`, { headers: { authorization: `Bearer ${SIMULATOR_KEYS.secretKey}` } });
    expect(((await detached.json()) as { customer: string | null }).customer).toBeNull();
  });

  it("two carts of one new customer preparing at once make one Stripe Customer (medusa#15593 serialized)", { timeout: CASE_TIMEOUT_MS }, async () => {
    // The payment sessions: side by side, Medusa's account-holder creation races.
    const { account, answers } = await twoCartsAtOnce("twocarts", { save_card: true }, "POST", "/payment-sessions$");
    const [intentA, intentB] = await Promise.all(answers.map((answer) => readPaymentIntent(answer.payment_intent_id)));
    expect(intentA!.customer).toBeTruthy();
    expect(intentB!.customer).toBe(intentA!.customer);
    const { data: events } = await simAdmin<{ data: { type: string; data: { object: { email?: string } } }[] }>("events?type=customer.created");
    expect(events.filter((event) => event.type === "customer.created" && event.data.object.email === account.email)).toHaveLength(1);
  });

  it("two carts of one customer saving the same new address at once save it once", { timeout: CASE_TIMEOUT_MS }, async () => {
    // The looks at the address book: side by side, both would find the address missing and add it.
    const { account } = await twoCartsAtOnce("twoaddresses", { save_address: true }, "GET", "/customers/me/addresses$");
    const customer = (await customerByEmail(account.email))!;
    const { customer: read } = await adminRequest<{ customer: { addresses: { address_1: string; postal_code: string; is_default_shipping: boolean }[] } }>(`/admin/customers/${customer.id}?fields=id,*addresses`);
    expect(read.addresses.map((address) => [address.address_1, address.postal_code, address.is_default_shipping])).toEqual([[TEXAS_ADDRESS.address_1, TEXAS_ADDRESS.postal_code, true]]);
  });
});
