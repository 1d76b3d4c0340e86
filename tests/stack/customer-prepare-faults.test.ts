// prepare-for-payment keeps its promises for a signed-in customer too (issue #11: "stays
// the one submission and keeps all its promises (rollback, idempotency, the fault matrix)
// for signed-in customers too"), through the production build against the real Medusa and
// the Stripe simulator. The fault matrix of prepare-faults.test.ts, on a customer's
// prepared cart asking to save the card and the address (and, once, paying with a saved
// card): for each Medusa write step the error answer says what was rolled back, the cart
// reads back as before, no PaymentIntent and no address are made; then the same
// submission under a new key, sent twice at once, succeeds once: one payment session, one
// PaymentIntent of the customer's Stripe Customer, one saved address, an attempt that
// names the customer. The payment session goes through the customer's Durable Object
// (workers/customer-coordinator.ts): after it failed or hung there, the next one passes.
import type Stripe from "stripe";
import { describe, inject, it, type ExpectStatic } from "vitest";
import type { FaultKind } from "../../dev/fault-proxy-client.ts";
import { SIMULATOR_KEYS } from "../../dev/stack.ts";
import { storedAttempt } from "../support/attempts.ts";
import { customerByEmail, signedUp } from "../support/customer.ts";
import { adminRequest } from "../support/medusa-admin.ts";
import { toMinorUnits } from "../../app/lib/money.ts";
import { cartDetails, changedParts, limiter, medusaCart, shippingOptions } from "../support/prepare-carts.ts";
import { injectFault, medusaRequestsFor, newTrace } from "../support/proxy.ts";
import { CALIFORNIA_ADDRESS, Shopper, TEXAS_ADDRESS, type PrepareResult } from "../support/shopper.ts";
import { readPaymentIntent } from "../support/stripe-sim.ts";

const stack = inject("stack");
const baseUrl = stack.storefronts.preview!;
const CASE_TIMEOUT_MS = 180_000;
/** As in prepare-faults.test.ts: at most 2 cases talk to Medusa at once. */
const slot = limiter(2);

type Fault = { method: string; path: string };
const FAULTS = {
  update_cart: { method: "POST", path: "^/store/carts/[^/]+$" },
  add_shipping_method: { method: "POST", path: "^/store/carts/[^/]+/shipping-methods$" },
  // Sent by the customer's Durable Object, with the customer's token.
  create_payment_session: { method: "POST", path: "^/store/payment-collections/[^/]+/payment-sessions$" },
} satisfies Record<string, Fault>;
type Step = keyof typeof FAULTS;

// ---- A signed-in customer with a prepared cart ----------------------------------------------

type Customer = { shopper: Shopper; email: string; customerId: string; stripeCustomer: string };
type Extra = { save_card?: boolean; save_address?: boolean; payment_method_id?: string };
type Submitted = { email: string; shipping_address: { address_1: string; postal_code: string }; shipping_option_id: string } & Extra;

/** Two submissions that differ in every part prepare writes (email, both addresses, option); the cases alternate them. */
async function submissions(email: string, extra: Extra): Promise<Submitted[]> {
  const { texas, express } = await shippingOptions();
  return [
    { email: `other-${email}`, shipping_address: CALIFORNIA_ADDRESS, shipping_option_id: express, ...extra },
    { email, shipping_address: TEXAS_ADDRESS, shipping_option_id: texas, ...extra },
  ];
}

/** Signs up (the cart is made with the customer's token) and puts one tee in the cart. */
async function signedInWithCart(label: string): Promise<{ shopper: Shopper; email: string; customerId: string }> {
  const shopper = new Shopper(baseUrl);
  const { email } = await signedUp(shopper, label);
  await shopper.addToCart("organic-cotton-tee", "M", 1);
  const customer = await customerByEmail(email);
  if (!customer) throw new Error(`no customer for ${email}`);
  return { shopper, email, customerId: customer.id };
}

/** A first successful prepare of the cart (Texas, Texas-only courier): everything on it is restorable. */
async function prepareOnce(expect: ExpectStatic, shopper: Shopper, body: Record<string, unknown>): Promise<PrepareResult> {
  // A 5xx is rolled back and not stored: retried only when the machine is slow enough to pass the 2.5 s limit.
  let first = await shopper.prepare(body);
  for (let retry = 0; retry < 2 && first.status >= 500; retry++) first = await shopper.prepare(body);
  expect(first.status, JSON.stringify(first.body)).toBe(200);
  return first;
}

/** The customer's PaymentIntents in the simulator (their Stripe Customer's), newest first. */
async function intentsOf(stripeCustomer: string): Promise<string[]> {
  const response = await fetch(`${stack.stripeSimUrl}/v1/payment_intents?customer=${stripeCustomer}&limit=100`, {
    headers: { authorization: `Bearer ${SIMULATOR_KEYS.secretKey}` },
  });
  return ((await response.json()) as Stripe.ApiList<Stripe.PaymentIntent>).data.map((intent) => intent.id);
}

