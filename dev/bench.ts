// `npm run bench [-- --medusa development]`: performance figures of the storefront against the
// local stack, printed as JSON, with Medusa in its production profile (built, a server and a
// worker process, Redis) unless `--medusa development` asks for the one-process profile.
// Every figure is the median over several rounds; nothing here asserts a time.
//
//   catalog / product page server time (p50/p95) with the edge cache cold and warm, on the
//   production build under wrangler dev;
//   gzipped client JavaScript loaded by `/` and `/cart` (measured in Chromium), and the
//   JavaScript the `/` and `/account` documents reference, read from the build;
//   the account pages' server time (p50/p95) for a signed-in customer with one order, and
//   the sign-in POST's, with Medusa's time inside them (dev/bench-accounts.ts);
//   the Worker bundle from `wrangler deploy --dry-run`;
//   prepare-for-payment on new carts: the shopper's wait (p50/p95), Medusa's share of it
//   (the proxied calls of the request's trace id, summed at the fault proxy) and the
//   storefront's overhead against its target; and a shopper 100 ms away, paying for the
//   old three-request browser flow against the one submission.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { medusaProfileOption } from "./medusa.ts";
import { BIN, ROOT, startProcess, waitForHttp } from "./processes.ts";
import { startStack } from "./stack.ts";
import { stackFiles } from "./worker-config.ts";
import { startBaseline } from "./bench-baseline.ts";
import { benchWebhooks } from "./bench-webhooks.ts";
import { benchAccounts, benchShopper, documentJavaScript } from "./bench-accounts.ts";
import { launchChromium } from "./chromium.ts";
import { proxiedRequests, type RecordedRequest } from "./fault-proxy-client.ts";
import { newClientIp, newTrace, shippingOptionId, Shopper, TEXAS_ADDRESS, variantId, type Shop } from "./shopper.ts";
import { median, percentile, round } from "./stats.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20);
const BUDGET = { rootJsGzipKb: 120, workerGzipKb: 1024 };
/** prepare-for-payment: each needs a new cart, so fewer per round than page requests. */
const PREPARES = Number(process.env.BENCH_PREPARES ?? 10);
/** The simulated shopper's round trip to the storefront. */
const SHOPPER_RTT_MS = Number(process.env.BENCH_SHOPPER_RTT_MS ?? 100);
/** The storefront may add at most 5% to Medusa's time, or 10 ms, whichever is larger. */
const OVERHEAD_TARGET = { ratio: 0.05, ms: 10 };

const log = (line: string) => console.error(`[bench] ${line}`);


async function timeRequests(url: string): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const started = performance.now();
    const response = await fetch(url);
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
    times.push(performance.now() - started);
  }
  return times;
}

/** Median over rounds of each round's p50 and p95. */
async function serverTimes(url: string) {
  const p50s: number[] = [];
  const p95s: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const times = await timeRequests(url);
    p50s.push(percentile(times, 50));
    p95s.push(percentile(times, 95));
  }
  return { p50_ms: round(median(p50s)), p95_ms: round(median(p95s)) };
}

async function clientJavaScript(baseUrl: string, pathname: string) {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const scripts = new Map<string, number>();
    page.on("response", async (response) => {
      if (response.request().resourceType() !== "script") return;
      const body = await response.body().catch(() => null);
      if (body) scripts.set(response.url(), gzipSync(body, { level: 9 }).length);
    });
    await page.goto(`${baseUrl}${pathname}`, { waitUntil: "networkidle" });
    const bytes = [...scripts.values()].reduce((sum, size) => sum + size, 0);
    return { files: scripts.size, gzip_kb: round(bytes / 1024) };
  } finally {
    await browser.close();
  }
}

