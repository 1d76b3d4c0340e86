// `npm run load [-- --shoppers N] [--medusa development] [--servers N]`: N shoppers (default 20) at once,
// each over HTTP from an empty cart to a paid order against the production build under
// wrangler dev, on its own stack (`load`: its own ports and Medusa database, see
// dev/stack.ts), with Medusa in its production profile (built, a server and a worker
// process, Redis) unless `--medusa development` asks for the one-process profile.
//
//   Each shopper (dev/shopper.ts, its run in dev/load-checkout.ts) has its own cookie jar and its own client address
//   (CF-Connecting-IP, as 20 real shoppers are 20 clients to the rate limits) and times its
//   steps: add_to_cart (the product page's form), prepare (prepare-for-payment),
//   confirm_payment (Stripe.js's confirmation against the simulator) and order_visible (the
//   return page until it redirects to the order, plus that confirmation page).
//   Afterwards every cart is checked in Medusa's database and the simulator: exactly one
//   order, whose total (in minor units) and authorized payment equal the prepared amount,
//   and a PaymentIntent of that amount that is authorized.
//   Memory (dev/load-memory.ts): the Worker isolate's JS heap through its V8 inspector every
//   200 ms during the run, against Workers' 128 MB; the workerd processes' RSS as a
//   secondary figure.
//
// Prints a table, writes dev/.state/load-results.json, and exits non-zero when a shopper
// failed, an order is missing, duplicated or of the wrong amount, or the heap passed 128 MB.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { toMinorUnits } from "../app/lib/money.ts";
import { shippingOptionId, Shopper, variantId } from "./shopper.ts";
import { cpuSnapshot, cpuUsage, processesNamed, type CpuGroups, type CpuUsage } from "./load-cpu.ts";
import { startHeapSampler, startRssSampler, workerdProcesses, type HeapSummary, type ProcessMemory } from "./load-memory.ts";
import { BROWSER_HEADERS, checkout, STEPS, type Item, type LoadShop, type ShopperResult, type Step } from "./load-checkout.ts";
import { medusaDatabaseUrl, medusaProfileOption, type MedusaProfile } from "./medusa.ts";
import { ensurePostgres, psql } from "./postgres.ts";
import { assertPortFree, ROOT } from "./processes.ts";
import { startStack, type Stack } from "./stack.ts";
import { percentile, round } from "./stats.ts";

const WORKERS_MEMORY_LIMIT_MB = 128;
const SAMPLE_INTERVAL_MS = 200;
/** Where the production build's V8 inspector listens during the run. */
const INSPECTOR_PORT = Number(process.env.LOAD_INSPECTOR_PORT ?? 9239);
/**
 * After the last shopper: wait for the simulator's webhook deliveries, then this long
 * (Medusa's own Stripe webhook completes carts about 5 s after payment), so that a late
 * second order would be counted.
 */
const SETTLE_MS = Number(process.env.LOAD_SETTLE_MS ?? 8_000);
const RESULTS_FILE = path.join(ROOT, "dev", ".state", "load-results.json");

/** What the shoppers buy, in turn (never the mug with 2 in stock). Quantities alternate 1 and 2. */
const CATALOG: { handle: string; variant: string }[] = [
  { handle: "organic-cotton-tee", variant: "M" },
  { handle: "canvas-tote-bag", variant: "Natural" },
  { handle: "dot-grid-notebook", variant: "A5" },
  { handle: "merino-wool-beanie", variant: "Charcoal" },
  { handle: "classic-pullover-hoodie", variant: "L / Navy" },
  { handle: "insulated-water-bottle", variant: "750 ml" },
  { handle: "ceramic-coffee-mug", variant: "Matte Black" },
];

const log = (line: string) => console.error(`[load] ${line}`);

/** Shopper i's client address: 10.20.0.1, 10.20.0.2, …, 10.20.0.250, 10.20.1.1, … */
function clientIp(index: number): string {
  return `10.20.${Math.floor(index / 250)}.${(index % 250) + 1}`;
}

