// Issue 13: the reconciler's sweep warns the merchant about paid orders whose card
// authorization is 6 days old and still not captured, a day before Stripe cancels it. The
// sweep (reconcile.server.ts) with the real check (uncaptured.server.ts) against an
// in-memory Stripe list and KV: the window, ours only, one warning per PaymentIntent, an
// attempt KV no longer keeps, Stripe's page limit, and a Stripe failure that leaves the
// settling part of the sweep alone.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createAttempt, transitionAttempt } from "../../app/lib/checkout/attempts.server";
import type { OpenAttempt } from "../../app/lib/checkout/open-attempts";
import { sweep, type Settlement, type SweepDeps } from "../../app/lib/checkout/payment/reconcile.server";
import { checkUncaptured, MAX_LIST_PAGES, UNCAPTURED_WARNING, WARNED_TTL_SECONDS, type ListQuery } from "../../app/lib/checkout/payment/uncaptured.server";
import { createLogger } from "../../app/lib/log.server";
import { scanLogText } from "../support/log-scan.ts";
import { ScriptedKv } from "../support/scripted-medusa.ts";

const DAY = 24 * 60 * 60;
const AS_OF = new Date("2026-12-10T12:00:00Z");
const asOfSeconds = AS_OF.getTime() / 1000;
const ATTEMPT = "ca_0123456789ABCDEFGHJKMNPQ";
const OTHER_ATTEMPT = "ca_ZYXWVTSRQPNMKJHGFEDCBA98";

type FakeIntent = { id: string; status: string; amount: number; currency: string; created: number; metadata: Record<string, string>; client_secret: string };

/** Stripe's `GET /v1/payment_intents` over an in-memory list: newest first, `created` bounds, limit, starting_after. */
class FakeStripe {
  readonly intents: FakeIntent[] = [];
  readonly queries: ListQuery[] = [];
  /** When set, the list call of this page (1-based) fails as Stripe's API would. */
  failOnPage: number | null = null;

  add(id: string, created: number, fields: Partial<FakeIntent> = {}): FakeIntent {
    const intent = { id, status: "requires_capture", amount: 2998, currency: "usd", created, metadata: { checkout_attempt_id: ATTEMPT }, client_secret: `${id}_secret_abcdef`, ...fields };
    this.intents.push(intent);
    return intent;
  }

  list = async (query: ListQuery) => {
    this.queries.push(query);
    if (this.failOnPage === this.queries.length) throw new Error("Stripe API: connection error (An error occurred with our connection to Stripe.)");
    let all = [...this.intents]
      .sort((a, b) => b.created - a.created || b.id.localeCompare(a.id))
      .filter((intent) => intent.created >= query.created.gte && intent.created <= query.created.lte);
    if (query.starting_after) all = all.slice(all.findIndex((intent) => intent.id === query.starting_after) + 1);
    const data = all.slice(0, query.limit);
    return { object: "list", data, has_more: all.length > data.length, url: "/v1/payment_intents" };
  };
}

let lines: string[] = [];
beforeEach(() => {
  lines = [];
  for (const stream of ["log", "error"] as const) {
    vi.spyOn(console, stream).mockImplementation((line: unknown) => {
      lines.push(String(line));
    });
  }
});
afterEach(() => {
  vi.restoreAllMocks();
});

const logged = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
const warnings = () => logged().filter((line) => line.msg === UNCAPTURED_WARNING);

/** A sweep with one open attempt to settle (settled at once), and the real uncaptured check against these fakes. */
function world(stripe: FakeStripe, kv = new ScriptedKv([])) {
  const settledEntries: string[] = [];
  const open: OpenAttempt = { attempt_id: OTHER_ATTEMPT, cart_id: "cart_open", created_at: new Date(AS_OF.getTime() - 10 * 60_000).toISOString() };
  const logger = createLogger("3".repeat(32), "scheduled */5 * * * *");
  const deps: SweepDeps = {
    index: { list: async () => [open] },
    settle: async (entry): Promise<Settlement> => {
      settledEntries.push(entry.attempt_id);
      return { attempt_id: entry.attempt_id, cart_id: entry.cart_id, action: "completed", status: "completed", done: true, order_id: "order_open" };
    },
    checkUncaptured: (asOf, only) => checkUncaptured({ listIntents: stripe.list, attempts: kv.asBinding(), logger }, asOf, only),
    logger,
  };
  return { deps, kv, settledEntries };
}