/** The customer's address book as Medusa holds it: "address_1, postal code" per address. */
async function addressBook(customerId: string): Promise<string[]> {
  const { customer } = await adminRequest<{ customer: { addresses: { address_1: string; postal_code: string }[] } }>(
    `/admin/customers/${customerId}?fields=id,*addresses`,
  );
  return customer.addresses.map((address) => `${address.address_1}, ${address.postal_code}`).sort();
}

/**
 * What a 200 means (prepare-carts.ts's expectEveryStepHolds), but a saved card's
 * PaymentIntent has its payment method already: it waits for confirmation, not for a card.
 */
async function everyStepHolds(expect: ExpectStatic, shopper: Shopper, answer: PrepareResult, submitted: { email: string; shipping_option_id: string; payment_method_id?: string }) {
  const details = await cartDetails(shopper.cartId);
  expect(details).toMatchObject({ email: submitted.email, metadata: answer.body.checkout_attempt_id, shipping_method: [submitted.shipping_option_id] });
  const cart = await medusaCart(shopper.cartId);
  expect(answer.body.amount).toBe(toMinorUnits(cart.total, cart.currency_code));
  const intent = await readPaymentIntent(answer.body.payment_intent_id!);
  expect(intent).toMatchObject({ amount: answer.body.amount, status: submitted.payment_method_id ? "requires_confirmation" : "requires_payment_method" });
  expect(intent.metadata.checkout_attempt_id).toBe(answer.body.checkout_attempt_id);
}

let keys = 0;
const newKey = (label: string) => `${label}-${Date.now()}-${++keys}`;

// ---- One fault, then the same submission again ---------------------------------------------

/**
 * `kind` at `step` for `submitted` (a new key): the contract's error, the cart as before,
 * no PaymentIntent and no saved address made. Then `submitted` under another key, twice at
 * once: one run, one session, one PaymentIntent, one answer (the second replayed), the
 * address saved once. Resolves with that success.
 */
async function faultThenResubmit(expect: ExpectStatic, customer: Customer, step: Step, kind: FaultKind, submitted: Submitted) {
  const { shopper } = customer;
  const fault = FAULTS[step];
  const before = await cartDetails(shopper.cartId);
  const intentsBefore = await intentsOf(customer.stripeCustomer);
  const addressesBefore = await addressBook(customer.customerId);

  const trace = newTrace();
  await injectFault({ kind, traceId: trace.traceId, nth: 1, ...fault });
  const answer = await shopper.prepare(submitted, { traceparent: trace.traceparent, idempotencyKey: newKey(`fault-${kind}`) });
  const after = await cartDetails(shopper.cartId);
  const seen = await medusaRequestsFor(trace.traceId);
  const report = JSON.stringify({ step, kind, answer: answer.body, seen: seen.map((r) => `${r.method} ${r.path} ${r.status} ${r.fault ?? ""} ${r.durationMs}ms`) });

  // The fault hit this request's step, once, and the step failed with the contract's error.
  expect(seen.filter((request) => request.fault).map((request) => request.fault), report).toEqual([kind]);
  expect(answer.status, report).toBe(kind === "hang" ? 504 : 502);
  expect(answer.body.error, report).toMatchObject({ code: kind === "hang" ? "backend_timeout" : "backend_error", step });
  expect(answer.body.trace_id).toBe(trace.traceId);
  expect(JSON.stringify(answer.body)).not.toMatch(/_secret_/);
  // Rolled back, as for a guest: the cart reads back as before; a write that hung is unconfirmed.
  const unconfirmed = kind === "hang";
  const named = answer.body.error!.left_changed!.filter((part) => part !== "unconfirmed_write");
  expect(answer.body.error!.left_changed!.includes("unconfirmed_write"), report).toBe(unconfirmed);
  expect(named, report).toEqual([]);
  expect(changedParts(before, after), report).toEqual([]);
  expect(after, report).toEqual(before);
  expect(answer.body.error!.rolled_back, report).toBe(!unconfirmed);
  // Nothing of the customer's was made: no PaymentIntent, no address.
  expect(await intentsOf(customer.stripeCustomer), report).toEqual(intentsBefore);
  expect(await addressBook(customer.customerId), report).toEqual(addressesBefore);

  // The same submission again, under a new key, sent twice at once (a double click).
  const key = newKey(`again-${kind}`);
  const traces = [newTrace(), newTrace()];
  const answers = await Promise.all(traces.map((t) => shopper.prepare(submitted, { traceparent: t.traceparent, idempotencyKey: key })));
  const again = JSON.stringify({ step, kind, answers: answers.map((a) => [a.status, a.body, a.headers.get("idempotent-replayed")]) });
  for (const one of answers) expect(one.status, again).toBe(200);
  expect(answers[1]!.body, again).toEqual(answers[0]!.body);
  expect(answers.map((one) => one.headers.get("idempotent-replayed") === "true").sort(), again).toEqual([false, true]);
  const success = answers[0]!;
  await everyStepHolds(expect, shopper, success, submitted);
  // One run: one payment session (through the customer's Durable Object), one PaymentIntent.
  const sessions = (await Promise.all(traces.map((t) => medusaRequestsFor(t.traceId))))
    .flat()
    .filter((request) => request.method === "POST" && /\/payment-sessions$/.test(request.path));
  expect(sessions, again).toHaveLength(1);
  expect(await intentsOf(customer.stripeCustomer), again).toEqual([success.body.payment_intent_id, ...intentsBefore]);
  // The PaymentIntent is the customer's and asks what they asked.
  const intent = await readPaymentIntent(success.body.payment_intent_id!);
  expect(intent.customer, again).toBe(customer.stripeCustomer);
  if (submitted.payment_method_id) {
    expect(intent.payment_method).toBe(submitted.payment_method_id);
    expect(intent.setup_future_usage ?? null).toBeNull();
  } else {
    expect(intent.setup_future_usage).toBe(submitted.save_card ? "on_session" : null);
  }
  // The address is saved once, however many answers said 200.
  if (submitted.save_address) {
    const saved = `${submitted.shipping_address.address_1}, ${submitted.shipping_address.postal_code}`;
    expect((await addressBook(customer.customerId)).filter((entry) => entry === saved), again).toEqual([saved]);
  }
  return success;
}

