// Webhook delivery: every event is POSTed to each matching endpoint, signed like Stripe
// (`Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">`, the whole `whsec_...`
// string being the HMAC key, as stripe-node verifies it). Non-2xx answers, network errors
// and timeouts are retried with exponential backoff.
//
// Test controls (driven through /_sim/, see admin.ts) reproduce what Stripe does in
// production but rarely on demand: deliveries held back and released out of order, the
// same event delivered several times (also concurrently), slow deliveries, failed attempts.

import { createHmac } from "node:crypto";
import type { StripeEvent } from "./objects.ts";
import { alnum, newId } from "./ids.ts";

export type WebhookEndpoint = { id: string; url: string; secret: string; events: string[]; created: number };
export type EndpointConfig = { url: string; secret: string; events?: string[] };

export type DeliveryReason = "event" | "retry" | "duplicate" | "redeliver";

export type DeliveryAttempt = {
  delivery_id: string;
  event_id: string;
  event_type: string;
  endpoint_id: string;
  endpoint_url: string;
  attempt: number;
  reason: DeliveryReason;
  status: number | null;
  ok: boolean;
  error: string | null;
  response_body: string | null;
  duration_ms: number;
  started_at: string;
  simulated_failure: boolean;
};

type FailRule = { count: number; endpointId: string | null; objectId: string | null };

type Job = {
  deliveryId: string;
  event: StripeEvent;
  endpoint: WebhookEndpoint;
  attempt: number;
  reason: DeliveryReason;
  // Only the original delivery to an endpoint counts towards the event's pending_webhooks.
  countsPending: boolean;
  // Deliveries started before a reset are neither recorded nor retried after it.
  generation: number;
};

export type WebhookOptions = {
  retryBaseMs: number;
  maxAttempts: number;
  timeoutMs: number;
  log: (line: object) => void;
};

export type ReleaseOptions = { order?: "created" | "reverse"; eventIds?: string[]; concurrent?: boolean; keepHolding?: boolean };

const RESPONSE_BODY_LIMIT = 1000;

export function signPayload(payload: string, secret: string, timestamp: number): string {
  const signature = createHmac("sha256", secret).update(`${timestamp}.${payload}`).digest("hex");
  return `t=${timestamp},v1=${signature}`;
}

export function newWebhookSecret(): string {
  return `whsec_${alnum(32)}`;
}

export class WebhookDispatcher {
  endpoints = new Map<string, WebhookEndpoint>();
  attempts: DeliveryAttempt[] = [];
  held: Job[] = [];
  holding = false;
  delayMs = 0;
  duplicate: { events: number; times: number; concurrent: boolean } | null = null;
  /** Simulated connection failures, each for the next `count` attempts that match it. */
  failRules: FailRule[] = [];

  private options: WebhookOptions;
  private timers = new Map<ReturnType<typeof setTimeout>, () => void>();
  private generation = 0;
  private inFlight = new Set<Promise<unknown>>();
  private aborts = new Set<AbortController>();
  private closed = false;

  constructor(options: WebhookOptions) {
    this.options = options;
  }

  addEndpoint(config: EndpointConfig): WebhookEndpoint {
    const events = config.events && config.events.length > 0 ? config.events : ["*"];
    const endpoint: WebhookEndpoint = {
      id: newId("we"),
      url: config.url,
      secret: config.secret,
      events,
      created: Math.floor(Date.now() / 1000),
    };
    this.endpoints.set(endpoint.id, endpoint);
    return endpoint;
  }

  removeEndpoint(id: string): boolean {
    return this.endpoints.delete(id);
  }

  private matching(event: StripeEvent): WebhookEndpoint[] {
    return [...this.endpoints.values()].filter(
      (e) => e.events.includes("*") || e.events.includes(event.type),
    );
  }