/** The sweep of issue 12: how cost grows with the number of shoppers at once. */
const SWEEP = [1, 5, 10, 20, 40];
/** The development profile is compared at this many shoppers. */
const COMPARE_AT = 20;

function options(): { shoppers: number[]; medusa: MedusaProfile; compare: boolean; servers: number } {
  const { values } = parseArgs({
    options: { shoppers: { type: "string", short: "n" }, medusa: { type: "string" }, servers: { type: "string" }, sweep: { type: "boolean" }, "compare-development": { type: "boolean" } },
  });
  const given = values.sweep ? SWEEP.join(",") : (values.shoppers ?? process.env.LOAD_SHOPPERS ?? "20");
  const shoppers = given.split(",").map((part) => Number(part.trim()));
  if (shoppers.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--shoppers must be positive integers (e.g. 20 or 1,5,10), got ${given}`);
  // Medusa as merchants run it (built, server + worker, Redis) unless asked for the old profile.
  const medusa = medusaProfileOption(values.medusa ?? process.env.LOAD_MEDUSA_PROFILE);
  // Medusa server processes behind the stack's round-robin balancer (production profile only).
  const servers = Number(values.servers ?? process.env.LOAD_MEDUSA_SERVERS ?? 1);
  if (!Number.isInteger(servers) || servers < 1 || servers > 8) throw new Error(`--servers must be 1 to 8, got ${values.servers}`);
  if (servers > 1 && medusa !== "production") throw new Error("--servers needs the production profile (the development profile is one process)");
  return { shoppers, medusa, compare: Boolean(values.sweep || values["compare-development"]) && medusa === "production", servers };
}

type StepStats = { count: number; errors: number; p50_ms: number | null; p95_ms: number | null; p99_ms: number | null; max_ms: number | null };

function stepStats(results: ShopperResult[], pick: (result: ShopperResult) => number | null | undefined, failedHere: (result: ShopperResult) => boolean): StepStats {
  const times = results.map(pick).filter((ms): ms is number => typeof ms === "number");
  const errors = results.filter(failedHere).length;
  const figure = (p: number) => (times.length ? round(percentile(times, p)) : null);
  return { count: times.length + errors, errors, p50_ms: figure(50), p95_ms: figure(95), p99_ms: figure(99), max_ms: times.length ? round(Math.max(...times)) : null };
}

type OrderRow = { cartId: string; orderId: string; currency: string; total: string | null; payments: string | null };
type Verdict = "ok" | "missing" | "duplicated" | "wrong_amount" | "wrong_order" | "payment_mismatch";
type Verification = { index: number; cart_id: string | null; verdict: Verdict; orders: string[]; detail: string | null };

async function ordersOf(cartIds: string[]): Promise<OrderRow[]> {
  if (cartIds.length === 0) return [];
  for (const id of cartIds) if (!/^cart_[A-Za-z0-9]+$/.test(id)) throw new Error(`not a cart id: ${id}`);
  const database = medusaDatabaseUrl((await ensurePostgres(() => {})).databaseUrl);
  // One row per (cart, order); the order's total from its latest summary, its payment
  // collections as "status:authorized_amount".
  const output = psql(
    database,
    `select oc.cart_id, o.id, o.currency_code,
       (select os.totals->'raw_current_order_total'->>'value' from order_summary os
         where os.order_id = o.id and os.deleted_at is null order by os.version desc limit 1),
       (select string_agg(pc.status || ':' || pc.authorized_amount::text, ',') from order_payment_collection opc
         join payment_collection pc on pc.id = opc.payment_collection_id
         where opc.order_id = o.id and opc.deleted_at is null and pc.deleted_at is null)
     from order_cart oc join "order" o on o.id = oc.order_id
     where oc.deleted_at is null and o.deleted_at is null and oc.cart_id in (${cartIds.map((id) => `'${id}'`).join(",")})
     order by oc.cart_id, o.id`,
  );
  return output
    ? output.split("\n").map((line) => {
        const [cartId = "", orderId = "", currency = "", total = "", payments = ""] = line.split("|");
        return { cartId, orderId, currency, total: total || null, payments: payments || null };
      })
    : [];
}

async function paymentIntent(stripeSimUrl: string, id: string): Promise<{ amount: number; currency: string; status: string } | null> {
  const response = await fetch(`${stripeSimUrl}/_sim/payment_intents/${id}`);
  return response.ok ? ((await response.json()) as { amount: number; currency: string; status: string }) : null;
}

/** Every shopper's cart: one order, of the amount prepared and paid. */
async function verifyOrders(results: ShopperResult[], stripeSimUrl: string): Promise<Verification[]> {
  const rows = await ordersOf(results.flatMap((result) => (result.cartId ? [result.cartId] : [])));
  const verifications: Verification[] = [];
  for (const result of results) {
    const verdict = (value: Verdict, orders: string[], detail: string | null = null) =>
      verifications.push({ index: result.index, cart_id: result.cartId, verdict: value, orders, detail });
    const mine = rows.filter((row) => row.cartId === result.cartId);
    const orders = mine.map((row) => row.orderId);
    if (!result.cartId || mine.length === 0) {
      verdict("missing", orders, result.failure ? `shopper stopped at ${result.failure.step}` : "no order for the cart");
      continue;
    }
    if (mine.length > 1) {
      verdict("duplicated", orders, `${mine.length} orders for one cart`);
      continue;
    }
    const row = mine[0]!;
    if (result.amount === null || result.currency === null) {
      verdict("wrong_amount", orders, "an order for a cart whose payment was never prepared");
      continue;
    }
    if (result.orderId !== null && result.orderId !== row.orderId) {
      verdict("wrong_order", orders, `the shopper was sent to ${result.orderId}`);
      continue;
    }
    const orderMinor = row.total === null ? null : toMinorUnits(Number(row.total), row.currency);
    if (row.currency !== result.currency || orderMinor !== result.amount) {
      verdict("wrong_amount", orders, `order total ${orderMinor} ${row.currency}, prepared ${result.amount} ${result.currency}`);
      continue;
    }
    const payments = (row.payments ?? "").split(",").filter(Boolean);
    const authorized = payments.filter((payment) => {
      const [status = "", amount = ""] = payment.split(":");
      return status === "authorized" && toMinorUnits(Number(amount), row.currency) === result.amount;
    });
    const intent = result.paymentIntentId ? await paymentIntent(stripeSimUrl, result.paymentIntentId) : null;
    const intentPaid = intent !== null && intent.amount === result.amount && intent.currency === result.currency && ["requires_capture", "succeeded"].includes(intent.status);
    if (authorized.length !== 1 || payments.length !== 1 || !intentPaid) {
      verdict("payment_mismatch", orders, `payment collections [${payments.join(", ")}], PaymentIntent ${intent ? `${intent.status} ${intent.amount} ${intent.currency}` : "not found"}`);
      continue;
    }
    verdict("ok", orders);
  }
  return verifications;
}

type MedusaCalls = { calls: number; failed: number; timed_out: number; p50_ms: number | null; p95_ms: number | null; max_ms: number | null };

/**
 * The Worker's calls to Medusa since `since`, from its JSON log lines ("medusa call", with
 * duration and outcome) in wrangler dev's output: when steps are slow, is it Medusa?
 */
function medusaCalls(logFile: string, since: Date): MedusaCalls | null {
  if (!existsSync(logFile)) return null;
  const calls: { ms: number; outcome: string; kind?: string }[] = [];
  for (const line of readFileSync(logFile, "utf8").split("\n")) {
    if (!line.startsWith("{") || !line.includes('"medusa call"')) continue;
    try {
      const entry = JSON.parse(line) as { msg?: string; time?: string; duration_ms?: number; outcome?: string; kind?: string };
      if (entry.msg !== "medusa call" || typeof entry.duration_ms !== "number" || !entry.time || new Date(entry.time) < since) continue;
      calls.push({ ms: entry.duration_ms, outcome: entry.outcome ?? "", kind: entry.kind });
    } catch {}
  }
  const times = calls.map((call) => call.ms);
  const figure = (p: number) => (times.length ? round(percentile(times, p)) : null);
  return {
    calls: calls.length,
    failed: calls.filter((call) => call.outcome !== "ok").length,
    timed_out: calls.filter((call) => call.kind === "timeout").length,
    p50_ms: figure(50),
    p95_ms: figure(95),
    max_ms: times.length ? Math.max(...times) : null,
  };
}

async function simAdmin(stripeSimUrl: string, pathname: string, body?: unknown): Promise<Response> {
  return fetch(`${stripeSimUrl}/_sim/${pathname}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Variant ids, the standard shipping option, and the Worker warmed up (pages, one add to cart). */
async function prepareShop(stack: Stack, storefrontUrl: string): Promise<{ shop: LoadShop; items: { handle: string; variantId: string }[] }> {
  const medusa = { storefrontUrl, medusaUrl: stack.medusaUrl, publishableKey: stack.publishableKey };
  const items = [];
  for (const { handle, variant } of CATALOG) items.push({ handle, variantId: await variantId(medusa, handle, variant) });
  const probe = new Shopper(medusa, { clientIp: "10.21.0.1", headers: BROWSER_HEADERS });
  for (const pathname of ["/", ...CATALOG.map(({ handle }) => `/products/${handle}`)]) {
    const response = await probe.request(pathname);
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`warm-up: ${pathname} answered HTTP ${response.status}`);
  }
  const cartId = await probe.addVariant(items[0]!.handle, items[0]!.variantId, 1);
  const shop = { ...medusa, stripeSimUrl: stack.stripeSimUrl, shippingOptionId: await shippingOptionId(medusa, cartId, "Standard") };
  return { shop, items };
}

/** Labels, each with one or more lines of text. */
function keyValues(rows: string[][]): string[] {
  const width = Math.max(...rows.map(([label = ""]) => label.length));
  return rows.flatMap(([label = "", ...values]) => values.map((value, i) => `${(i === 0 ? label : "").padEnd(width)}  ${value}`));
}

function table(rows: (string | number | null)[][]): string {
  const cells = rows.map((row) => row.map((cell) => (cell === null ? "-" : String(cell))));
  const widths = cells[0]!.map((_, column) => Math.max(...cells.map((row) => row[column]!.length)));
  return cells.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join("  ")).join("\n");
}

