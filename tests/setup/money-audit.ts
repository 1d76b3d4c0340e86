// Issue 10's "done when": after every scenario of the run has settled, no PaymentIntent
// holds or has taken money without an order. Run by the global setup's teardown while the
// stack is still up: it lets the last webhooks arrive, runs one reconciler sweep per
// storefront as if two hours had passed (so every attempt is past its payment window), then
// reads the simulator's PaymentIntents and Medusa's orders back. A PaymentIntent of a
// checkout that holds or took money without an order fails the run. The figures go to
// dev/.state/figures/money.json and the README's "Reliability and security" table.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { medusaDatabaseUrl } from "../../dev/medusa.ts";
import { ensurePostgres, psql } from "../../dev/postgres.ts";
import { ROOT } from "../../dev/processes.ts";
import { SIMULATOR_KEYS } from "../../dev/stack.ts";
import type { SweepReport } from "../../app/lib/checkout/payment/reconcile.server.ts";

type SimIntent = { id: string; status: string; amount: number; amount_received?: number; latest_charge?: string | null; metadata?: Record<string, string> };
type SimCharge = { amount: number; amount_captured: number; amount_refunded: number };

export type MoneyFigures = {
  checkout_payment_intents: number;
  took_or_hold_money: number;
  with_an_order: number;
  without_an_order: string[];
  released: number;
  release_ms_p50: number | null;
  reconciler_sweeps: number;
  final_sweep_settled: number;
};

export async function auditMoney(stack: { stripeSimUrl: string; storefrontMedusaUrl: string; storefronts: Record<string, string | undefined>; workerConfig: string }): Promise<MoneyFigures> {
  const sim = (pathname: string, body?: unknown) =>
    fetch(`${stack.stripeSimUrl}/_sim/${pathname}`, body === undefined ? {} : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  // Nothing held back any more: faults at the Medusa proxy off, held deliveries sent, all delivered.
  await fetch(`${stack.storefrontMedusaUrl}/__proxy/faults`, { method: "DELETE" }).catch(() => undefined);
  await sim("webhooks/release", {});
  await sim("webhooks/wait_idle", { timeout_ms: 30_000 });

  const stateDir = path.dirname(stack.workerConfig);
  const token = readFileSync(path.join(stateDir, "reconcile-token"), "utf8").trim();
  let finalSettled = 0;
  for (const url of Object.values(stack.storefronts)) {
    if (!url) continue;
    const response = await fetch(new URL("/ops/reconcile", url), {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ as_of: new Date(Date.now() + 2 * 3_600_000).toISOString(), limit: 500 }),
    });
    const report = (await response.json()) as SweepReport;
    if (response.status !== 200) throw new Error(`the final sweep on ${url} answered ${response.status}: ${JSON.stringify(report)}`);
    finalSettled += report.settled.filter((entry) => entry.done).length;
  }
  await sim("webhooks/wait_idle", { timeout_ms: 30_000 });

  const intents = ((await (await sim("payment_intents")).json()) as { data: SimIntent[] }).data.filter((intent) => intent.metadata?.checkout_attempt_id);
  const database = medusaDatabaseUrl((await ensurePostgres(() => {})).databaseUrl);
  const cartOf = new Map(
    psql(database, "select ps.data->>'id', cpc.cart_id from payment_session ps join cart_payment_collection cpc on cpc.payment_collection_id = ps.payment_collection_id")
      .split("\n")
      .filter(Boolean)
      .map((line) => line.split("|") as [string, string]),
  );
  const ordered = new Set(psql(database, "select cart_id from order_cart where deleted_at is null").split("\n").filter(Boolean));

  let withMoney = 0;
  let withOrder = 0;
  const without: string[] = [];
  for (const intent of intents) {
    let holds = intent.status === "requires_capture";
    if (intent.status === "succeeded" && intent.latest_charge) {
      const response = await fetch(`${stack.stripeSimUrl}/v1/charges/${intent.latest_charge}`, { headers: { authorization: `Bearer ${SIMULATOR_KEYS.secretKey}` } });
      const charge = response.ok ? ((await response.json()) as SimCharge) : null;
      // As Stripe counts it, amount_refunded includes what a partial capture released.
      holds = charge ? charge.amount_captured > 0 && charge.amount - charge.amount_refunded > 0 : true;
    } else if (intent.status === "succeeded") holds = true;
    if (!holds) continue;
    withMoney += 1;
    const cart = cartOf.get(intent.id);
    if (cart && ordered.has(cart)) withOrder += 1;
    else without.push(`${intent.id} (${intent.status}, ${intent.amount}, attempt ${intent.metadata!.checkout_attempt_id}, cart ${cart ?? "unknown"})`);
  }

  const logs = readdirSync(stateDir).filter((name) => name.endsWith(".log")).map((name) => readFileSync(path.join(stateDir, name), "utf8"));
  const lines = logs.flatMap((text) => text.split("\n")).flatMap((line) => {
    const start = line.indexOf('{"level"');
    if (start < 0) return [];
    try {
      return [JSON.parse(line.slice(start)) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
  const releases = lines.filter((line) => line.msg === "paid cart could not become an order: payment released").map((line) => Number(line.ms_since_refusal)).filter(Number.isFinite).sort((a, b) => a - b);
  const figures: MoneyFigures = {
    checkout_payment_intents: intents.length,
    took_or_hold_money: withMoney,
    with_an_order: withOrder,
    without_an_order: without,
    released: releases.length,
    release_ms_p50: releases.length ? releases[Math.floor((releases.length - 1) / 2)]! : null,
    reconciler_sweeps: lines.filter((line) => line.msg === "reconcile sweep").length,
    final_sweep_settled: finalSettled,
  };
  const dir = path.join(ROOT, "dev", ".state", "figures");
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "money.json"), `${JSON.stringify(figures, null, 2)}\n`);
  return figures;
}