  // Called for every new event.
  enqueue(event: StripeEvent): void {
    const endpoints = this.matching(event);
    event.pending_webhooks = endpoints.length;
    const copies = this.duplicate && this.duplicate.events > 0 ? this.duplicate : null;
    if (copies) {
      copies.events -= 1;
      if (copies.events === 0) this.duplicate = null;
    }
    for (const endpoint of endpoints) {
      const jobs: Job[] = [];
      for (let i = 0; i < (copies?.times ?? 1); i++) {
        jobs.push({
          deliveryId: `dlv_${alnum(16)}`,
          event,
          endpoint,
          attempt: 1,
          reason: i === 0 ? "event" : "duplicate",
          countsPending: i === 0,
          generation: this.generation,
        });
      }
      // After the current tick: the API response that caused the event is written first,
      // though (as with Stripe) nothing guarantees it reaches its client first.
      this.later(0, () => {
        if (!copies || copies.concurrent) jobs.forEach((job) => this.dispatch(job));
        else this.track(this.sequence(jobs));
      });
    }
  }

  redeliver(event: StripeEvent, endpointId?: string): Promise<DeliveryAttempt[]> {
    const endpoints = this.matching(event).filter((e) => !endpointId || e.id === endpointId);
    return this.sequence(
      endpoints.map((endpoint) => ({
        deliveryId: `dlv_${alnum(16)}`,
        event,
        endpoint,
        attempt: 1,
        reason: "redeliver" as const,
        countsPending: false,
        generation: this.generation,
      })),
    );
  }

  // Sends held deliveries. With eventIds, only those events' deliveries, in that order,
  // and holding continues; otherwise all of them and holding stops (unless keepHolding).
  release(options: ReleaseOptions = {}): Promise<DeliveryAttempt[]> {
    let jobs: Job[];
    if (options.eventIds) {
      jobs = options.eventIds.flatMap((id) => this.held.filter((job) => job.event.id === id));
      this.held = this.held.filter((job) => !jobs.includes(job));
    } else {
      jobs = this.held;
      this.held = [];
      if (!options.keepHolding) this.holding = false;
    }
    if (options.order === "reverse") jobs = [...jobs].reverse();
    if (options.concurrent) {
      return Promise.all(jobs.map((job) => this.send(job)));
    }
    return this.sequence(jobs, true);
  }

  // One after another: each first attempt completes before the next starts, so the
  // receiver sees them in exactly this order.
  private async sequence(jobs: Job[], bypassHold = false): Promise<DeliveryAttempt[]> {
    const results: DeliveryAttempt[] = [];
    for (const job of jobs) {
      const attempt = bypassHold ? await this.send(job) : await this.dispatch(job);
      if (attempt) results.push(attempt);
    }
    return results;
  }

  private dispatch(job: Job): Promise<DeliveryAttempt | null> {
    if (this.closed) return Promise.resolve(null);
    if (this.holding) {
      this.held.push(job);
      return Promise.resolve(null);
    }
    return this.send(job);
  }

  private send(job: Job): Promise<DeliveryAttempt> {
    const promise = this.attemptDelivery(job);
    this.track(promise);
    return promise;
  }

  private track(promise: Promise<unknown>): void {
    this.inFlight.add(promise);
    promise.finally(() => this.inFlight.delete(promise)).catch(() => {});
  }

  /**
   * Adds a failure rule: the next `count` attempts (to `endpointId`, of events about
   * `objectId`) fail. A count of 0 removes the rules of that scope instead.
   */
  failNext(count: number, endpointId: string | null, objectId: string | null): void {
    this.failRules = this.failRules.filter((rule) => rule.endpointId !== endpointId || rule.objectId !== objectId);
    if (count > 0) this.failRules.push({ count, endpointId, objectId });
  }

  private takeSimulatedFailure(job: Job): boolean {
    const objectId = (job.event.data.object as { id?: unknown }).id;
    const rule = this.failRules.find(
      (candidate) => (!candidate.endpointId || candidate.endpointId === job.endpoint.id) && (!candidate.objectId || candidate.objectId === objectId),
    );
    if (!rule) return false;
    rule.count -= 1;
    if (rule.count <= 0) this.failRules = this.failRules.filter((candidate) => candidate !== rule);
    return true;
  }

