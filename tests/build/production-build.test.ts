// The production Worker as `npm run deploy` ships it, checked without the local stack and
// without Cloudflare. One `react-router build` into a temporary folder (STOREFRONT_BUILD_DIR,
// so neither build/ nor a stack's build is touched), then:
// - deploy readiness: `wrangler deploy --dry-run` on the build's generated config, with no
//   credentials and no network, and what it would upload (bindings, flags, migration);
// - the browser assets (<build>/client) scanned for Stripe secrets and for the values of the
//   secrets that were in the build's environment.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, projectPath, ROOT } from "../../dev/processes.ts";
import { SIMULATOR_KEYS } from "../../dev/stack.ts";
import { SECRET_NAMES } from "../../dev/worker-config.ts";
import { prefixNeedles, readDotVars, scanDirectory, secretNeedles } from "../support/secret-scan.ts";

const RATE_LIMITS = [
  "RATE_LIMIT_PREPARE_PER_CLIENT",
  "RATE_LIMIT_PREPARE_PER_CART",
  "RATE_LIMIT_CART_PER_CLIENT",
  "RATE_LIMIT_CART_PER_CART",
  "RATE_LIMIT_ACCOUNT_PER_CLIENT",
  "RATE_LIMIT_ACCOUNT_PER_EMAIL",
];
const KV_NAMESPACES = ["CHECKOUT_ATTEMPTS", "CUSTOMER_SESSIONS"];

type Run = { code: number | null; output: string; seconds: number };

type UploadMetadata = {
  main_module: string;
  bindings: Array<{ name: string; type: string } & Record<string, unknown>>;
  compatibility_date: string;
  compatibility_flags?: string[];
};

const work = mkdtempSync(path.join(tmpdir(), "storefront-build-check-"));
const buildDir = path.join(work, "build");
const clientDir = path.join(buildDir, "client");
const serverDir = path.join(buildDir, "server");
const outDir = path.join(work, "dry-run");
const formFile = path.join(work, "upload-form.bin");

/** Recognisable, fresh values: if one shows up in the browser assets, the build leaked it. */
const buildSecrets: Record<(typeof SECRET_NAMES)[number], string> = {
  STRIPE_SECRET_KEY: `sk_test_buildcheck${randomBytes(12).toString("hex")}`,
  STRIPE_WEBHOOK_SECRET: `whsec_buildcheck${randomBytes(12).toString("hex")}`,
  SESSION_SECRET: `buildcheck-session-${randomBytes(24).toString("hex")}`,
  RECONCILE_TOKEN: `buildcheck-reconcile-${randomBytes(24).toString("hex")}`,
};

let build: Run;
let dryRun: Run;

