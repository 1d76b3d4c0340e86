// The accounts part of `npm run bench`: a customer signed up through the storefront's form
// (as a browser without JavaScript posts it, like tests/support/customer.ts) who has bought
// one thing with the bench's shopper (its card and address saved at checkout); the server
// time of the account pages for them and of the sign-in POST, with Medusa's time inside
// each request (its calls for the request's trace id, as the fault proxy timed them); and
// the client JavaScript a document references. Figures only; nothing here asserts a time.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { proxiedRequests, type RecordedRequest } from "./fault-proxy-client.ts";
import { newClientIp, newTrace, shippingOptionId, Shopper, TEXAS_ADDRESS, variantId, type Shop } from "./shopper.ts";
import { median, percentile, round } from "./stats.ts";

/** Sign-ins per round: each on an account of its own (the per-email limit is 5 a minute). */
const SIGN_INS = Number(process.env.BENCH_SIGN_INS ?? 10);
const PASSWORD = "correct-horse-battery";

export type BenchCounts = { rounds: number; requests: number };

type Sample = {
  /** What the shopper waited for the whole answer, at the storefront. */
  ms: number;
  /** Time with at least one Medusa call of this trace open (overlapping calls count once). */
  medusaMs: number;
  medusaCalls: number;
};


/** Each bench shopper is its own client to the rate limits: 10.30.x.y. */
export const benchShopper = (shop: Shop) => new Shopper(shop, { clientIp: newClientIp(30) });

/** The union of the calls' time spans, in ms. */
function medusaWallMs(requests: RecordedRequest[]): number {
  const spans = requests.map((request) => [request.startedAt, request.startedAt + request.durationMs] as const).sort((a, b) => a[0] - b[0]);
  let total = 0;
  let end = -Infinity;
  for (const [start, stop] of spans) {
    if (stop <= end) continue;
    total += stop - Math.max(start, end);
    end = stop;
  }
  return total;
}

/** One request with a trace id of its own, timed to the last byte, and Medusa's part of it. */
async function timed(proxyUrl: string, what: string, expected: number, send: (traceparent: string) => Promise<Response>): Promise<Sample> {
  const trace = newTrace();
  const started = performance.now();
  const response = await send(trace.traceparent);
  await response.arrayBuffer();
  const ms = performance.now() - started;
  if (response.status !== expected) throw new Error(`${what} answered ${response.status}`);
  const requests = await proxiedRequests(proxyUrl, trace.traceId);
  return { ms, medusaMs: medusaWallMs(requests), medusaCalls: requests.length };
}

/** Each figure the median over rounds of that round's percentile. */
function figures(rounds: Sample[][]) {
  const overRounds = (pick: (sample: Sample) => number, pct: number) => median(rounds.map((samples) => percentile(samples.map(pick), pct)));
  return {
    p50_ms: round(overRounds((s) => s.ms, 50)),
    p95_ms: round(overRounds((s) => s.ms, 95)),
    medusa_ms: { p50_ms: round(overRounds((s) => s.medusaMs, 50)), p95_ms: round(overRounds((s) => s.medusaMs, 95)) },
    medusa_pct_p50: round(overRounds((s) => (100 * s.medusaMs) / s.ms, 50)),
    medusa_calls_p50: overRounds((s) => s.medusaCalls, 50),
  };
}

/** The register form, as a browser without JavaScript posts it; the shopper is then signed in. */
async function signUp(shopper: Shopper, label: string): Promise<string> {
  const email = `bench-${label}-${randomUUID().slice(0, 8)}@example.com`;
  const response = await shopper.request("/account/register", {
    method: "POST",
    form: new URLSearchParams({ intent: "sign-up", email, password: PASSWORD, first_name: "Ada", last_name: "Lovelace" }),
  });
  await response.arrayBuffer();
  if (response.status !== 302) throw new Error(`sign-up of ${email} answered ${response.status}`);
  return email;
}

/** A signed-in customer with one order, paid with a new card, the card and the address saved. */
export async function customerWithOrder(shop: Shop, stripeSimUrl: string): Promise<{ shopper: Shopper; email: string; orderId: string }> {
  const shopper = benchShopper(shop);
  const email = await signUp(shopper, "orders");
  await shopper.addVariant("organic-cotton-tee", await variantId(shop, "organic-cotton-tee", "M"));
  const standard = await shippingOptionId(shop, shopper.cartId, "Standard");
  const prepared = await shopper.prepared({ email, shipping_address: TEXAS_ADDRESS, shipping_option_id: standard, save_card: true, save_address: true }, { traceparent: newTrace().traceparent });
  await shopper.confirmPayment(stripeSimUrl, prepared);
  const { orderId } = await shopper.waitForOrder(prepared.checkout_attempt_id);
  return { shopper, email, orderId };
}