function workerBundle(buildDir: string) {
  const outdir = mkdtempSync(path.join(tmpdir(), "storefront-dry-run-"));
  const output = execFileSync(path.join(BIN, "wrangler"), ["deploy", "--dry-run", "--config", path.join(buildDir, "server", "wrangler.json"), "--outdir", outdir], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  const match = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(output);
  if (!match) throw new Error(`could not read the bundle size from wrangler's output:\n${output}`);
  const files = readdirSync(outdir, { recursive: true }).map(String);
  const largest = files
    .map((file) => ({ file, kb: statSync(path.join(outdir, file)).isFile() ? readFileSync(path.join(outdir, file)).length / 1024 : 0 }))
    .sort((a, b) => b.kb - a.kb)[0];
  return { total_kb: Number(match[1]), gzip_kb: Number(match[2]), largest_file: largest ? `${largest.file} (${round(largest.kb)} KB)` : null };
}

type PrepareSample = {
  /** What the shopper waited, at the storefront (no network between them here). */
  storefrontMs: number;
  /** Medusa's time inside it: its calls for this trace id, as the proxy timed them. */
  medusaMs: number;
  /** Medusa's time per step of the old browser flow: details, shipping, payment. */
  medusaDetailsMs: number;
  medusaShippingMs: number;
  medusaPaymentMs: number;
};


/** One prepare-for-payment on a new cart, with Medusa's share of it. */
async function timePrepare(shop: Shop, proxyUrl: string, tee: string, standard: string): Promise<PrepareSample> {
  const shopper = benchShopper(shop);
  await shopper.addVariant("organic-cotton-tee", tee, 1);
  const trace = newTrace();
  const answer = await shopper.prepare({ email: "bench@example.com", shipping_address: TEXAS_ADDRESS, shipping_option_id: standard }, { traceparent: trace.traceparent });
  if (answer.status !== 200) throw new Error(`prepare-for-payment answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  const requests = await proxiedRequests(proxyUrl, trace.traceId);
  const sum = (match: (request: RecordedRequest) => boolean) => requests.filter(match).reduce((total, request) => total + request.durationMs, 0);
  return {
    storefrontMs: answer.ms,
    medusaMs: sum(() => true),
    medusaDetailsMs: sum((request) => request.method === "POST" && /^\/store\/carts\/[^/]+$/.test(request.path)),
    medusaShippingMs: sum((request) => request.method === "POST" && request.path.endsWith("/shipping-methods")),
    medusaPaymentMs: sum((request) => request.method === "POST" && request.path.startsWith("/store/payment-collections")),
  };
}

/**
 * prepare-for-payment figures, each the median over rounds of that round's value. The
 * simulated shopper pays one round trip per browser request: the old flow made three in
 * a row (details, shipping method, payment session), each with a storefront request's
 * overhead around its Medusa call; the new flow makes one.
 */
async function prepareForPayment(shop: Shop, proxyUrl: string) {
  const [rounds] = await samplePrepares([shop], proxyUrl);
  return prepareFigures(rounds!);
}

/**
 * ROUNDS rounds of PREPARES prepares on each storefront, taking turns sample by sample, so
 * storefronts compared (BENCH_BASELINE) see the same machine at the same moments.
 */
async function samplePrepares(shops: Shop[], proxyUrl: string): Promise<PrepareSample[][][]> {
  const setups = [];
  for (const shop of shops) {
    const tee = await variantId(shop, "organic-cotton-tee", "M");
    const probe = benchShopper(shop);
    await probe.addVariant("organic-cotton-tee", tee, 1);
    const standard = await shippingOptionId(shop, probe.cartId, "Standard");
    for (let i = 0; i < 2; i++) await timePrepare(shop, proxyUrl, tee, standard); // warm-up
    setups.push({ shop, tee, standard });
  }
  const rounds: PrepareSample[][][] = shops.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    const samples: PrepareSample[][] = shops.map(() => []);
    for (let i = 0; i < PREPARES; i++) {
      for (const [index, { shop, tee, standard }] of setups.entries()) samples[index]!.push(await timePrepare(shop, proxyUrl, tee, standard));
    }
    samples.forEach((taken, index) => rounds[index]!.push(taken));
  }
  return rounds;
}

function prepareFigures(rounds: PrepareSample[][]) {
  const overRounds = (figure: (samples: PrepareSample[]) => number) => median(rounds.map(figure));
  const p = (pick: (sample: PrepareSample) => number, pct: number) => (samples: PrepareSample[]) => percentile(samples.map(pick), pct);
  const overhead = (sample: PrepareSample) => sample.storefrontMs - sample.medusaMs;

  const storefront = { p50_ms: round(overRounds(p((s) => s.storefrontMs, 50))), p95_ms: round(overRounds(p((s) => s.storefrontMs, 95))) };
  const medusa = { p50_ms: round(overRounds(p((s) => s.medusaMs, 50))), p95_ms: round(overRounds(p((s) => s.medusaMs, 95))) };
  const overheadP50 = overRounds(p(overhead, 50));
  const overheadP95 = overRounds(p(overhead, 95));
  const allowedMs = Math.max(OVERHEAD_TARGET.ratio * medusa.p50_ms, OVERHEAD_TARGET.ms);

  const oneSubmission = (sample: PrepareSample) => SHOPPER_RTT_MS + sample.storefrontMs;
  const threeRequests = (sample: PrepareSample) =>
    3 * SHOPPER_RTT_MS + sample.medusaDetailsMs + sample.medusaShippingMs + sample.medusaPaymentMs + 3 * overhead(sample);
  const oldFlow = overRounds(p(threeRequests, 50));
  const newFlow = overRounds(p(oneSubmission, 50));

  return {
    prepares_per_round: PREPARES,
    latency_ms: storefront,
    medusa_ms: medusa,
    overhead: {
      p50_ms: round(overheadP50),
      p95_ms: round(overheadP95),
      storefront_over_medusa_p50: round(overRounds(p((s) => s.storefrontMs / s.medusaMs, 50)), 3),
      overhead_pct_p50: round(overRounds(p((s) => (100 * overhead(s)) / s.medusaMs, 50)), 2),
      target: `at most ${OVERHEAD_TARGET.ratio * 100}% of Medusa's time or ${OVERHEAD_TARGET.ms} ms, whichever is larger`,
      allowed_ms_p50: round(allowedMs),
      met_p50: overheadP50 <= allowedMs,
    },
    shopper_round_trip: {
      rtt_ms: SHOPPER_RTT_MS,
      three_requests_p50_ms: round(oldFlow),
      one_submission_p50_ms: round(newFlow),
      three_over_one: round(oldFlow / newFlow, 2),
      saved_p50_ms: round(oldFlow - newFlow),
    },
  };
}

