// Smoke test of the production profile of the local Medusa (dev/medusa.ts, profile
// "production"), standalone, on its own ports and database, so it runs beside `npm run dev`
// and `npm test`:
//
//   npm exec -- node dev/production-smoke.ts                # build if needed, start, check, stop
//   npm exec -- node dev/production-smoke.ts --rebuild      # force a cold `medusa build` first
//   npm exec -- node dev/production-smoke.ts --skip-development   # no development-profile comparison
//
// It installs redis-server when missing (apt, root), builds Medusa when its inputs changed,
// starts Redis and the production Medusa (server + worker), migrates and seeds database
// MEDUSA_DB_NAME (default medusa_storefront_prod), then checks: both processes answer
// /health; the server lists the seeded products through the Store API with the publishable
// key; the worker serves no API; each process runs in its worker mode with NODE_ENV=production
// from the build; both hold connections to Redis and Medusa's queues are in it; an event the
// server receives (a signed Stripe webhook) is handled by the worker; the build's copy of the
// storefront's mail renderer runs. Then it stops everything by PID, starts the development
// profile on the same port and database for comparison, and prints the figures (times, RSS).
// Exit code 1 when a check fails.
//
// Ports: SMOKE_MEDUSA_PORT (9050), SMOKE_MEDUSA_WORKER_PORT (9052), SMOKE_REDIS_PORT (6394).
import { spawnSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { existsSync, readFileSync, readlinkSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { BUILD_DIR, buildMedusa, MEDUSA_DIR, prepareMedusa, startMedusa, type RunningMedusa } from "./medusa.ts";
import { ensurePostgres } from "./postgres.ts";
import { portInUse, ROOT } from "./processes.ts";
import { ensureRedisServer, parseRedisReply, redisCommand, startRedis, type RunningRedis } from "./redis.ts";

const MEDUSA_PORT = Number(process.env.SMOKE_MEDUSA_PORT || 9050);
const WORKER_PORT = Number(process.env.SMOKE_MEDUSA_WORKER_PORT || 9052);
const REDIS_PORT = Number(process.env.SMOKE_REDIS_PORT || 6394);
process.env.MEDUSA_DB_NAME ??= "medusa_storefront_prod";
const flags = new Set(process.argv.slice(2));
const START_TIMEOUT_MS = 180_000;
/** What the seed creates (dev/medusa/src/scripts/seed.ts). */
const SEEDED_HANDLES = ["organic-cotton-tee", "classic-pullover-hoodie", "ceramic-coffee-mug", "merino-wool-beanie", "canvas-tote-bag", "insulated-water-bottle", "dot-grid-notebook"];
/** medusa-config.ts's default when STRIPE_WEBHOOK_SECRET is unset (startMedusa passes the same). */
const WEBHOOK_SECRET = process.env.STRIPE_WEBHOOK_SECRET ?? "whsec_simulator_dev_secret";

const log = (line: string) => console.error(`[smoke] ${line}`);
const failures: string[] = [];
function check(ok: boolean, what: string, detail = ""): boolean {
  console.error(`  ${ok ? "ok  " : "FAIL"} ${what}${detail ? `: ${detail}` : ""}`);
  if (!ok) failures.push(what);
  return ok;
}
const seconds = (ms: number) => Number((ms / 1000).toFixed(1));
async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = Date.now();
  const value = await fn();
  return [value, Date.now() - started];
}

const figures: Record<string, unknown> = { database: process.env.MEDUSA_DB_NAME, ports: { medusa: MEDUSA_PORT, worker: WORKER_PORT, redis: REDIS_PORT } };
let redis: RunningRedis | null = null;
let medusa: RunningMedusa | null = null;

async function stopAll(): Promise<void> {
  await medusa?.stop().catch(() => {});
  medusa = null;
  await redis?.stop().catch(() => {});
  redis = null;
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping what this run started`);
    void stopAll().then(() => process.exit(130));
  });
}

try {
  await main();
} catch (error) {
  failures.push(`aborted: ${(error as Error).message}`);
  console.error(`[smoke] aborted: ${(error as Error).stack ?? error}`);
} finally {
  await stopAll();
}
console.log(JSON.stringify(figures, null, 2));
if (failures.length) {
  console.error(`\n[smoke] ${failures.length} check(s) failed:\n  - ${failures.join("\n  - ")}`);
  process.exit(1);
}
console.error("\n[smoke] production profile: all checks passed");

async function main(): Promise<void> {
  for (const [name, port] of [["SMOKE_MEDUSA_PORT", MEDUSA_PORT], ["SMOKE_MEDUSA_WORKER_PORT", WORKER_PORT], ["SMOKE_REDIS_PORT", REDIS_PORT]] as const) {
    if (await portInUse(port, null)) throw new Error(`port ${port} is in use: set ${name} to a free port`);
  }

  // --- What the profile adds to the machine: redis-server -----------------------------
  const redisServer = ensureRedisServer(log);
  figures.redis_server = {
    version: redisServer.version,
    installed_now_s: redisServer.installedMs === null ? null : seconds(redisServer.installedMs),
    installed_size_kib: debianInstalledSize(["redis-server", "redis-tools", "libjemalloc2", "liblzf1"]),
  };

  // --- Build ---------------------------------------------------------------------------
  log(flags.has("--rebuild") ? "medusa build (forced)" : "medusa build (when its inputs changed)");
  const first = await buildMedusa({ log, force: flags.has("--rebuild") });
  const second = await buildMedusa({ log });
  figures.build = {
    first: { built: first.built, s: seconds(first.ms) },
    nothing_changed: { built: second.built, s: seconds(second.ms) },
    output: path.relative(ROOT, BUILD_DIR),
  };
  check(!second.built, "a second build with nothing changed is skipped", `${second.ms} ms`);

  // --- Redis, database, Medusa -----------------------------------------------------------
  const { databaseUrl } = await ensurePostgres((line) => log(`postgres: ${line}`));
  const [startedRedis, redisMs] = await timed(() => startRedis({ port: REDIS_PORT, envVar: "SMOKE_REDIS_PORT", log }));
  redis = startedRedis;
  log(`Redis on ${redis.url} (pid ${redis.pid}, ${redisMs} ms)`);
  const [seeded, prepareMs] = await timed(() => prepareMedusa({ databaseUrl, log, profile: "production", redisUrl: redis!.url }));
  const [startedMedusa, startMs] = await timed(() =>
    startMedusa({
      databaseUrl,
      port: MEDUSA_PORT,
      workerPort: WORKER_PORT,
      stripe: null,
      log,
      profile: "production",
      redisUrl: redis!.url,
      timeoutMs: START_TIMEOUT_MS,
    }),
  );
  medusa = startedMedusa;
  const server = medusa.processes.find((p) => p.role === "server")!;
  const worker = medusa.processes.find((p) => p.role === "worker")!;
  figures.production = {
    redis_start_ms: redisMs,
    prepare_s: seconds(prepareMs),
    start_to_health_s: seconds(startMs),
    pids: { server: server.pid, worker: worker.pid, redis: redis.pid },
  };

  // --- Checks --------------------------------------------------------------------------
  console.error("\nchecks:");
  const health = async (url: string) => (await fetch(`${url}/health`)).status;
  check((await health(server.url)) === 200, "server GET /health is 200");
  check((await health(worker.url)) === 200, "worker GET /health is 200");

  const headers = { "x-publishable-api-key": seeded.publishableKey };
  const products = await fetch(`${server.url}/store/products?fields=handle&limit=50`, { headers });
  const body = (await products.json()) as { products?: Array<{ handle: string }> };
  const handles = (body.products ?? []).map((p) => p.handle).sort();
  check(
    products.status === 200 && SEEDED_HANDLES.every((h) => handles.includes(h)),
    "server lists the seeded products (Store API, publishable key)",
    `HTTP ${products.status}, ${handles.length} products`,
  );
  const fromWorker = await fetch(`${worker.url}/store/products`, { headers });
  await fromWorker.arrayBuffer();
  check(fromWorker.status === 404, "the worker serves no Store API", `HTTP ${fromWorker.status}`);

  for (const [role, pid] of [["server", server.pid], ["worker", worker.pid]] as const) {
    const env = processEnvironment(pid);
    const cwd = readlinkSync(`/proc/${pid}/cwd`);
    check(
      env.MEDUSA_WORKER_MODE === role && env.NODE_ENV === "production" && cwd === BUILD_DIR.replace(/\/$/, ""),
      `${role} process (pid ${pid}) runs MEDUSA_WORKER_MODE=${role}, NODE_ENV=production from the build`,
      `mode ${env.MEDUSA_WORKER_MODE}, NODE_ENV ${env.NODE_ENV}, cwd ${path.relative(ROOT, cwd)}`,
    );
  }

  const connections = redisConnectionsByPid(REDIS_PORT);
  const clients = /connected_clients:(\d+)/.exec(parseRedisReply(await redisCommand(REDIS_PORT, ["INFO", "clients"]))[0] ?? "")?.[1];
  check(
    (connections.get(server.pid) ?? 0) > 0 && (connections.get(worker.pid) ?? 0) > 0,
    "server and worker are connected to Redis",
    `server ${connections.get(server.pid) ?? 0}, worker ${connections.get(worker.pid) ?? 0} connections (ss); Redis counts ${clients} clients`,
  );
  const keys = parseRedisReply(await redisCommand(REDIS_PORT, ["KEYS", "*"]));
  const prefixes = [...new Set(keys.map((k) => k.split(":").slice(0, 2).join(":")))].sort();
  check(
    prefixes.some((p) => p.startsWith("bull:medusa-workflows")) && prefixes.some((p) => p.startsWith("RedisEventBusService:events-queue")),
    "Medusa's queues are in Redis (workflow engine, event bus)",
    prefixes.join(", "),
  );

  // An event received by the server reaches the worker through Redis: Medusa's own Stripe
  // webhook route only queues `payment.webhook_received` (5 s delay); its subscriber runs on
  // the worker, which logs "Processing payment.webhook_received … which has 1 subscribers".
  // A PaymentIntent without metadata.session_id: the subscriber reads it and ignores it.
  const delayedBefore = await zcard("RedisEventBusService:events-queue:delayed");
  const webhookSentAt = Date.now();
  const webhook = await postSignedStripeEvent(`${server.url}/hooks/payment/stripe_stripe`);
  const delayedAfter = await zcard("RedisEventBusService:events-queue:delayed");
  check(webhook === 200 && delayedAfter === delayedBefore + 1, "the server queued the webhook's event in Redis", `HTTP ${webhook}, delayed jobs ${delayedBefore} -> ${delayedAfter}`);
  const handled = await waitFor(20_000, () => logHas(worker.logFile, "Processing payment.webhook_received"));
  const handledMs = Date.now() - webhookSentAt;
  check(handled, "the worker handled it (its log)", handled ? `${handledMs} ms after the POST (Medusa delays it 5 s)` : "not within 20 s");
  check(!logHas(server.logFile, "Processing payment.webhook_received"), "the server did not handle it itself");
  const left = await waitFor(5_000, async () => (await zcard("RedisEventBusService:events-queue:delayed")) === delayedBefore);
  check(left, "the job left the queue once handled");

  // The build's copy of the storefront's mail renderer (app/lib/mail, compiled into the build).
  const renderer = path.join(BUILD_DIR, "src/storefront/app/lib/mail/order-mail.js");
  const { orderConfirmationMail } = createRequire(import.meta.url)(renderer) as {
    orderConfirmationMail: (order: unknown, context: { shopName: string; orderUrl: string }) => { subject: string; text: string };
  };
  const mail = orderConfirmationMail(
    {
      id: "order_smoke",
      display_id: 42,
      currency_code: "usd",
      total: 26.64,
      shipping_total: 5,
      shipping_subtotal: 5,
      discount_total: 0,
      items: [{ id: "item_1", title: "Tee", quantity: 1, unit_price: 19.99, subtotal: 19.99 }],
      shipping_methods: [{ name: "Standard Shipping" }],
      shipping_address: null,
    },
    { shopName: "Harbor & Pine", orderUrl: "http://localhost:5173/orders/order_smoke/confirmed" },
  );
  check(mail.subject.includes("#42") || mail.subject.includes("42"), "the build's copy of the storefront's mail renderer runs", mail.subject);

  // --- Memory --------------------------------------------------------------------------
  figures.production_rss_mib = { server: rssMiB(server.pid), worker: rssMiB(worker.pid), redis: rssMiB(redis.pid) };

  // --- Stop ----------------------------------------------------------------------------
  const pids = [server.pid, worker.pid, redis.pid];
  const [, stopMs] = await timed(stopAll);
  figures.production_stop_ms = stopMs;
  check(pids.every((pid) => !alive(pid)), "everything stopped (by PID)", `${stopMs} ms`);
  const stillBound = [];
  for (const port of [MEDUSA_PORT, WORKER_PORT, REDIS_PORT]) if (await portInUse(port, null)) stillBound.push(port);
  check(stillBound.length === 0, "its ports are free again", stillBound.join(", "));

  // --- The development profile, for comparison ----------------------------------------
  if (flags.has("--skip-development")) return;
  log("development profile on the same port and database, for comparison (no prepare: the schema is a superset)");
  const [development, devStartMs] = await timed(() =>
    startMedusa({
      databaseUrl,
      port: MEDUSA_PORT,
      stripe: null,
      log,
      timeoutMs: START_TIMEOUT_MS,
      // Not .medusa/server.log: that one belongs to whoever runs `npm run dev` or `npm test`.
      logFile: path.join(MEDUSA_DIR, `.medusa/smoke-development-${MEDUSA_PORT}.log`),
    }),
  );
  medusa = development;
  const devProducts = await fetch(`${development.url}/store/products?fields=handle&limit=50`, { headers });
  await devProducts.arrayBuffer();
  check(devProducts.status === 200, "the development profile still starts and serves the Store API", `HTTP ${devProducts.status}`);
  figures.development = { start_to_health_s: seconds(devStartMs), rss_mib: rssMiB(development.pid) };
  await stopAll();
}

// ---------------------------------------------------------------------------

function processEnvironment(pid: number): Record<string, string> {
  const entries = readFileSync(`/proc/${pid}/environ`, "utf8")
    .split("\0")
    .filter(Boolean)
    .map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)] as const);
  return Object.fromEntries(entries);
}

/** Established connections to Redis on `port`, by the PID that holds them (iproute2's ss). */
function redisConnectionsByPid(port: number): Map<number, number> {
  const res = spawnSync("ss", ["-tnpH", "state", "established", `( dport = :${port} )`], { encoding: "utf8" });
  const counts = new Map<number, number>();
  for (const match of (res.stdout ?? "").matchAll(/pid=(\d+)/g)) counts.set(Number(match[1]), (counts.get(Number(match[1])) ?? 0) + 1);
  return counts;
}

async function zcard(key: string): Promise<number> {
  const reply = await redisCommand(REDIS_PORT, ["ZCARD", key]);
  return Number(reply.slice(1).trim());
}

/** A Stripe event signed like Stripe signs it (`t=…,v1=HMAC-SHA256(secret, "t.body")`). */
async function postSignedStripeEvent(url: string): Promise<number> {
  const body = JSON.stringify({
    id: `evt_smoke_${Date.now()}`,
    object: "event",
    type: "payment_intent.created",
    data: { object: { id: "pi_smoke", object: "payment_intent", amount: 100, currency: "usd", metadata: {} } },
  });
  const t = Math.floor(Date.now() / 1000);
  const signature = createHmac("sha256", WEBHOOK_SECRET).update(`${t}.${body}`).digest("hex");
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", "stripe-signature": `t=${t},v1=${signature}` }, body });
  await response.arrayBuffer();
  return response.status;
}

function logHas(file: string, text: string): boolean {
  return existsSync(file) && readFileSync(file, "utf8").includes(text);
}

async function waitFor(timeoutMs: number, condition: () => boolean | Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return condition();
}

function rssMiB(pid: number): number | null {
  try {
    const kib = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
    return Math.round(kib / 1024);
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (exited, not yet reaped by its parent) is gone for our purposes.
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
}

function debianInstalledSize(packages: string[]): number | null {
  const res = spawnSync("dpkg-query", ["-W", "-f=${Installed-Size}\\n", ...packages], { encoding: "utf8" });
  if (res.status !== 0) return null;
  return res.stdout
    .split("\n")
    .filter(Boolean)
    .reduce((sum, size) => sum + Number(size), 0);
}