type Report = {
  shoppers: number;
  medusa_profile: MedusaProfile;
  storefront: string;
  steps: Record<Step | "total", StepStats>;
  wallS: number;
  throughput: number;
  completed: number;
  verifications: Verification[];
  heap: HeapSummary;
  rss: ProcessMemory[];
  failures: ShopperResult[];
  medusa: MedusaCalls | null;
};

const rateLimited = (failures: ShopperResult[]) => failures.filter((result) => result.failure?.status === 429).length;

function heapPeak(heap: HeapSummary): number | null {
  return heap.peak_used_plus_backing_store_mb ?? heap.peak_used_mb;
}

function print(report: Report, pass: boolean): void {
  const verified = report.verifications.filter((v) => v.verdict === "ok").length;
  const count = (verdict: Verdict) => report.verifications.filter((v) => v.verdict === verdict).length;
  const heap = report.heap;
  const peak = heapPeak(heap);
  const runtime = report.rss.filter((p) => p.role === "runtime");
  const proxy = report.rss.filter((p) => p.role === "proxy");
  const mb = (values: (number | null)[]) => values.map((value) => (value === null ? "-" : `${value} MB`)).join(" + ") || "-";
  const lines = [
    "",
    `npm run load: ${report.shoppers} shoppers at once, empty cart to paid order, against the production build under wrangler dev (${report.storefront}), Medusa's ${report.medusa_profile} profile`,
    "",
    table([
      ["step", "count", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms"],
      ...[...STEPS, "total" as const].map((step) => {
        const stats = report.steps[step];
        const ms = (value: number | null) => (value === null ? null : value.toFixed(1));
        return [step, stats.count, stats.errors, ms(stats.p50_ms), ms(stats.p95_ms), ms(stats.p99_ms), ms(stats.max_ms)];
      }),
    ]),
    "",
    ...keyValues([
      ["wall time", `${report.wallS} s (first request to last order page)`],
      ["throughput", `${report.throughput} orders/s (${report.completed} orders)`],
      ["errors", `${report.failures.length} shoppers failed (target 0), ${rateLimited(report.failures)} of them on an HTTP 429 (rate limit)`],
      [
        "Medusa calls",
        report.medusa
          ? `${report.medusa.calls} from the Worker: p50 ${report.medusa.p50_ms} ms, p95 ${report.medusa.p95_ms} ms, max ${report.medusa.max_ms} ms; ${report.medusa.failed} failed, ${report.medusa.timed_out} of them timed out (MEDUSA_TIMEOUT_MS)`
          : "not found in the storefront's log",
      ],
      [
        "orders verified",
        `${verified}/${report.shoppers}: exactly one order per cart, order total and authorized payment = amount prepared`,
        `missing ${count("missing")}, duplicated ${count("duplicated")}, wrong amount ${count("wrong_amount")}, wrong order ${count("wrong_order")}, payment mismatch ${count("payment_mismatch")}`,
      ],
      [
        "Worker heap peak",
        peak === null
          ? "not measured"
          : `${peak} MB of ${WORKERS_MEMORY_LIMIT_MB} MB: ${peak <= WORKERS_MEMORY_LIMIT_MB ? "within" : "OVER"} (JS heap used + ArrayBuffers; JS heap alone ${heap.peak_used_mb} MB used, ${heap.peak_total_mb} MB allocated)`,
        `the isolate through its inspector: ${heap.samples} samples every ${heap.interval_ms} ms; ${heap.baseline?.used_mb ?? "-"} MB used before the run`,
      ],
      [
        "workerd RSS peak",
        `${mb(runtime.map((p) => p.peak_rss_mb))} the process running the Worker (high-water mark ${mb(runtime.map((p) => p.hwm_mb))}); wrangler's proxy ${mb(proxy.map((p) => p.peak_rss_mb))}`,
        "whole processes (V8, workerd, miniflare's services, local KV and SQLite): not what the 128 MB limit counts",
      ],
      ["result", pass ? "PASS" : "FAIL"],
    ]),
  ];
  if (report.failures.length) {
    lines.push("", "failed shoppers:");
    for (const { index, clientIp: ip, failure } of report.failures) {
      lines.push(`  #${index} (${ip}) at ${failure!.step} after ${round(failure!.after_ms / 1000)} s: ${failure!.message}`);
    }
  }
  const problems = report.verifications.filter((v) => v.verdict !== "ok" && !(v.verdict === "missing" && report.failures.some((f) => f.index === v.index)));
  if (problems.length) {
    lines.push("", "order problems:");
    for (const problem of problems) lines.push(`  #${problem.index} ${problem.cart_id}: ${problem.verdict} (${problem.detail}) orders [${problem.orders.join(", ")}]`);
  }
  console.log(`${lines.join("\n")}\n`);
}

/** One run of `shoppers` at once on a running stack, with its verdict and what it cost. */
type RunOutcome = {
  report: Report;
  pass: boolean;
  cpu: CpuUsage;
  medusaCallsPerOrder: number | null;
  /**
   * CPU milliseconds each part spent per order while the shoppers ran (cores × wall / orders):
   * `worker` is the storefront's own time outside Medusa (workerd, the local runtime included).
   */
  cpuMsPerOrder: Record<string, number> | null;
  verified: number;
  peak: number | null;
};

async function runShoppers(stack: Stack, medusa: MedusaProfile, shop: LoadShop, items: { handle: string; variantId: string }[], shoppers: number): Promise<RunOutcome> {
  const storefrontUrl = stack.storefronts.preview!;
  const logFile = path.join(path.dirname(stack.workerConfig), "wrangler-dev.log");
  const cpuGroups: CpuGroups = {
    // Node runs JavaScript on one core: a Medusa process near 1.0 is saturated.
    medusa_server: () => stack.medusaProcesses.filter((process) => process.role !== "worker").map((process) => process.pid),
    medusa_worker: () => stack.medusaProcesses.filter((process) => process.role === "worker").map((process) => process.pid),
    postgresql: () => processesNamed("postgres"),
    worker: () => workerdProcesses().map((process) => process.pid),
    redis: () => (stack.redisUrl ? processesNamed("redis-server") : []),
  };
  const heapSampler = await startHeapSampler(INSPECTOR_PORT, SAMPLE_INTERVAL_MS);
  const rssSampler = startRssSampler(SAMPLE_INTERVAL_MS);
  const run = randomBytes(4).toString("hex");
  const startedAt = new Date();
  log(`${shoppers} shoppers start (run ${run}, Medusa ${medusa})`);
  const cpuBefore = cpuSnapshot(cpuGroups);
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: shoppers }, (_, index) => {
      const item: Item = { ...items[index % items.length]!, quantity: 1 + (index % 2) };
      return checkout(shop, index, clientIp(index), item, `load+${run}-${index}@example.com`);
    }),
  );
  const wallMs = performance.now() - started;
  const cpu = cpuUsage(cpuBefore, cpuSnapshot(cpuGroups));
  log(`shoppers done in ${round(wallMs / 1000)} s; waiting for webhook deliveries and ${SETTLE_MS / 1000} s more before counting orders`);
  await simAdmin(stack.stripeSimUrl, "webhooks/wait_idle", { timeout_ms: 60_000 });
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const heap = await heapSampler.stop();
  const rss = rssSampler.stop();

  log("verifying orders in Medusa's database and the simulator");
  const verifications = await verifyOrders(results, stack.stripeSimUrl);
  const failures = results.filter((result) => result.failure);
  const completed = results.filter((result) => result.orderId).length;
  const failedAt = (step: Step) => (result: ShopperResult) => result.failure?.step === step;
  const steps = Object.fromEntries([
    ...STEPS.map((step) => [step, stepStats(results, (result) => result.stepMs[step], failedAt(step))] as const),
    ["total", stepStats(results, (result) => result.totalMs, (result) => result.failure !== null)] as const,
  ]) as Record<Step | "total", StepStats>;
  const report: Report = {
    shoppers,
    medusa_profile: medusa,
    storefront: storefrontUrl,
    steps,
    wallS: round(wallMs / 1000),
    throughput: round(completed / (wallMs / 1000), 2),
    completed,
    verifications,
    heap,
    rss,
    failures,
    medusa: medusaCalls(logFile, startedAt),
  };
  const peak = heapPeak(heap);
  const verified = verifications.filter((v) => v.verdict === "ok").length;
  const pass = failures.length === 0 && verified === shoppers && peak !== null && peak <= WORKERS_MEMORY_LIMIT_MB;
  return {
    report,
    pass,
    cpu,
    medusaCallsPerOrder: report.medusa && completed ? round(report.medusa.calls / completed, 1) : null,
    cpuMsPerOrder: completed ? Object.fromEntries(Object.entries(cpu.cores).map(([name, cores]) => [name, Math.round((cores * wallMs) / completed)])) : null,
    verified,
    peak,
  };
}

