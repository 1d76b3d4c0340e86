// prepare-for-payment when Medusa fails, is slow, or the cart moves underneath it
// (checkout contract, section 2), through the production build against the real Medusa.
// Faults are injected by the fault proxy (dev/fault-proxy.ts) for one request's trace id
// only, so the cases run side by side on their own carts.
import { describe, inject, it, type ExpectStatic } from "vitest";
import type { FaultKind } from "../../dev/fault-proxy-client.ts";
import { medusaGet } from "../support/medusa.ts";
import { eventually } from "../support/poll.ts";
import {
  californiaSubmission,
  cartDetails,
  changedParts,
  delayedRequestArrived,
  expectEveryStepHolds,
  freshCart,
  limiter,
  medusaCart,
  medusaPost,
  postsFor,
  preparedCart,
  shippingOptions,
} from "../support/prepare-carts.ts";
import { injectFault, medusaRequestsFor, newTrace } from "../support/proxy.ts";
import { CALIFORNIA_ADDRESS, variantId } from "../support/shopper.ts";

const stack = inject("stack");
const CASE_TIMEOUT_MS = 120_000;
/** At most 2 cases talk to Medusa at once, so none of them passes the 2.5 s limit by load alone. */
const slot = limiter(2);

// ---- The fault matrix -----------------------------------------------------------------------

type Step = { step: string; fault: { method: string; path: string; nth?: number }; cart: "prepared" | "fresh" };
const STEPS: Step[] = [
  { step: "update_cart", fault: { method: "POST", path: "^/store/carts/[^/]+$" }, cart: "prepared" },
  { step: "add_shipping_method", fault: { method: "POST", path: "^/store/carts/[^/]+/shipping-methods$" }, cart: "prepared" },
  { step: "create_payment_session", fault: { method: "POST", path: "^/store/payment-collections/[^/]+/payment-sessions$" }, cart: "prepared" },
  // A cart without a payment collection gets one first (get-or-create).
  { step: "create_payment_session", fault: { method: "POST", path: "^/store/payment-collections$" }, cart: "fresh" },
  // The first GET is the read_cart step; the second is the verify read.
  { step: "verify_amount", fault: { method: "GET", path: "^/store/carts/[^/]+$", nth: 2 }, cart: "prepared" },
];
const KINDS: FaultKind[] = ["error_500", "hang", "reset", "malformed"];
const CASES = STEPS.flatMap((step) => KINDS.map((kind) => ({ ...step, kind, target: `${step.fault.method} ${step.fault.path}` })));

