// Each local stack (`npm run dev`, `npm test`, `npm run bench`) runs the storefront with its
// own generated Worker config: wrangler.jsonc plus the stack's values as vars (Medusa's
// publishable key, the simulator's URLs). So stacks never overwrite each other's settings,
// nobody copies keys by hand, and a developer's own `.dev.vars` (for
// `npm run dev:storefront`) is never touched.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ROOT } from "./processes.ts";

export type StackFiles = {
  /** dev/.state/<stack>/: this stack's config, local KV/DO state and build. */
  dir: string;
  wranglerConfig: string;
  persistDir: string;
  buildDir: string;
};

export function stackFiles(stackName: string): StackFiles {
  const dir = path.join(ROOT, "dev", ".state", stackName);
  return {
    dir,
    wranglerConfig: path.join(dir, "wrangler.json"),
    persistDir: path.join(dir, "wrangler-state"),
    buildDir: path.join(dir, "build"),
  };
}

/** wrangler.jsonc without its comments (only whole-line `//` comments are used there). */
export function readWranglerConfig(): Record<string, unknown> {
  const text = readFileSync(path.join(ROOT, "wrangler.jsonc"), "utf8")
    .split("\n")
    .filter((line) => !line.trim().startsWith("//"))
    .join("\n");
  return JSON.parse(text) as Record<string, unknown>;
}

/** Values that go to the stack's `.dev.vars` (secrets: wrangler prints vars, never these). */
export const SECRET_NAMES = ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "SESSION_SECRET", "RECONCILE_TOKEN"] as const;

export function writeStackWorkerConfig(files: StackFiles, values: Record<string, string>): void {
  mkdirSync(files.dir, { recursive: true });
  const config = readWranglerConfig();
  delete config.$schema;
  config.main = path.join(ROOT, "workers", "app.ts");
  const isSecret = (name: string) => (SECRET_NAMES as readonly string[]).includes(name);
  const vars = Object.fromEntries(Object.entries(values).filter(([name]) => !isSecret(name)));
  const secrets = Object.entries(values).filter(([name]) => isSecret(name));
  config.vars = { ...(config.vars as Record<string, string>), ...vars };
  writeFileSync(files.wranglerConfig, `${JSON.stringify(config, null, 2)}\n`);
  // Next to the generated config, where wrangler and the Vite plugin look for it (and
  // copied into the stack's build by `vite build`). Inside dev/.state/, never committed.
  writeFileSync(path.join(files.dir, ".dev.vars"), secrets.map(([name, value]) => `${name}=${JSON.stringify(value)}\n`).join(""), { mode: 0o600 });
}

/**
 * A stack's own random secret, kept in its state directory: the cart-cookie secret survives
 * restarts, so a shopper's cart does too; `npm run reconcile` reads the reconcile token.
 */
export function stackSecret(files: StackFiles, name: "session-secret" | "reconcile-token" | "order-link-secret"): string {
  const file = path.join(files.dir, name);
  if (existsSync(file)) {
    const existing = readFileSync(file, "utf8").trim();
    if (existing.length >= 32) return existing;
  }
  mkdirSync(files.dir, { recursive: true });
  const secret = randomBytes(32).toString("hex");
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}