/** A prepared attempt for this PaymentIntent, still holding the shopper's email. */
function openAttempt(kv: ScriptedKv, paymentIntentId: string) {
  return createAttempt(kv.asBinding(), {
    id: ATTEMPT,
    cart_id: "cart_01",
    trace_id: "1".repeat(32),
    email: "ada@example.com",
    shipping_address: null,
    items: null,
    totals: null,
    currency_code: "usd",
    amount: 2998,
    payment_intent_id: paymentIntentId,
    payment_collection_id: "pay_col_01",
  });
}

/** The attempt of a paid order, as KV keeps it after completion (personal data gone, order id kept). */
async function completedAttempt(kv: ScriptedKv, orderId = "order_01") {
  await openAttempt(kv, "pi_old");
  await transitionAttempt(kv.asBinding(), ATTEMPT, "completed", { trace_id: "1".repeat(32), order_id: orderId });
}

describe("the window: created 7 to 6 days before the sweep's clock", () => {
  it("asks Stripe for exactly that window and lists what is in it, with created + 7 days as the expiry", async () => {
    const stripe = new FakeStripe();
    stripe.add("pi_too_old", asOfSeconds - 7 * DAY - 1);
    stripe.add("pi_7_days", asOfSeconds - 7 * DAY);
    stripe.add("pi_6_and_a_half_days", asOfSeconds - 6.5 * DAY);
    stripe.add("pi_6_days", asOfSeconds - 6 * DAY);
    stripe.add("pi_too_young", asOfSeconds - 6 * DAY + 1);
    const { deps } = world(stripe);

    const report = await sweep(deps, { asOf: AS_OF });

    expect(stripe.queries).toEqual([{ created: { gte: asOfSeconds - 7 * DAY, lte: asOfSeconds - 6 * DAY }, limit: 100 }]);
    expect(report.uncaptured.map((payment) => payment.payment_intent)).toEqual(["pi_6_days", "pi_6_and_a_half_days", "pi_7_days"]);
    expect(report.uncaptured.find((payment) => payment.payment_intent === "pi_6_and_a_half_days")).toEqual({
      payment_intent: "pi_6_and_a_half_days",
      attempt_id: ATTEMPT,
      order_id: null,
      amount: 2998,
      currency: "usd",
      expires_at: new Date(AS_OF.getTime() + 0.5 * DAY * 1000).toISOString(),
      warned: true,
    });
    expect(report.uncaptured_check).toEqual({ pages: 1, capped: false, error: null });
  });

  it("an authorization 5 days old, or one a day past its window, is not listed", async () => {
    const stripe = new FakeStripe();
    stripe.add("pi_5_days", asOfSeconds - 5 * DAY);
    stripe.add("pi_8_days", asOfSeconds - 8 * DAY);
    const report = await sweep(world(stripe).deps, { asOf: AS_OF });
    expect(report.uncaptured).toEqual([]);
    expect(warnings()).toEqual([]);
  });
});

describe("ours only, and only what still waits for capture", () => {
  it("skips PaymentIntents without our attempt id, and ours that were captured, canceled or never paid", async () => {
    const stripe = new FakeStripe();
    const created = asOfSeconds - 6.5 * DAY;
    stripe.add("pi_ours", created);
    stripe.add("pi_no_metadata", created + 1, { metadata: {} });
    stripe.add("pi_someone_elses", created + 2, { metadata: { order: "invoice_77" } });
    stripe.add("pi_not_an_attempt_id", created + 3, { metadata: { checkout_attempt_id: "ca_1" } });
    stripe.add("pi_captured", created + 4, { status: "succeeded" });
    stripe.add("pi_canceled", created + 5, { status: "canceled" });
    stripe.add("pi_never_paid", created + 6, { status: "requires_payment_method" });
    const report = await sweep(world(stripe).deps, { asOf: AS_OF });
    expect(report.uncaptured.map((payment) => payment.payment_intent)).toEqual(["pi_ours"]);
    expect(warnings().map((line) => line.payment_intent_id)).toEqual(["pi_ours"]);
  });

  it("a sweep limited to named attempts lists only theirs", async () => {
    const stripe = new FakeStripe();
    stripe.add("pi_named", asOfSeconds - 6.5 * DAY);
    stripe.add("pi_other", asOfSeconds - 6.5 * DAY + 1, { metadata: { checkout_attempt_id: OTHER_ATTEMPT } });
    const report = await sweep(world(stripe).deps, { asOf: AS_OF, attemptIds: [ATTEMPT] });
    expect(report.uncaptured.map((payment) => payment.payment_intent)).toEqual(["pi_named"]);
    expect(warnings().map((line) => line.payment_intent_id)).toEqual(["pi_named"]);
  });
});

