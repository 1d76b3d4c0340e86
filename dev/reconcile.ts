// `npm run reconcile [-- --attempt ca_… --limit N --as-of ISO]`: runs one reconciler sweep
// now (README, "Nothing stays unsettled") and prints what it found and did. Locally it asks
// the `npm run dev` storefront (http://localhost:5173, or STOREFRONT_PORT), with the token
// that stack generated. For a deployed shop set RECONCILE_URL (the storefront's origin) and
// RECONCILE_TOKEN (the Worker secret). `--as-of` (development only) sweeps as if it were
// later: what the cron will do to the attempts open now (and which paid orders' card
// authorizations would then be 6 days old and still not captured).
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { formatMinorUnits } from "../app/lib/money.ts";
import { stackFiles } from "./worker-config.ts";

const { values } = parseArgs({
  options: { attempt: { type: "string", multiple: true }, limit: { type: "string" }, "as-of": { type: "string" } },
});

const url = process.env.RECONCILE_URL ?? `http://localhost:${process.env.STOREFRONT_PORT ?? 5173}`;
let token = process.env.RECONCILE_TOKEN;
if (!token) {
  const file = path.join(stackFiles(`dev-${process.env.MEDUSA_PORT ?? 9000}`).dir, "reconcile-token");
  if (!existsSync(file)) {
    console.error(`No RECONCILE_TOKEN set and no local stack token in ${file}: start the stack with npm run dev, or set RECONCILE_URL and RECONCILE_TOKEN.`);
    process.exit(2);
  }
  token = readFileSync(file, "utf8").trim();
}

const body = {
  ...(values.attempt ? { attempt_ids: values.attempt } : {}),
  ...(values.limit ? { limit: Number(values.limit) } : {}),
  ...(values["as-of"] ? { as_of: values["as-of"] } : {}),
};

let response: Response;
try {
  response = await fetch(new URL("/ops/reconcile", url), {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
} catch (error) {
  console.error(`Could not reach the storefront at ${url}: ${error instanceof Error ? error.message : String(error)}. Is npm run dev running?`);
  process.exit(1);
}
const answer = (await response.json().catch(() => null)) as Record<string, unknown> | null;
if (!response.ok || !answer) {
  console.error(`The storefront answered ${response.status}: ${JSON.stringify(answer)}`);
  process.exit(1);
}

type Settlement = { attempt_id: string; cart_id: string; action: string; status: string | null; order_id?: string; detail?: string };
const settled = answer.settled as Settlement[];
const errors = answer.errors as { attempt_id: string; error: string }[];
console.log(`Sweep as of ${answer.as_of} (trace ${answer.trace_id}), ${answer.duration_ms} ms`);
console.log(`  open attempts ${answer.open}, due ${answer.due}, still open after this sweep ${answer.still_open}, left for the next sweep ${answer.deferred}, errors ${errors.length}`);
for (const entry of settled) {
  console.log(`  ${entry.attempt_id}  ${entry.action.padEnd(15)} ${entry.status ?? "-"}${entry.order_id ? `  order ${entry.order_id}` : ""}${entry.detail ? `  (${entry.detail})` : ""}`);
}
for (const entry of errors) console.log(`  ${entry.attempt_id}  error: ${entry.error}`);

// Paid orders whose authorization Stripe cancels within a day unless the merchant captures it.
type Uncaptured = { payment_intent: string; attempt_id: string; order_id: string | null; amount: number; currency: string; expires_at: string; warned: boolean };
const uncaptured = (answer.uncaptured ?? []) as Uncaptured[];
const check = (answer.uncaptured_check ?? {}) as { pages?: number; capped?: boolean; error?: string | null };
console.log(`  authorized 6 days ago and not captured: ${uncaptured.length}${check.capped ? ` (stopped after ${check.pages} pages of Stripe's list: there may be more)` : ""}${check.error ? ` (check failed: ${check.error})` : ""}`);
for (const payment of uncaptured) {
  console.log(`  ${payment.payment_intent}  order ${payment.order_id ?? "unknown (attempt no longer kept)"}  ${formatMinorUnits(payment.amount, payment.currency)}  expires ${payment.expires_at}${payment.warned ? "  (warned now)" : ""}`);
}
process.exit(errors.length > 0 ? 1 : 0);