function cpuLine(cpu: CpuUsage): string {
  const parts = Object.entries(cpu.cores).map(([name, cores]) => `${name} ${cores}`);
  return `${parts.join(", ")} (cores busy on average while the shoppers ran); the machine ${cpu.machine_cores_busy} of ${cpu.machine_cores}`;
}

function writeResults(outcome: RunOutcome, run: { shoppers: number; storefront: string }) {
  const { report, pass, verified, peak } = outcome;
  mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
  writeFileSync(
    RESULTS_FILE,
    `${JSON.stringify(
      {
        at: new Date().toISOString(),
        shoppers: run.shoppers,
        medusa_profile: report.medusa_profile,
        storefront: `${run.storefront} (production build under wrangler dev)`,
        steps: report.steps,
        wall_time_s: report.wallS,
        medusa_calls_from_worker: report.medusa,
        medusa_calls_per_order: outcome.medusaCallsPerOrder,
        cpu_ms_per_order: outcome.cpuMsPerOrder,
        cpu: outcome.cpu,
        throughput_orders_per_s: report.throughput,
        orders: {
          expected: run.shoppers,
          verified,
          by_verdict: Object.fromEntries(["ok", "missing", "duplicated", "wrong_amount", "wrong_order", "payment_mismatch"].map((v) => [v, report.verifications.filter((x) => x.verdict === v).length])),
          problems: report.verifications.filter((v) => v.verdict !== "ok"),
        },
        memory: {
          limit_mb: WORKERS_MEMORY_LIMIT_MB,
          worker_heap: { ...report.heap, peak_checked_mb: peak, within_limit: peak !== null && peak <= WORKERS_MEMORY_LIMIT_MB },
          workerd_rss: report.rss,
        },
        errors: report.failures.map((result) => ({ index: result.index, client_ip: result.clientIp, ...result.failure })),
        rate_limited: rateLimited(report.failures),
        pass,
      },
      null,
      2,
    )}\n`,
  );
  log(`results written to ${path.relative(ROOT, RESULTS_FILE)}`);
}