describe("one warning per PaymentIntent", () => {
  it("logs one warn line with the order, then later sweeps list it without warning again", async () => {
    const stripe = new FakeStripe();
    stripe.add("pi_paid", asOfSeconds - 6.5 * DAY);
    const { deps, kv } = world(stripe);
    await completedAttempt(kv, "order_01");

    const first = await sweep(deps, { asOf: AS_OF });
    expect(first.uncaptured).toEqual([expect.objectContaining({ payment_intent: "pi_paid", order_id: "order_01", warned: true })]);
    expect(warnings()).toEqual([
      expect.objectContaining({
        level: "warn",
        step: "reconcile",
        payment_intent_id: "pi_paid",
        order_id: "order_01",
        attempt_id: ATTEMPT,
        attempt_found: true,
        amount: 2998,
        currency: "usd",
        expires_at: new Date((asOfSeconds + 0.5 * DAY) * 1000).toISOString(),
      }),
    ]);
    expect(kv.entries.get("authorization-warned:pi_paid")?.expirationTtl).toBe(WARNED_TTL_SECONDS);

    // A sweep at the same time again, the next cron sweeps, and one 11 hours on (the PaymentIntent 6 days 23 hours old).
    for (const minutes of [0, 5, 10, 11 * 60]) {
      const later = await sweep(deps, { asOf: new Date(AS_OF.getTime() + minutes * 60_000) });
      expect(later.uncaptured).toEqual([expect.objectContaining({ payment_intent: "pi_paid", order_id: "order_01", warned: false })]);
    }
    expect(warnings()).toHaveLength(1);
    // The sweep's own summary line counts them.
    const summaries = logged().filter((line) => line.msg === "reconcile sweep");
    expect(summaries.map((line) => [line.uncaptured_count, line.uncaptured_warned])).toEqual([[1, 1], [1, 0], [1, 0], [1, 0], [1, 0]]);
  });

  it("when the note can't be written, the warning still goes out (and the next sweep repeats it rather than stay silent)", async () => {
    const stripe = new FakeStripe();
    stripe.add("pi_paid", asOfSeconds - 6.5 * DAY);
    const { deps, kv } = world(stripe);
    kv.failPuts = new Error("KV put failed: 503");
    const report = await sweep(deps, { asOf: AS_OF });
    expect(report.uncaptured).toEqual([expect.objectContaining({ payment_intent: "pi_paid", warned: true })]);
    expect(warnings()).toHaveLength(1);
    expect(logged().some((line) => line.msg === "uncaptured authorization warning not remembered")).toBe(true);
  });
});

describe("an attempt KV no longer keeps (attempts live 7 days from their last write)", () => {
  it("reports and warns about the PaymentIntent alone, without its order", async () => {
    const stripe = new FakeStripe();
    stripe.add("pi_forgotten", asOfSeconds - 6.9 * DAY);
    const report = await sweep(world(stripe).deps, { asOf: AS_OF });
    expect(report.uncaptured).toEqual([expect.objectContaining({ payment_intent: "pi_forgotten", attempt_id: ATTEMPT, order_id: null, warned: true })]);
    expect(warnings()).toEqual([expect.objectContaining({ payment_intent_id: "pi_forgotten", order_id: null, attempt_id: ATTEMPT, attempt_found: false })]);
  });
});