  private async attemptDelivery(job: Job): Promise<DeliveryAttempt> {
    if (this.delayMs > 0) {
      await new Promise<void>((resolve) => this.later(this.delayMs, resolve, resolve));
    }
    const started = Date.now();
    const record: DeliveryAttempt = {
      delivery_id: job.deliveryId,
      event_id: job.event.id,
      event_type: job.event.type,
      endpoint_id: job.endpoint.id,
      endpoint_url: job.endpoint.url,
      attempt: job.attempt,
      reason: job.reason,
      status: null,
      ok: false,
      error: null,
      response_body: null,
      duration_ms: 0,
      started_at: new Date(started).toISOString(),
      simulated_failure: false,
    };
    if (this.closed || job.generation !== this.generation) {
      record.error = "not sent: stripe-sim was reset or closed";
      return record;
    }
    if (this.takeSimulatedFailure(job)) {
      record.simulated_failure = true;
      record.error = "simulated connection failure (fail_next)";
    } else {
      await this.post(job, record);
    }
    record.duration_ms = Date.now() - started;
    if (job.generation !== this.generation) return record;
    this.attempts.push(record);
    this.options.log({
      msg: "webhook delivery",
      event_id: record.event_id,
      event_type: record.event_type,
      endpoint: record.endpoint_url,
      attempt: record.attempt,
      reason: record.reason,
      status: record.status,
      ok: record.ok,
      error: record.error,
      duration_ms: record.duration_ms,
    });
    if (record.ok) {
      if (job.countsPending) job.event.pending_webhooks = Math.max(0, job.event.pending_webhooks - 1);
    } else if (job.attempt < this.options.maxAttempts && !this.closed) {
      const wait = this.options.retryBaseMs * 2 ** (job.attempt - 1);
      this.later(wait, () => {
        this.dispatch({ ...job, attempt: job.attempt + 1, reason: "retry" });
      });
    }
    return record;
  }

  private async post(job: Job, record: DeliveryAttempt): Promise<void> {
    // Stripe sends pretty-printed JSON; receivers must verify the raw bytes, not a re-serialization.
    const body = JSON.stringify(job.event, null, 2);
    const abort = new AbortController();
    this.aborts.add(abort);
    const timeout = setTimeout(() => abort.abort(new Error("timeout")), this.options.timeoutMs);
    try {
      const response = await fetch(job.endpoint.url, {
        method: "POST",
        redirect: "manual",
        signal: abort.signal,
        headers: {
          "content-type": "application/json; charset=utf-8",
          "stripe-signature": signPayload(body, job.endpoint.secret, Math.floor(Date.now() / 1000)),
          "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
          "cache-control": "no-cache",
          accept: "*/*; q=0.5, application/xml",
        },
        body,
      });
      record.status = response.status;
      record.ok = response.status >= 200 && response.status < 300;
      record.response_body = (await response.text()).slice(0, RESPONSE_BODY_LIMIT);
    } catch (error) {
      const reason = abort.signal.aborted ? abort.signal.reason : error;
      record.error =
        reason instanceof Error && reason.message === "timeout"
          ? `timed out after ${this.options.timeoutMs} ms`
          : String((reason as { cause?: unknown })?.cause ?? reason);
    } finally {
      clearTimeout(timeout);
      this.aborts.delete(abort);
    }
  }

  // Timers are tracked so reset/close can cancel them; onCancel lets a waiting delivery finish.
  private later(ms: number, fn: () => void, onCancel: () => void = () => {}): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.set(timer, onCancel);
  }

  isIdle(): boolean {
    return this.inFlight.size === 0 && this.timers.size === 0;
  }

  // Resolves true once nothing is being sent or waiting to be retried (held deliveries
  // don't count: they wait for a release), false on timeout.
  async waitIdle(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.isIdle()) {
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return true;
  }

  // Forget deliveries and controls; endpoints go back to the configured ones.
  reset(initial: EndpointConfig[]): void {
    this.stopTimers();
    this.endpoints.clear();
    for (const config of initial) this.addEndpoint(config);
    this.attempts = [];
    this.held = [];
    this.holding = false;
    this.delayMs = 0;
    this.duplicate = null;
    this.failRules = [];
  }

  private stopTimers(): void {
    this.generation += 1;
    const cancelled = [...this.timers];
    this.timers.clear();
    for (const [timer, onCancel] of cancelled) {
      clearTimeout(timer);
      onCancel();
    }
    for (const abort of this.aborts) abort.abort(new Error("stripe-sim reset"));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopTimers();
    await Promise.allSettled([...this.inFlight]);
  }
}
