// A checkout attempt as the test stack's production build stored it in its local KV, read
// with wrangler like `npm run attempt` reads the dev storefront's (no HTTP route shows it).
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { inject } from "vitest";
import type { AttemptRecord } from "../../app/lib/checkout/attempts.server.ts";
import { BIN } from "../../dev/processes.ts";

const run = promisify(execFile);

export async function storedAttempt(attemptId: string): Promise<AttemptRecord> {
  const config = inject("stack").workerConfig;
  const persist = path.join(path.dirname(config), "wrangler-state-preview");
  const { stdout } = await run(
    path.join(BIN, "wrangler"),
    ["kv", "key", "get", `attempt:${attemptId}`, "--binding", "CHECKOUT_ATTEMPTS", "--local", "--config", config, "--persist-to", persist],
    { encoding: "utf8", env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
  );
  return JSON.parse(stdout) as AttemptRecord;
}