describe.concurrent("prepare-for-payment under Medusa faults", () => {
  it.for(CASES)(
    "$kind on $target ($cart cart): the cart is as before (but what Medusa can't undo, named), and the answer says so",
    { timeout: CASE_TIMEOUT_MS },
    ({ step, fault, cart, kind }, { expect }) =>
      slot(async () => {
        const shopper = cart === "prepared" ? await preparedCart(expect) : await freshCart();
        const before = await cartDetails(shopper.cartId);
        const trace = newTrace();
        await injectFault({ kind, traceId: trace.traceId, nth: 1, ...fault });

        const submitted = await californiaSubmission();
        const answer = await shopper.prepare(submitted, { traceparent: trace.traceparent });
        const after = await cartDetails(shopper.cartId);

        const seen = await medusaRequestsFor(trace.traceId);
        const report = JSON.stringify({ answer: answer.body, seen: seen.map((r) => `${r.method} ${r.path} ${r.status} ${r.fault ?? ""} ${r.durationMs}ms`) });
        // The fault really hit this request's step.
        expect(seen.filter((request) => request.fault).map((request) => request.fault), report).toEqual([kind]);

        // A step that failed never ends in success (the Medusa client doesn't retry).
        expect(answer.status, report).toBe(kind === "hang" ? 504 : 502);
        expect(answer.body.error, report).toMatchObject({ code: kind === "hang" ? "backend_timeout" : "backend_error", step });
        expect(answer.body.trace_id).toBe(trace.traceId);
        expect(JSON.stringify(answer.body)).not.toMatch(/_secret_/);
        // What differs from before is exactly what the answer names, and only what Medusa
        // can't undo (it can't unset an email or address, nor delete a shipping method).
        // A write that hung may still land later: the answer marks it unconfirmed.
        const unconfirmed = kind === "hang" && fault.method === "POST";
        const named = answer.body.error!.left_changed!.filter((part) => part !== "unconfirmed_write");
        expect(answer.body.error!.left_changed!.includes("unconfirmed_write"), report).toBe(unconfirmed);
        expect(changedParts(before, after), report).toEqual(named);
        expect(answer.body.error!.rolled_back).toBe(answer.body.error!.left_changed!.length === 0);
        if (cart === "prepared") expect(after).toEqual(before);
        else expect(after.metadata).toBeNull();
      }),
  );

  it("on a fresh cart, left_changed names exactly what Medusa can't restore", ({ expect }) =>
    slot(async () => {
      const shopper = await freshCart();
      const before = await cartDetails(shopper.cartId);
      // The storefront makes carts with the region's country as a partial shipping address.
      expect(before).toMatchObject({ email: null, shipping_address: { country_code: "us", address_1: null }, billing_address: null, metadata: null, shipping_method: [] });
      const trace = newTrace();
      await injectFault({ kind: "error_500", traceId: trace.traceId, method: "GET", path: "^/store/carts/[^/]+$", nth: 2 });
      const answer = await shopper.prepare(await californiaSubmission(), { traceparent: trace.traceparent });
      expect(answer.status).toBe(502);
      expect(answer.body.error).toMatchObject({
        code: "backend_error",
        step: "verify_amount",
        rolled_back: false,
        left_changed: ["email", "billing_address", "shipping_method"],
      });
      const after = await cartDetails(shopper.cartId);
      // The attempt id is gone; the rest is what the shopper entered, and nothing else moved.
      expect(after.metadata).toBeNull();
      expect(changedParts(before, after)).toEqual(answer.body.error!.left_changed);
    }), CASE_TIMEOUT_MS);

  it("an address change that invalidates the Texas-only option gets the new option and the California total", ({ expect }) =>
    slot(async () => {
      const shopper = await preparedCart(expect);
      const { standard } = await shippingOptions();
      const submitted = { email: "grace@example.com", shipping_address: CALIFORNIA_ADDRESS, shipping_option_id: standard };
      const answer = await shopper.prepare(submitted);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      await expectEveryStepHolds(expect, shopper, answer, submitted);
      expect((await cartDetails(shopper.cartId)).shipping_address?.province).toBe("us-ca");
    }), CASE_TIMEOUT_MS);

  it("a failure after the address change puts the Texas address back before the Texas-only option", ({ expect }) =>
    slot(async () => {
      const shopper = await preparedCart(expect);
      const { standard, texas } = await shippingOptions();
      const before = await cartDetails(shopper.cartId);
      expect(before.shipping_method).toEqual([texas]);
      const trace = newTrace();
      await injectFault({ kind: "error_500", traceId: trace.traceId, method: "POST", path: "^/store/carts/[^/]+/shipping-methods$", nth: 1 });
      const answer = await shopper.prepare({ email: "grace@example.com", shipping_address: CALIFORNIA_ADDRESS, shipping_option_id: standard }, { traceparent: trace.traceparent });
      expect(answer.body.error).toMatchObject({ code: "backend_error", step: "add_shipping_method", rolled_back: true, left_changed: [] });
      expect(await cartDetails(shopper.cartId)).toEqual(before);
      // Details first, then the option: in the other order Medusa refuses the Texas option.
      const writes = (await medusaRequestsFor(trace.traceId)).filter((request) => request.method === "POST").slice(-2);
      expect(writes.map((request) => [request.path.replace(/cart_\w+/, ":id"), request.status])).toEqual([
        ["/store/carts/:id", 200],
        ["/store/carts/:id/shipping-methods", 200],
      ]);
    }), CASE_TIMEOUT_MS);
});

describe("a cart changed by another request between the steps", () => {
  /** A prepared cart's resubmission whose `held` Medusa call is held 1.5 s, while a notebook is added to the cart. */
  async function prepareWhileNotebookAdded(expect: ExpectStatic, held: { method: string; path: string; nth: number }) {
    const shopper = await preparedCart(expect);
    const submitted = await californiaSubmission();
    const trace = newTrace();
    await injectFault({ kind: "delay", delayMs: 1500, traceId: trace.traceId, ...held });
    const pending = shopper.prepare(submitted, { traceparent: trace.traceparent });
    await delayedRequestArrived(trace.traceId);
    await medusaPost(`/store/carts/${shopper.cartId}/line-items`, { variant_id: await variantId("dot-grid-notebook", "A5"), quantity: 1 });
    return { shopper, submitted, trace, answer: await pending };
  }

  it("an item added while the payment session request is held: the new total is charged, or cart_changed, never the old one", async ({ expect }) => {
    const { shopper, submitted, answer } = await prepareWhileNotebookAdded(expect, { method: "POST", path: "^/store/payment-collections/[^/]+/payment-sessions$", nth: 1 });

    const cart = await medusaCart(shopper.cartId);
    expect(cart.items).toHaveLength(2);
    if (answer.status === 200) {
      await expectEveryStepHolds(expect, shopper, answer, submitted);
    } else {
      expect(answer.status).toBe(409);
      expect(answer.body.error!.code).toBe("cart_changed");
    }
  });

  it("an item added after the session was created and before the verify read: one new session, for the new total", async ({ expect }) => {
    const { shopper, submitted, trace, answer } = await prepareWhileNotebookAdded(expect, { method: "GET", path: "^/store/carts/[^/]+$", nth: 2 });

    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    await expectEveryStepHolds(expect, shopper, answer, submitted);
    // Medusa deleted the first session when the total changed; the verify read saw it and redid it once.
    const sessions = (await medusaRequestsFor(trace.traceId)).filter((request) => /payment-sessions$/.test(request.path));
    expect(sessions).toHaveLength(2);
  });
});