beforeAll(async () => {
  const deployRedirect = path.join(ROOT, ".wrangler", "deploy", "config.json");
  const redirectBefore = existsSync(deployRedirect) ? readFileSync(deployRedirect, "utf8") : null;
  try {
    build = await run(path.join(BIN, "react-router"), ["build"], {
      STOREFRONT_BUILD_DIR: buildDir,
      // Vite's dependency cache of this build only, so it never meets a dev server's.
      STACK_VITE_CACHE_DIR: path.join(work, "vite-cache"),
      // Under Vitest NODE_ENV is "test", which would give a development bundle.
      NODE_ENV: "production",
      ...buildSecrets,
    });
  } finally {
    restoreDeployRedirect(deployRedirect, redirectBefore);
  }
  if (build.code !== 0) throw new Error(`react-router build failed (exit ${build.code}):\n${build.output.slice(-4000)}`);

  // --config names this build's generated config explicitly: the project-level redirect
  // (.wrangler/deploy/config.json) belongs to whichever build ran last. --outfile keeps the
  // multipart upload wrangler would send, metadata included.
  dryRun = await run(
    path.join(BIN, "wrangler"),
    ["deploy", "--dry-run", "--config", path.join(serverDir, "wrangler.json"), "--outdir", outDir, "--outfile", formFile],
    {
      // No credentials: an empty global config (no `wrangler login` token), no CLOUDFLARE_*.
      XDG_CONFIG_HOME: path.join(work, "wrangler-home"),
      // No network: wrangler sends every fetch (Cloudflare's API included) through these
      // proxy variables, and its npm update check to this registry; both lead nowhere.
      ...Object.fromEntries(
        ["https_proxy", "http_proxy", "no_proxy"].flatMap((name) => {
          const value = name === "no_proxy" ? "localhost,127.0.0.1,::1" : "http://127.0.0.1:9";
          return [[name, value], [name.toUpperCase(), value]];
        }),
      ),
      npm_config_registry: "http://127.0.0.1:9/",
    },
  );
  console.info(`[build] react-router build ${build.seconds.toFixed(1)} s, wrangler deploy --dry-run ${dryRun.seconds.toFixed(1)} s`);
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe("deploy readiness: wrangler deploy --dry-run of the production build", () => {
  it("passes without credentials or network, and bundles this build", async () => {
    expect(dryRun.code, dryRun.output).toBe(0);
    expect(dryRun.output).toContain("--dry-run: exiting now.");
    const form = await uploadForm();
    const metadata = JSON.parse(String(form.get("metadata"))) as UploadMetadata;
    const mainModule = form.get(metadata.main_module);
    expect(mainModule, `the upload has no ${metadata.main_module}`).toBeInstanceOf(Blob);
    expect(await (mainModule as Blob).text()).toBe(readFileSync(path.join(serverDir, "index.js"), "utf8"));
  });

  it("uploads the Durable Object, KV and rate-limit bindings with nodejs_compat", async () => {
    const metadata = JSON.parse(String((await uploadForm()).get("metadata"))) as UploadMetadata;
    expect(metadata.compatibility_flags).toContain("nodejs_compat");
    expect(metadata.bindings).toEqual(
      expect.arrayContaining([
        { name: "CART_COORDINATOR", type: "durable_object_namespace", class_name: "CartCoordinator" },
        { name: "ATTEMPT_INDEX", type: "durable_object_namespace", class_name: "AttemptIndex" },
        { name: "CUSTOMER_COORDINATOR", type: "durable_object_namespace", class_name: "CustomerCoordinator" },
        ...KV_NAMESPACES.map((name) => expect.objectContaining({ name, type: "kv_namespace", namespace_id: expect.any(String) })),
        ...RATE_LIMITS.map((name) =>
          expect.objectContaining({ name, type: "ratelimit", namespace_id: expect.any(String), simple: { limit: expect.any(Number), period: expect.any(Number) } }),
        ),
      ]),
    );
  });

  it("declares the Durable Objects' migrations (SQLite), the reconciler's cron, and the Worker exports both classes", () => {
    // In a dry run wrangler does not compute the migration step (that needs the deployed
    // script's current tag), so this reads the config it deployed: a real deploy sends
    // its `migrations` from this same file.
    const config = JSON.parse(readFileSync(path.join(serverDir, "wrangler.json"), "utf8")) as {
      migrations?: unknown[];
      durable_objects?: { bindings?: unknown[] };
      compatibility_flags?: string[];
      triggers?: { crons?: string[] };
    };
    expect(config.migrations).toEqual([
      { tag: "v1", new_sqlite_classes: ["CartCoordinator"] },
      { tag: "v2", new_sqlite_classes: ["AttemptIndex"] },
      { tag: "v3", new_sqlite_classes: ["CustomerCoordinator"] },
    ]);
    expect(config.durable_objects?.bindings).toContainEqual({ name: "CART_COORDINATOR", class_name: "CartCoordinator" });
    expect(config.durable_objects?.bindings).toContainEqual({ name: "ATTEMPT_INDEX", class_name: "AttemptIndex" });
    expect(config.durable_objects?.bindings).toContainEqual({ name: "CUSTOMER_COORDINATOR", class_name: "CustomerCoordinator" });
    expect(config.triggers?.crons).toEqual(["*/5 * * * *"]);
    expect(config.compatibility_flags).toContain("nodejs_compat");
    const worker = readFileSync(path.join(serverDir, "index.js"), "utf8");
    expect(worker).toMatch(/export\s*\{[^}]*\bCartCoordinator\b[^}]*\}/);
    expect(worker).toMatch(/export\s*\{[^}]*\bAttemptIndex\b[^}]*\}/);
    expect(worker).toMatch(/export\s*\{[^}]*\bCustomerCoordinator\b[^}]*\}/);
  });

  it("lists every binding in wrangler's output", () => {
    expect(dryRun.output).toMatch(/env\.CART_COORDINATOR \(CartCoordinator\)\s+Durable Object/);
    expect(dryRun.output).toMatch(/env\.ATTEMPT_INDEX \(AttemptIndex\)\s+Durable Object/);
    expect(dryRun.output).toMatch(/env\.CUSTOMER_COORDINATOR \(CustomerCoordinator\)\s+Durable Object/);
    for (const name of KV_NAMESPACES) expect(dryRun.output).toMatch(new RegExp(`env\\.${name} \\(\\w+\\)\\s+KV Namespace`));
    for (const name of RATE_LIMITS) expect(dryRun.output).toMatch(new RegExp(`env\\.${name} \\(\\d+ requests/\\d+s\\)\\s+Rate Limit`));
  });
});

