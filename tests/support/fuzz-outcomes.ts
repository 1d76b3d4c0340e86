// Sending the fuzz cases (tests/support/fuzz.ts) to the storefront and checking what came
// back against the contract (tests/stack/fuzz.test.ts), counted for the README's figures.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect } from "vitest";
import { STATUS } from "../../app/lib/checkout/contract.ts";
import type { RecordedRequest } from "../../dev/fault-proxy-client.ts";
import { ROOT } from "../../dev/processes.ts";
import type { FuzzCase } from "./fuzz.ts";
import { allMedusaRequests, newTrace } from "./proxy.ts";
import type { Shopper } from "./shopper.ts";
import { answerBody, type AnswerBody } from "./single-fetch.ts";

/** The contract's error codes: page actions answer with each one's HTTP status. */
export const CONTRACT_CODES = new Set([...Object.keys(STATUS)]);
const FIGURES_FILE = path.join(ROOT, "dev", ".state", "figures", "fuzz.json");

/** An answer and its body (null when it was neither JSON nor a single-fetch stream: then its text). */
export type Outcome = { label: string; status: number; traceId: string; body: AnswerBody | null; text: string };
const shown = (outcome: Outcome) => JSON.stringify(outcome.body ?? outcome.text)?.slice(0, 300);

/** Runs `work` on every item, `concurrency` at a time; results in the items' order. */
export async function inPool<T, R>(items: T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!);
      }
    }),
  );
  return results;
}

async function allProxyRecords(): Promise<Map<string, RecordedRequest[]>> {
  const requests = await allMedusaRequests();
  const byTrace = new Map<string, RecordedRequest[]>();
  for (const request of requests) {
    if (!request.traceId) continue;
    byTrace.set(request.traceId, [...(byTrace.get(request.traceId) ?? []), request]);
  }
  return byTrace;
}

/** The contract's error shape: `{ error: { code, message, fields? ... }, trace_id }`. */
function expectErrorShape(outcome: Outcome, codes: Set<string>) {
  const where = `${outcome.label} → ${outcome.status} ${shown(outcome)}`;
  expect(outcome.body, where).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) }, trace_id: outcome.traceId });
  const error = outcome.body!.error!;
  expect(codes.has(error.code), where).toBe(true);
  expect(error.message.length, where).toBeGreaterThan(0);
  if (error.fields !== undefined) {
    for (const [field, message] of Object.entries(error.fields)) {
      expect(typeof message, `${where}: ${field}`).toBe("string");
    }
  }
  // Page actions answer with the HTTP status of their code.
  if (codes === CONTRACT_CODES) expect(STATUS[error.code as keyof typeof STATUS], where).toBe(outcome.status);
}

type Summary = {
  endpoint: string;
  tried: number;
  rejected: number;
  /** Refused as invalid input (400/413). */
  invalid: number;
  accepted: number;
  byStatus: Record<string, number>;
  medusaRequestsForInvalid: number;
};

/** Refusals that come after writes, which the contract rolls back (checkout contract, section 2). */
const ROLLED_BACK_CODES = new Set(["shipping_option_unavailable", "total_changed", "cart_changed"]);

export type CheckOptions = {
  /**
   * Medusa POST paths that write nothing, which a refusal may call: the account routes'
   * credential checks (`/auth/customer/emailpass` answers 401 to a wrong password).
   */
  nonWritingPosts?: readonly string[];
  /** Redirects (3xx) are successes too, judged by `accepted` (a resource route's answer). */
  redirects?: boolean;
  /** Where the counts go, under dev/.state/figures/ (default fuzz.json). */
  figuresFile?: string;
};

/**
 * Every answer below 500; a success is what `accepted` says; a refusal is in the error shape
 * with one of `codes`; an invalid input (400/413) made no Medusa request, and no other
 * refusal wrote to Medusa (unless it says whether it rolled back). Writes the counts to the
 * figures file; returns them with the proxy's records by trace id.
 */
export async function checkOutcomes(endpoint: string, outcomes: Outcome[], codes: Set<string>, accepted: (outcome: Outcome) => boolean, seed: number, options: CheckOptions = {}) {
  const writes = (request: RecordedRequest) => request.method !== "GET" && !(request.method === "POST" && options.nonWritingPosts?.includes(request.path));
  const records = await allProxyRecords();
  const summary: Summary = { endpoint, tried: outcomes.length, rejected: 0, invalid: 0, accepted: 0, byStatus: {}, medusaRequestsForInvalid: 0 };
  for (const outcome of outcomes) {
    summary.byStatus[outcome.status] = (summary.byStatus[outcome.status] ?? 0) + 1;
    expect(outcome.status, `${outcome.label}: ${shown(outcome)}`).toBeLessThan(500);
    const requests = records.get(outcome.traceId) ?? [];
    if (outcome.status >= 200 && outcome.status < (options.redirects ? 400 : 300)) {
      expect(accepted(outcome), `${outcome.label}: ${shown(outcome)}`).toBe(true);
      summary.accepted += 1;
      continue;
    }
    summary.rejected += 1;
    expectErrorShape(outcome, codes);
    if (outcome.status === 400 || outcome.status === 413) {
      summary.invalid += 1;
      summary.medusaRequestsForInvalid += requests.length;
      expect(requests, `${outcome.label}: invalid input reached Medusa`).toEqual([]);
    } else if (ROLLED_BACK_CODES.has(outcome.body!.error!.code)) {
      expect(typeof outcome.body!.error!.rolled_back, `${outcome.label}: a refusal after writes says whether it rolled back`).toBe("boolean");
    } else {
      expect(requests.filter(writes), `${outcome.label}: a refusal wrote to Medusa`).toEqual([]);
    }
  }
  figures[endpoint] = { ...summary, seed };
  const file = options.figuresFile ? path.join(path.dirname(FIGURES_FILE), options.figuresFile) : FIGURES_FILE;
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(figures, null, 2)}\n`);
  console.log(`[fuzz] ${endpoint}: ${summary.tried} tried, ${summary.invalid} refused as invalid (${summary.medusaRequestsForInvalid} Medusa requests), ${summary.rejected - summary.invalid} other refusals, ${summary.accepted} accepted, statuses ${JSON.stringify(summary.byStatus)}, seed ${seed}`);
  return { summary, records };
}

/** What each endpoint's run counted, for the README's reliability table. */
const figures: Record<string, unknown> = {};

/** One fuzz case as this shopper (its headers, a trace of its own), with its answer's body. */
export async function send(shopper: Shopper, url: string, fuzz: FuzzCase, extraHeaders: Record<string, string> = {}): Promise<Outcome> {
  const trace = newTrace();
  const headers: Record<string, string> = { ...shopper.headers(), traceparent: trace.traceparent, ...extraHeaders };
  if (fuzz.contentType) headers["content-type"] = fuzz.contentType;
  const answer = await shopper.post(url, fuzz.body, headers);
  let body: AnswerBody | null;
  try {
    body = await answerBody(answer, url);
  } catch {
    body = null;
  }
  return { label: `${url} ${fuzz.label}`, status: answer.status, traceId: trace.traceId, body, text: answer.text.slice(0, 200) };
}