describe("writes that outlive their timeout, and keyless resubmissions", () => {
  // Medusa is slow, not down: the update arrives after the storefront gave up (2.5 s) and
  // after the rollback restored the cart, so it undoes the rollback. The answer can't know
  // that, so it must not claim the cart was rolled back.
  it("a write that timed out is reported as unconfirmed, never as rolled back", async ({ expect }) => {
    const shopper = await preparedCart(expect);
    const before = await cartDetails(shopper.cartId);
    const trace = newTrace();
    await injectFault({ kind: "delay", delayMs: 6000, traceId: trace.traceId, method: "POST", path: "^/store/carts/[^/]+$", nth: 1 });
    const answer = await shopper.prepare(await californiaSubmission(), { traceparent: trace.traceparent });
    expect(answer.body.error).toMatchObject({ code: "backend_timeout", step: "update_cart" });
    // Wait until the held update has reached Medusa and been applied.
    await eventually(() => medusaRequestsFor(trace.traceId), (requests) => requests.some((request) => request.fault === "delay" && request.status !== null), 20_000, 100);
    const after = await cartDetails(shopper.cartId);
    expect(answer.body.error!.rolled_back).toBe(false);
    expect(answer.body.error!.left_changed).toContain("unconfirmed_write");
    // The held write did land and changed the cart: exactly what "unconfirmed" warned of.
    expect(changedParts(before, after).length).toBeGreaterThan(0);
    // And the next submission puts the cart in order.
    const retried = await shopper.prepare(await californiaSubmission());
    expect(retried.status).toBe(200);
  });

  // Without a key the key is the cart id plus the body; a stored success is replayed only
  // while it is still the cart's payment (one read), so a cart change prepares again.
  it("without a key, the same details after the cart changed are prepared for the new total", async ({ expect }) => {
    const shopper = await freshCart();
    const submitted = await californiaSubmission();
    expect((await shopper.prepare(submitted)).status).toBe(200);
    await medusaPost(`/store/carts/${shopper.cartId}/line-items`, { variant_id: await variantId("dot-grid-notebook", "A5"), quantity: 1 });
    const again = await shopper.prepare(submitted);
    expect(again.status).toBe(200);
    await expectEveryStepHolds(expect, shopper, again, submitted);
  });

  it("without a key, an empty-cart refusal is not replayed once the cart has items", async ({ expect }) => {
    const shopper = await freshCart();
    const { cart } = await medusaGet<{ cart: { items: { id: string }[] } }>(`/store/carts/${shopper.cartId}`);
    const removed = await fetch(`${stack.medusaUrl}/store/carts/${shopper.cartId}/line-items/${cart.items[0]!.id}`, {
      method: "DELETE",
      headers: { "x-publishable-api-key": stack.publishableKey },
    });
    expect(removed.status).toBe(200);
    const submitted = await californiaSubmission();
    const refused = await shopper.prepare(submitted);
    expect(refused.body.error).toMatchObject({ code: "invalid_request", step: "read_cart" });
    await medusaPost(`/store/carts/${shopper.cartId}/line-items`, { variant_id: await variantId("dot-grid-notebook", "A5"), quantity: 1 });
    expect((await shopper.prepare(submitted)).status).toBe(200);
  });
});

describe("concurrent identical submissions", () => {
  it.for([
    { label: "with the same Idempotency-Key", key: "twenty-at-once-0001" },
    { label: "without a key (the key derived from cart and body)", key: undefined },
  ])("20 at once $label make one set of Medusa writes and all get the same answer", async ({ key }, { expect }) => {
    const shopper = await freshCart();
    const submitted = await californiaSubmission();
    const traces = Array.from({ length: 20 }, newTrace);
    const answers = await Promise.all(
      traces.map((trace) => shopper.prepare(submitted, { traceparent: trace.traceparent, ...(key ? { idempotencyKey: key } : {}) })),
    );
    for (const answer of answers) {
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body).toEqual(answers[0]!.body);
    }
    await expectEveryStepHolds(expect, shopper, answers[0]!, submitted);
    // A new cart: details, shipping method, payment collection, payment session. Once.
    const posts = await postsFor(traces.map((trace) => trace.traceId));
    expect(posts.map((request) => request.path.replace(/(cart|pay_col)_\w+/, ":id"))).toEqual([
      "/store/carts/:id",
      "/store/carts/:id/shipping-methods",
      "/store/payment-collections",
      "/store/payment-collections/:id/payment-sessions",
    ]);
  });
});
