// `npm run attempt -- <checkout_attempt_id> [--remote]`: the operator's view of one checkout
// attempt (status, history, order id; personal data only until completion), read from KV
// with wrangler. Locally it reads the `npm run dev` storefront's KV; `--remote` reads the
// deployed namespace of wrangler.jsonc (needs `wrangler login`). Never exposed over HTTP.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { BIN, ROOT } from "./processes.ts";
import { stackFiles } from "./worker-config.ts";

const [id, ...flags] = process.argv.slice(2);
if (!id || !/^ca_[0-9A-Z]{24}$/.test(id)) {
  console.error("usage: npm run attempt -- ca_XXXXXXXXXXXXXXXXXXXXXXXX [--remote] [--preview]");
  process.exit(2);
}
const remote = flags.includes("--remote");
const args = ["kv", "key", "get", `attempt:${id}`, "--binding", "CHECKOUT_ATTEMPTS"];
if (remote) {
  args.push("--remote", "--config", path.join(ROOT, "wrangler.jsonc"));
} else {
  const files = stackFiles(`dev-${process.env.MEDUSA_PORT ?? 9000}`);
  const mode = flags.includes("--preview") ? "preview" : "dev";
  if (!existsSync(files.wranglerConfig)) {
    console.error(`No local stack state in ${files.dir}: start it with npm run dev first.`);
    process.exit(1);
  }
  args.push("--local", "--config", files.wranglerConfig, "--persist-to", `${files.persistDir}-${mode}`);
}
try {
  const value = execFileSync(path.join(BIN, "wrangler"), args, { encoding: "utf8", env: { ...process.env, WRANGLER_SEND_METRICS: "false" } });
  console.log(JSON.stringify(JSON.parse(value), null, 2));
} catch (error) {
  console.error(`Could not read attempt ${id}: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
  process.exit(1);
}