/** This tree's prepare-for-payment overhead against another revision's, sampled in turns. */
async function againstBaseline(revision: string, current: Shop, files: ReturnType<typeof stackFiles>, proxyUrl: string) {
  const baseline = await startBaseline(revision, files, Number(process.env.BENCH_BASELINE_PORT ?? 8809), log);
  try {
    log(`timing prepare-for-payment: this tree and ${revision}, in turns`);
    const [ours, theirs] = await samplePrepares([current, { ...current, storefrontUrl: baseline.url }], proxyUrl);
    const now = prepareFigures(ours!);
    const before = prepareFigures(theirs!);
    return {
      baseline: { revision, commit: baseline.commit },
      overhead_p50_ms: { this_tree: now.overhead.p50_ms, baseline: before.overhead.p50_ms },
      overhead_p95_ms: { this_tree: now.overhead.p95_ms, baseline: before.overhead.p95_ms },
      latency_p50_ms: { this_tree: now.latency_ms.p50_ms, baseline: before.latency_ms.p50_ms },
      medusa_p50_ms: { this_tree: now.medusa_ms.p50_ms, baseline: before.medusa_ms.p50_ms },
      overhead_p50_this_over_baseline: round(now.overhead.p50_ms / before.overhead.p50_ms, 2),
    };
  } finally {
    await baseline.stop();
  }
}