describe("no secrets in the browser assets (<build>/client)", () => {
  it("reads the real bundle: the same scan finds public strings that are there", () => {
    const controls = scanDirectory(clientDir, [{ name: "publishable key prefix pk_ (Stripe.js)", value: "pk_" }]);
    expect(controls.files).toBeGreaterThan(5);
    expect(controls.bytes).toBeGreaterThan(100_000);
    expect(controls.findings.length, "the positive control found nothing: is the scan reading the bundle?").toBeGreaterThan(0);
    expect(controls.findings.some((finding) => finding.file.startsWith(`assets${path.sep}`) && finding.file.endsWith(".js"))).toBe(true);
  });

  it("holds no Stripe secret prefix and no value of a secret present at build time", () => {
    const result = scanDirectory(clientDir, [...prefixNeedles(), ...secretNeedles(knownSecrets())]);
    expect(result.files).toBeGreaterThan(0);
    expect(result.findings).toEqual([]);
  });
});

/** Every secret value this build could have seen: its environment, .dev.vars, the local stacks. */
function knownSecrets(): Array<{ name: string; value: string | undefined }> {
  const secrets: Array<{ name: string; value: string | undefined }> = [];
  for (const name of SECRET_NAMES) {
    secrets.push({ name: `${name} (build environment)`, value: buildSecrets[name] });
    secrets.push({ name: `${name} (test runner environment)`, value: process.env[name] });
  }
  secrets.push({ name: "simulator secret key", value: SIMULATOR_KEYS.secretKey });
  secrets.push({ name: "simulator webhook secret", value: SIMULATOR_KEYS.webhookSecret });
  // The vite plugin reads .dev.vars (and copies it next to the server build).
  const devVars = path.join(ROOT, ".dev.vars");
  if (existsSync(devVars)) {
    const vars = readDotVars(devVars);
    for (const name of SECRET_NAMES) secrets.push({ name: `${name} (.dev.vars)`, value: vars[name] });
  }
  // Each local stack's secrets (dev/worker-config.ts writes them to its .dev.vars).
  const stateDir = path.join(ROOT, "dev", ".state");
  for (const stack of existsSync(stateDir) ? readdirSync(stateDir) : []) {
    const stackVars = path.join(stateDir, stack, ".dev.vars");
    if (!existsSync(stackVars)) continue;
    const vars = readDotVars(stackVars);
    for (const name of SECRET_NAMES) secrets.push({ name: `${name} (stack ${stack})`, value: vars[name] });
  }
  return secrets;
}

async function uploadForm(): Promise<FormData> {
  const bytes = readFileSync(formFile);
  const boundary = bytes.subarray(0, bytes.indexOf("\r\n")).toString("latin1").replace(/^--/, "");
  return new Response(bytes, { headers: { "content-type": `multipart/form-data; boundary=${boundary}` } }).formData();
}

/**
 * A build writes .wrangler/deploy/config.json (what a bare `wrangler deploy` deploys). Point
 * it back where it was, unless another build has replaced it since.
 */
function restoreDeployRedirect(file: string, before: string | null): void {
  if (!existsSync(file) || !readFileSync(file, "utf8").includes(path.basename(work))) return;
  if (before !== null) {
    writeFileSync(file, before);
    return;
  }
  rmSync(file);
  for (const dir of [path.dirname(file), path.dirname(path.dirname(file))]) {
    try {
      rmdirSync(dir);
    } catch {
      break; // not empty
    }
  }
}

function run(command: string, args: string[], env: Record<string, string>): Promise<Run> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(childEnv)) {
    // No Cloudflare account or environment, no stack's config redirection, no other build dir.
    if (/^(CLOUDFLARE_|CF_|STACK_|WRANGLER_)/.test(key) || key === "STOREFRONT_BUILD_DIR" || (SECRET_NAMES as readonly string[]).includes(key)) delete childEnv[key];
  }
  Object.assign(childEnv, { PATH: projectPath(), WRANGLER_SEND_METRICS: "false", FORCE_COLOR: "0" }, env);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      env: childEnv,
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 240_000,
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, output, seconds: (Date.now() - started) / 1000 }));
  });
}