/** `kinds` at `step`, one after another on one customer's cart, alternating the two submissions. */
async function faultMatrix(expect: ExpectStatic, label: string, step: Step, kinds: FaultKind[], extra: Extra = { save_card: true, save_address: true }) {
  const { shopper, email, customerId } = await signedInWithCart(label);
  const [california, texas] = await submissions(email, extra);
  // Prepared once with a card to save (not the address): the customer's Stripe Customer exists.
  const first = await prepareOnce(expect, shopper, { ...texas!, save_address: false, save_card: true, payment_method_id: undefined });
  const stripeCustomer = (await readPaymentIntent(first.body.payment_intent_id!)).customer;
  expect(typeof stripeCustomer).toBe("string");
  const customer: Customer = { shopper, email, customerId, stripeCustomer: stripeCustomer as string };

  let last: PrepareResult | null = null;
  for (const [index, kind] of kinds.entries()) {
    last = await faultThenResubmit(expect, customer, step, kind, index % 2 === 0 ? california! : texas!);
  }
  // The attempt records the customer.
  expect((await storedAttempt(last!.body.checkout_attempt_id!)).customer_id).toBe(customerId);
  return customer;
}

describe.concurrent("prepare-for-payment for a signed-in customer under Medusa faults", () => {
  it("update_cart: error_500 and reset roll back, and the same submission then succeeds once", { timeout: CASE_TIMEOUT_MS }, ({ expect }) =>
    slot(() => faultMatrix(expect, "faults-update", "update_cart", ["error_500", "reset"])),
  );

  it("add_shipping_method: error_500 and reset roll back, and the same submission then succeeds once", { timeout: CASE_TIMEOUT_MS }, ({ expect }) =>
    slot(() => faultMatrix(expect, "faults-shipping", "add_shipping_method", ["error_500", "reset"])),
  );

  it(
    "create_payment_session through the customer's Durable Object: error_500, hang and reset roll back, and its next session goes through",
    { timeout: CASE_TIMEOUT_MS },
    ({ expect }) =>
      slot(async () => {
        const { shopper } = await faultMatrix(expect, "faults-session", "create_payment_session", ["error_500", "hang", "reset"]);
        // No stuck chain: right after the faults, another session of this customer is made at once.
        const trace = newTrace();
        const [, texas] = await submissions("later@example.com", { save_card: true });
        const answer = await shopper.prepare(texas, { traceparent: trace.traceparent, idempotencyKey: newKey("after-faults") });
        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
        const session = (await medusaRequestsFor(trace.traceId)).find((request) => /\/payment-sessions$/.test(request.path));
        expect(session?.status).toBe(200);
        expect(answer.ms).toBeLessThan(10_000);
      }),
  );

  it("paying with a saved card: a payment-session fault rolls back, and the saved card then pays", { timeout: CASE_TIMEOUT_MS }, ({ expect }) =>
    slot(async () => {
      // A customer who paid once and saved the card.
      const { shopper, email, customerId } = await signedInWithCart("faults-saved");
      const [, texas] = await submissions(email, {});
      const paid = await shopper.prepared({ ...texas!, save_card: true });
      await shopper.confirmPayment(stack.stripeSimUrl, paid);
      await shopper.waitForOrder(paid.checkout_attempt_id);
      const paidIntent = await readPaymentIntent(paid.payment_intent_id);
      const card = paidIntent.payment_method as string;
      expect(card).toMatch(/^pm_/);

      // The next cart, prepared once with the saved card, then faulted and resubmitted.
      await shopper.addToCart("organic-cotton-tee", "M", 1);
      const [california, texasAgain] = await submissions(email, { payment_method_id: card });
      await prepareOnce(expect, shopper, texasAgain!);
      const customer: Customer = { shopper, email, customerId, stripeCustomer: paidIntent.customer as string };
      await faultThenResubmit(expect, customer, "create_payment_session", "error_500", california!);
      const last = await faultThenResubmit(expect, customer, "create_payment_session", "reset", texasAgain!);
      expect((await storedAttempt(last.body.checkout_attempt_id!)).customer_id).toBe(customerId);
    }),
  );
});
