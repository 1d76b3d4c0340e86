// Shared by the stripe-sim tests: an in-process simulator on a free port, the real
// stripe-node client pointed at it, a webhook receiver that verifies signatures the way
// the storefront does (constructEventAsync on the raw body), and the /_sim/ admin API.
import { existsSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { chromium, type Browser } from "playwright-core";
import Stripe from "stripe";
import { startStripeSim, type StripeSim, type StripeSimOptions } from "../../dev/stripe-sim/server.ts";

export const SECRET_KEY = "sk_test_simulator";
export const PUBLISHABLE_KEY = "pk_test_simulator";
export const WEBHOOK_SECRET = "whsec_stripe_sim_test_secret";

export type TestSim = StripeSim & { logs: Record<string, unknown>[] };

export async function startTestSim(opts: StripeSimOptions = {}): Promise<TestSim> {
  const logs: Record<string, unknown>[] = [];
  const sim = await startStripeSim({
    port: 0,
    secretKey: SECRET_KEY,
    publishableKey: PUBLISHABLE_KEY,
    retryBaseMs: 50,
    log: (line) => logs.push(line as Record<string, unknown>),
    ...opts,
  });
  return Object.assign(sim, { logs });
}

export function stripeClient(sim: StripeSim, key = SECRET_KEY): Stripe {
  return new Stripe(key, { host: "127.0.0.1", port: sim.port, protocol: "http", maxNetworkRetries: 0 });
}

// ------------------------------------------------------------------ admin API
export async function admin<T = Record<string, unknown>>(
  sim: StripeSim,
  method: "GET" | "POST" | "DELETE",
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${sim.url}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await response.json()) as T;
  if (!response.ok && response.status !== 408) {
    throw new Error(`${method} ${path}: HTTP ${response.status} ${JSON.stringify(json)}`);
  }
  return json;
}

export type Delivery = {
  event_id: string;
  event_type: string;
  endpoint_id: string;
  attempt: number;
  reason: string;
  status: number | null;
  ok: boolean;
  error: string | null;
  started_at: string;
  simulated_failure: boolean;
};

export async function deliveries(sim: StripeSim, query = ""): Promise<Delivery[]> {
  return (await admin<{ data: Delivery[] }>(sim, "GET", `/_sim/deliveries${query}`)).data;
}

export async function simEvents(sim: StripeSim, query = ""): Promise<Stripe.Event[]> {
  return (await admin<{ data: Stripe.Event[] }>(sim, "GET", `/_sim/events${query}`)).data;
}

export async function waitIdle(sim: StripeSim): Promise<void> {
  const state = await admin<{ idle: boolean }>(sim, "POST", "/_sim/webhooks/wait_idle", { timeout_ms: 10_000 });
  if (!state.idle) throw new Error("webhook deliveries did not settle within 10 s");
}

// Raw HTTP to the API, for headers and bodies stripe-node hides.
export async function rawApi(
  sim: StripeSim,
  method: "GET" | "POST",
  path: string,
  form: Record<string, string> = {},
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const body = new URLSearchParams(form).toString();
  const response = await fetch(`${sim.url}${path}${method === "GET" && body ? `?${body}` : ""}`, {
    method,
    headers: {
      authorization: `Bearer ${SECRET_KEY}`,
      "content-type": "application/x-www-form-urlencoded",
      ...headers,
    },
    body: method === "POST" ? body : undefined,
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

// ------------------------------------------------------------------ webhook receiver
export type Received = { event: Stripe.Event; raw: string; signature: string; at: number };
type Answer = { status: number; delayMs?: number };

export type Receiver = {
  url: string;
  received: Received[];
  rejected: { raw: string; signature: string | undefined; reason: string }[];
  // Decides each answer; `nth` counts deliveries of the same event, from 1.
  answer: (event: Stripe.Event, nth: number) => Answer;
  waitFor(predicate: (received: Received[]) => boolean, what: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
};

export async function startReceiver(secret = WEBHOOK_SECRET): Promise<Receiver> {
  const verifier = new Stripe(SECRET_KEY);
  const counts = new Map<string, number>();
  const receiver: Receiver = {
    url: "",
    received: [],
    rejected: [],
    answer: () => ({ status: 200 }),
    async waitFor(predicate, what, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(receiver.received)) {
        if (Date.now() > deadline) {
          throw new Error(`timed out waiting for ${what}; received: ${receiver.received.map((r) => r.event.type).join(", ")}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    close: async () => {},
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const signature = req.headers["stripe-signature"];
    let event: Stripe.Event;
    try {
      event = await verifier.webhooks.constructEventAsync(raw, signature ?? "", secret);
    } catch (error) {
      receiver.rejected.push({ raw, signature: signature as string | undefined, reason: String(error) });
      res.writeHead(400).end("bad signature");
      return;
    }
    const nth = (counts.get(event.id) ?? 0) + 1;
    counts.set(event.id, nth);
    const answer = receiver.answer(event, nth);
    if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
    receiver.received.push({ event, raw, signature: signature as string, at: Date.now() });
    res.writeHead(answer.status, { "content-type": "application/json" }).end(JSON.stringify({ status: answer.status }));
  };
  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/stripe`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return receiver;
}

// Assert that a promise rejects with a Stripe error and return it for closer checks.
export async function stripeError(promise: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) return error;
    throw error;
  }
  throw new Error("expected a Stripe error, but the call succeeded");
}

// ------------------------------------------------------------------ browser
// Debian's Chromium (installed by the project when missing), never a Playwright-downloaded one.
export { launchChromium } from "../../dev/chromium.ts";