/** `counts.rounds` rounds of `counts.requests` GETs of `pathname` as the customer (after two warm-ups). */
async function pageTimes(shopper: Shopper, proxyUrl: string, pathname: string, counts: BenchCounts, check: (html: string) => boolean) {
  const warmUp = await shopper.request(pathname);
  const html = await warmUp.text();
  if (warmUp.status !== 200 || !check(html)) throw new Error(`${pathname} answered ${warmUp.status} without the customer's data`);
  await timed(proxyUrl, pathname, 200, (traceparent) => shopper.request(pathname, { headers: { traceparent } }));
  const rounds: Sample[][] = [];
  for (let r = 0; r < counts.rounds; r++) {
    const samples: Sample[] = [];
    for (let i = 0; i < counts.requests; i++) samples.push(await timed(proxyUrl, pathname, 200, (traceparent) => shopper.request(pathname, { headers: { traceparent } })));
    rounds.push(samples);
  }
  return figures(rounds);
}

/**
 * The sign-in form's POST (answered with the redirect that sets the session cookie), from
 * a new browser with no cart, each on an account made for it beforehand: one sign-in per
 * account and per client address keeps them all under the account rate limits.
 */
async function signInTimes(shop: Shop, proxyUrl: string, counts: BenchCounts, log: (line: string) => void) {
  const warmUps = 2;
  log(`accounts: signing up ${warmUps + counts.rounds * SIGN_INS} accounts to sign in to`);
  const emails: string[] = [];
  for (let i = 0; i < warmUps + counts.rounds * SIGN_INS; i++) emails.push(await signUp(benchShopper(shop), "sign-in"));
  const signIn = (email: string) =>
    timed(proxyUrl, `sign-in of ${email}`, 302, (traceparent) =>
      benchShopper(shop).request("/account/sign-in", { method: "POST", form: new URLSearchParams({ intent: "sign-in", email, password: PASSWORD }), headers: { traceparent } }),
    );
  for (const email of emails.splice(0, warmUps)) await signIn(email);
  log("accounts: timing sign-in");
  const rounds: Sample[][] = [];
  for (let r = 0; r < counts.rounds; r++) {
    const samples: Sample[] = [];
    for (const email of emails.splice(0, SIGN_INS)) samples.push(await signIn(email));
    rounds.push(samples);
  }
  return figures(rounds);
}

/** Account pages and sign-in, for a customer with one order; the customer too (for the JavaScript figure). */
export async function benchAccounts(shop: Shop, proxyUrl: string, stripeSimUrl: string, counts: BenchCounts, log: (line: string) => void) {
  log("accounts: a customer signs up and buys one order");
  const customer = await customerWithOrder(shop, stripeSimUrl);
  const { shopper, email, orderId } = customer;
  log("accounts: timing the account pages");
  const pages = {
    "/account": await pageTimes(shopper, proxyUrl, "/account", counts, (html) => html.includes(email) && html.includes("account-saved-card")),
    "/account/orders": await pageTimes(shopper, proxyUrl, "/account/orders", counts, (html) => html.includes(`data-order-id="${orderId}"`)),
    "/account/orders/:id": await pageTimes(shopper, proxyUrl, `/account/orders/${orderId}`, counts, (html) => html.includes("Order #")),
    "/account/addresses": await pageTimes(shopper, proxyUrl, "/account/addresses", counts, (html) => html.includes(TEXAS_ADDRESS.address_1)),
  };
  const signIn = await signInTimes(shop, proxyUrl, counts, log);
  return { customer, figures: { requests_per_round: counts.requests, sign_ins_per_round: SIGN_INS, ...pages, "sign-in POST": signIn } };
}

/**
 * The client JavaScript a document references (its modulepreload links, script sources and
 * the module script's imports, the entry script among them), read from the production
 * build's client folder and gzipped one by one at zlib's default level.
 */
export async function documentJavaScript(response: Response, clientDir: string) {
  const html = await response.text();
  if (response.status !== 200) throw new Error(`${response.url} answered ${response.status}`);
  const attribute = (tag: string, name: string) => new RegExp(`\\s${name}\\s*=\\s*"([^"]*)"`, "i").exec(tag)?.[1];
  const paths = new Set<string>();
  for (const [tag] of html.matchAll(/<link\b[^>]*>/gi)) {
    const href = attribute(tag, "href");
    if (attribute(tag, "rel")?.toLowerCase() === "modulepreload" && href) paths.add(href);
  }
  for (const [, attributes = "", body = ""] of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    const src = attribute(attributes, "src");
    if (src) paths.add(src);
    if (attribute(attributes, "type") !== "module") continue;
    for (const [, imported] of body.matchAll(/\bimport\s*(?:\*\s*as\s+\w+\s+from\s*)?\(?\s*"([^"]+)"/g)) paths.add(imported!);
  }
  let bytes = 0;
  for (const reference of paths) {
    const url = new URL(reference, response.url);
    if (url.origin !== new URL(response.url).origin) throw new Error(`${response.url} references a script of another origin: ${url.href}`);
    bytes += gzipSync(readFileSync(path.join(clientDir, decodeURIComponent(url.pathname)))).length;
  }
  return { files: paths.size, gzip_kb: round(bytes / 1024) };
}