/** Starts the load stack with Medusa in `medusa`'s profile, runs each N in turn, stops it. */
async function withLoadStack(medusa: MedusaProfile, counts: number[], servers = 1): Promise<RunOutcome[]> {
  await assertPortFree(INSPECTOR_PORT, "Worker inspector", "LOAD_INSPECTOR_PORT");
  log(`Medusa profile: ${medusa}${servers > 1 ? `, ${servers} server processes behind a balancer` : ""}`);
  // Each profile has its own database (the production one ends in _prod): pick it afresh.
  process.env.MEDUSA_DB_NAME = medusa === "production" ? "medusa_storefront_load_prod" : "medusa_storefront_load";
  const stack = await startStack(["preview"], log, { name: "load", inspectorPort: INSPECTOR_PORT, medusaProfile: medusa, ...(servers > 1 ? { medusaServers: servers } : {}) });
  let stopping = false;
  const interrupt = async () => {
    if (stopping) return;
    stopping = true;
    log("interrupted: stopping the stack");
    await stack.stop();
    process.exit(130);
  };
  process.on("SIGINT", interrupt);
  process.on("SIGTERM", interrupt);
  try {
    log("warming up (pages, one add to cart) and looking up variants and the shipping option");
    const { shop, items } = await prepareShop(stack, stack.storefronts.preview!);
    const outcomes: RunOutcome[] = [];
    for (const shoppers of counts) {
      const outcome = await runShoppers(stack, medusa, shop, items, shoppers);
      print(outcome.report, outcome.pass);
      console.log(`CPU               ${cpuLine(outcome.cpu)}`);
      const perOrder = outcome.cpuMsPerOrder;
      console.log(`per order         ${outcome.medusaCallsPerOrder ?? "-"} Medusa calls; CPU ms: ${perOrder ? Object.entries(perOrder).map(([name, ms]) => `${name} ${ms}`).join(", ") : "-"} (the storefront's own: worker)\n`);
      outcomes.push(outcome);
    }
    return outcomes;
  } finally {
    process.off("SIGINT", interrupt);
    process.off("SIGTERM", interrupt);
    await stack.stop();
  }
}