async function main() {
  // The fault proxy sits between the storefront and Medusa only to time Medusa's calls.
  // Medusa as merchants run it (built, a server and a worker process, Redis) unless
  // `--medusa development` (or BENCH_MEDUSA_PROFILE) asks for the one-process profile.
  const { values } = parseArgs({ options: { medusa: { type: "string" } } });
  const medusaProfile = medusaProfileOption(values.medusa ?? process.env.BENCH_MEDUSA_PROFILE);
  log(`Medusa profile: ${medusaProfile}`);
  const stack = await startStack(["preview"], log, { name: "bench", medusaProxy: true, medusaProfile });
  const warmUrl = stack.storefronts.preview!;
  // A second copy of the same build with the edge cache switched off: every request is a
  // cold-cache request that goes to Medusa.
  const coldPort = Number(process.env.BENCH_COLD_PORT ?? 8808);
  // The stack's own files (their folder depends on the port and the Medusa profile).
  const files = stackFiles(path.basename(path.dirname(stack.workerConfig)));
  const cold = startProcess("wrangler dev (cache off)", path.join(BIN, "wrangler"), [
    "dev", "--config", path.join(files.buildDir, "server", "wrangler.json"), "--port", String(coldPort), "--ip", "127.0.0.1",
    "--persist-to", `${files.persistDir}-cold`, "--var", "CATALOG_CACHE_TTL_SECONDS:0", "--show-interactive-dev-session=false",
  ], { env: { WRANGLER_SEND_METRICS: "false" } });
  const coldUrl = `http://localhost:${coldPort}`;
  try {
    await waitForHttp(`${coldUrl}/favicon.svg`, 60_000, cold);
    for (const url of [warmUrl, coldUrl]) await timeRequests(`${url}/`); // JIT and connection warm-up

    const product = "/products/organic-cotton-tee";
    log("timing pages");
    const pages = {
      catalog: { cache_cold: await serverTimes(`${coldUrl}/`), cache_warm: await serverTimes(`${warmUrl}/`) },
      product: { cache_cold: await serverTimes(`${coldUrl}${product}`), cache_warm: await serverTimes(`${warmUrl}${product}`) },
    };
    log("measuring client JavaScript");
    const javascript = { "/": await clientJavaScript(warmUrl, "/"), "/cart": await clientJavaScript(warmUrl, "/cart") };
    const shop = { storefrontUrl: warmUrl, medusaUrl: stack.medusaUrl, publishableKey: stack.publishableKey };
    const accounts = await benchAccounts(shop, stack.storefrontMedusaUrl, stack.stripeSimUrl, { rounds: ROUNDS, requests: REQUESTS }, log);
    log("measuring the JavaScript the / and /account documents reference");
    const clientDir = path.join(files.buildDir, "client");
    const documentJs = {
      "/": await documentJavaScript(await fetch(`${warmUrl}/`), clientDir),
      "/account": await documentJavaScript(await accounts.customer.shopper.request("/account"), clientDir),
    };
    log("measuring the Worker bundle");
    const bundle = workerBundle(files.buildDir);
    log("timing prepare-for-payment");
    const prepare = await prepareForPayment(shop, stack.storefrontMedusaUrl);
    const webhooks = await benchWebhooks(shop, stack.stripeSimUrl, log);
    const against_baseline = process.env.BENCH_BASELINE ? await againstBaseline(process.env.BENCH_BASELINE, shop, files, stack.storefrontMedusaUrl) : undefined;

    const result = {
      medusa_profile: medusaProfile,
      rounds: ROUNDS,
      requests_per_round: REQUESTS,
      server_response_ms: pages,
      account_server_response_ms: accounts.figures,
      client_javascript_gzip: javascript,
      document_javascript_gzip: documentJs,
      worker_bundle: bundle,
      prepare_for_payment: prepare,
      ...(against_baseline ? { prepare_for_payment_against_baseline: against_baseline } : {}),
      webhooks,
      budgets: {
        root_js_gzip_kb: { budget: BUDGET.rootJsGzipKb, measured: javascript["/"].gzip_kb, met: javascript["/"].gzip_kb <= BUDGET.rootJsGzipKb },
        worker_gzip_kb: { budget: BUDGET.workerGzipKb, measured: bundle.gzip_kb, met: bundle.gzip_kb <= BUDGET.workerGzipKb },
      },
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await cold.stop();
    await stack.stop();
  }
}

main().catch((error) => {
  console.error(`[bench] failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