describe("Stripe's list, page by page", () => {
  it("follows has_more with starting_after, and stops after MAX_LIST_PAGES pages, saying so", async () => {
    const stripe = new FakeStripe();
    for (let i = 0; i < 650; i++) stripe.add(`pi_${String(i).padStart(4, "0")}`, asOfSeconds - 6.5 * DAY + i);
    const report = await sweep(world(stripe).deps, { asOf: AS_OF });
    expect(stripe.queries).toHaveLength(MAX_LIST_PAGES);
    expect(stripe.queries.slice(1).map((query) => query.starting_after)).toEqual(["pi_0550", "pi_0450", "pi_0350", "pi_0250"]);
    expect(report.uncaptured).toHaveLength(MAX_LIST_PAGES * 100);
    expect(report.uncaptured_check).toEqual({ pages: MAX_LIST_PAGES, capped: true, error: null });
    expect(logged().filter((line) => line.msg === "uncaptured authorizations checked in part: more than one sweep's pages")).toHaveLength(1);
  });

  it("two pages that hold everything are not capped", async () => {
    const stripe = new FakeStripe();
    for (let i = 0; i < 150; i++) stripe.add(`pi_${String(i).padStart(4, "0")}`, asOfSeconds - 6.5 * DAY + i);
    const report = await sweep(world(stripe).deps, { asOf: AS_OF });
    expect(report.uncaptured).toHaveLength(150);
    expect(report.uncaptured_check).toEqual({ pages: 2, capped: false, error: null });
  });
});

describe("when Stripe fails", () => {
  it("the sweep still settles its open attempts; the failure is logged and reported", async () => {
    const stripe = new FakeStripe();
    stripe.add("pi_paid", asOfSeconds - 6.5 * DAY);
    stripe.failOnPage = 1;
    const { deps, settledEntries } = world(stripe);
    const report = await sweep(deps, { asOf: AS_OF });
    expect(settledEntries).toEqual([OTHER_ATTEMPT]);
    expect(report).toMatchObject({ open: 1, due: 1, errors: [], settled: [expect.objectContaining({ attempt_id: OTHER_ATTEMPT, action: "completed" })] });
    expect(report.uncaptured).toEqual([]);
    expect(report.uncaptured_check).toEqual({ pages: 0, capped: false, error: expect.stringContaining("connection error") });
    expect(logged()).toContainEqual(expect.objectContaining({ level: "warn", msg: "uncaptured authorizations not checked", step: "reconcile", outcome: "error" }));
    expect(logged()).toContainEqual(expect.objectContaining({ msg: "reconcile sweep", settled_count: 1, uncaptured_error: expect.stringContaining("connection error") }));
  });

  it("a failure on a later page keeps what the earlier pages found", async () => {
    const stripe = new FakeStripe();
    for (let i = 0; i < 120; i++) stripe.add(`pi_${String(i).padStart(4, "0")}`, asOfSeconds - 6.5 * DAY + i);
    stripe.failOnPage = 2;
    const report = await sweep(world(stripe).deps, { asOf: AS_OF });
    expect(report.uncaptured).toHaveLength(100);
    expect(report.uncaptured_check).toMatchObject({ pages: 1, capped: false, error: expect.stringContaining("connection error") });
    expect(warnings()).toHaveLength(100);
  });

  it("an answer that is not a list is a failure of the check, not of the sweep", async () => {
    const { deps, settledEntries } = world(new FakeStripe());
    deps.checkUncaptured = (asOf, only) => checkUncaptured({ listIntents: async () => ({ error: { message: "bad gateway" } }), attempts: new ScriptedKv([]).asBinding(), logger: deps.logger }, asOf, only);
    const report = await sweep(deps, { asOf: AS_OF });
    expect(settledEntries).toEqual([OTHER_ATTEMPT]);
    expect(report.uncaptured_check.error).toMatch(/ZodError|invalid/i);
  });
});

describe("what the warning never logs", () => {
  it("no email address and no client secret, though the attempt and Stripe's answer hold them", async () => {
    const stripe = new FakeStripe();
    stripe.add("pi_paid", asOfSeconds - 6.5 * DAY);
    const { deps, kv } = world(stripe);
    // An attempt not completed still holds the shopper's email.
    await openAttempt(kv, "pi_paid");
    const report = await sweep(deps, { asOf: AS_OF });
    expect(warnings()).toHaveLength(1);
    expect(scanLogText("unit", lines.join("\n"), [])).toEqual([]);
    expect(JSON.stringify(report)).not.toMatch(/_secret_|@example\.com/);
  });
});