/** The table of a sweep: per N, and where it stops scaling. */
function printSweep(outcomes: RunOutcome[], development: RunOutcome | null): void {
  const base = outcomes[0]!;
  const p95 = (outcome: RunOutcome) => outcome.report.steps.total.p95_ms;
  const rows = outcomes.map((outcome) => {
    const { report, cpu } = outcome;
    const s = report.steps;
    const step = (name: Step | "total") => `${s[name].p50_ms ?? "-"}/${s[name].p95_ms ?? "-"}/${s[name].p99_ms ?? "-"}`;
    return [
      report.shoppers,
      report.throughput,
      step("add_to_cart"),
      step("prepare"),
      step("order_visible"),
      step("total"),
      outcome.medusaCallsPerOrder,
      outcome.cpuMsPerOrder?.worker ?? null,
      report.failures.length + report.verifications.filter((v) => v.verdict !== "ok" && v.verdict !== "missing").length,
      `${cpu.cores.medusa_server ?? "-"}/${cpu.cores.medusa_worker ?? "-"}/${cpu.cores.postgresql ?? "-"}/${cpu.cores.worker ?? "-"}/${cpu.cores.redis ?? "-"}`,
      `${cpu.machine_cores_busy}/${cpu.machine_cores}`,
    ];
  });
  const knee = outcomes.find((outcome) => outcome.report.failures.length > 0 || (p95(outcome) ?? 0) >= 2 * (p95(base) ?? Infinity));
  const lines = [
    "",
    `npm run load -- --sweep: Medusa's ${base.report.medusa_profile} profile; times p50/p95/p99 in ms; CPU in cores (Medusa server(s)/Medusa worker/PostgreSQL/the storefront's workerd/Redis; one Node process can use at most 1)`,
    "",
    table([["N", "orders/s", "add to cart", "prepare", "order visible", "total", "Medusa calls/order", "storefront CPU ms/order", "errors", "CPU MS/MW/PG/W/R", "machine"], ...rows]),
    "",
    knee
      ? `first N where errors appear or the total p95 doubles (against N = ${base.report.shoppers}): ${knee.report.shoppers}; the busiest part then: ${busiest(knee.cpu)}`
      : `errors never appear and the total p95 never doubles up to N = ${outcomes.at(-1)!.report.shoppers}`,
  ];
  if (development) {
    const production = outcomes.find((outcome) => outcome.report.shoppers === development.report.shoppers);
    const ratio = (a: number | null | undefined, b: number | null | undefined) => (a && b ? round(a / b, 2) : "-");
    lines.push(
      `development profile at N = ${development.report.shoppers}: ${development.report.throughput} orders/s, total p95 ${p95(development)} ms, ${development.medusaCallsPerOrder} Medusa calls/order, CPU ${cpuLine(development.cpu)}` +
        (production
          ? `; production/development: orders/s ×${ratio(production.report.throughput, development.report.throughput)}, total p95 ×${ratio(p95(production), p95(development))}`
          : ""),
    );
  }
  console.log(`${lines.join("\n")}\n`);
}

function busiest(cpu: CpuUsage): string {
  const [name, cores] = Object.entries(cpu.cores).sort((a, b) => b[1] - a[1])[0] ?? ["-", 0];
  return `${name} at ${cores} cores, the machine at ${cpu.machine_cores_busy} of ${cpu.machine_cores}`;
}

async function main() {
  const { shoppers, medusa, compare, servers } = options();
  const outcomes = await withLoadStack(medusa, shoppers, servers);
  const development = compare ? ((await withLoadStack("development", [COMPARE_AT]))[0] ?? null) : null;
  if (outcomes.length === 1 && !development) writeResults(outcomes[0]!, { shoppers: shoppers[0]!, storefront: outcomes[0]!.report.storefront });
  else {
    printSweep(outcomes, development);
    const file = path.join(ROOT, "dev", ".state", "load-sweep.json");
    writeFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), runs: outcomes, development }, null, 2)}\n`);
    log(`results written to ${path.relative(ROOT, file)}`);
  }
  process.exitCode = [...outcomes, ...(development ? [development] : [])].every((outcome) => outcome.pass) ? 0 : 1;
}

main().catch((error: Error) => {
  console.error(`[load] ${error.stack ?? error.message}`);
  process.exit(1);
});
