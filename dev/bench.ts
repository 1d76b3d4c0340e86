// `npm run bench`: performance figures of the storefront against the local stack, printed
// as JSON. Every figure is the median over several rounds; nothing here asserts a time.
//
//   catalog / product page server time (p50/p95) with the edge cache cold and warm, on the
//   production build under wrangler dev;
//   gzipped client JavaScript loaded by `/` and `/cart` (measured in Chromium);
//   the Worker bundle from `wrangler deploy --dry-run`.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { BIN, ROOT, startProcess, waitForHttp } from "./processes.ts";
import { startStack } from "./stack.ts";
import { stackFiles } from "./worker-config.ts";
import { launchChromium } from "./chromium.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20);
const BUDGET = { rootJsGzipKb: 120, workerGzipKb: 1024 };

const log = (line: string) => console.error(`[bench] ${line}`);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}
const median = (values: number[]) => percentile(values, 50);
const round = (value: number, digits = 1) => Number(value.toFixed(digits));

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

async function main() {
  const stack = await startStack(["preview"], log, { name: "bench" });
  const warmUrl = stack.storefronts.preview!;
  // A second copy of the same build with the edge cache switched off: every request is a
  // cold-cache request that goes to Medusa.
  const coldPort = Number(process.env.BENCH_COLD_PORT ?? 8788);
  const files = stackFiles(`bench-${process.env.BENCH_MEDUSA_PORT ?? 9020}`);
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
    log("measuring the Worker bundle");
    const bundle = workerBundle(files.buildDir);

    const result = {
      rounds: ROUNDS,
      requests_per_round: REQUESTS,
      server_response_ms: pages,
      client_javascript_gzip: javascript,
      worker_bundle: bundle,
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
