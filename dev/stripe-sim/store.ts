// Everything the simulated Stripe account holds, in memory. `POST /_sim/reset` empties it.
// With a state file (the dev stack's), the account outlives a restart as a real one does:
// an order paid yesterday can still be captured or refunded from Medusa's dashboard today.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";

import type { CardOutcome } from "./cards.ts";
import type {
  Charge,
  Customer,
  PaymentIntent,
  PaymentMethod,
  Refund,
  SetupIntent,
  StripeEvent,
} from "./objects.ts";

// What Stripe knows about an intent (Payment- or SetupIntent, keyed by id) but does not show
// in the object.
export type IntentInternals = {
  // Opaque token in the hosted 3DS page URL (the redirect flow), like hooks.stripe.com's.
  authenticationToken: string | null;
  // return_url of the confirmation that started a 3DS challenge.
  returnUrl: string | null;
};

export type RequestRecord = {
  request_id: string;
  time: string;
  method: string;
  path: string;
  key_type: "secret" | "publishable" | "none";
  idempotency_key: string | null;
  replayed: boolean;
  status: number;
  error_code: string | null;
  params: Record<string, unknown>;
  duration_ms: number;
};

export class Store {
  paymentIntents = new Map<string, PaymentIntent>();
  intentInternals = new Map<string, IntentInternals>();
  paymentMethods = new Map<string, PaymentMethod>();
  paymentMethodOutcomes = new Map<string, CardOutcome>();
  charges = new Map<string, Charge>();
  refunds = new Map<string, Refund>();
  customers = new Map<string, Customer>();
  // Deleted customers still answer a retrieve, as `{id, object, deleted: true}`.
  deletedCustomers = new Set<string>();
  setupIntents = new Map<string, SetupIntent>();
  // PaymentMethods detached from a customer: Stripe refuses to use or attach them again.
  consumedPaymentMethods = new Set<string>();
  events: StripeEvent[] = [];
  requests: RequestRecord[] = [];

  /** The account's objects as JSON (not the request log, which is per run). */
  snapshot(): string {
    return JSON.stringify({
      version: 1,
      paymentIntents: [...this.paymentIntents],
      intentInternals: [...this.intentInternals],
      paymentMethods: [...this.paymentMethods],
      paymentMethodOutcomes: [...this.paymentMethodOutcomes],
      charges: [...this.charges],
      refunds: [...this.refunds],
      customers: [...this.customers],
      deletedCustomers: [...this.deletedCustomers],
      setupIntents: [...this.setupIntents],
      consumedPaymentMethods: [...this.consumedPaymentMethods],
      events: this.events,
    });
  }

  /** Loads a snapshot written by `save`; a missing file is an empty account. */
  load(file: string): void {
    if (!existsSync(file)) return;
    const saved = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    if (saved.version !== 1) throw new Error(`${file}: not a stripe-sim state file of version 1 (delete it to start empty)`);
    const entries = <T>(key: string) => new Map((saved[key] as [string, T][] | undefined) ?? []);
    this.paymentIntents = entries("paymentIntents");
    this.intentInternals = entries("intentInternals");
    this.paymentMethods = entries("paymentMethods");
    this.paymentMethodOutcomes = entries("paymentMethodOutcomes");
    this.charges = entries("charges");
    this.refunds = entries("refunds");
    this.customers = entries("customers");
    this.deletedCustomers = new Set((saved.deletedCustomers as string[] | undefined) ?? []);
    this.setupIntents = entries("setupIntents");
    this.consumedPaymentMethods = new Set((saved.consumedPaymentMethods as string[] | undefined) ?? []);
    this.events = (saved.events as StripeEvent[] | undefined) ?? [];
  }

  /** Writes the snapshot atomically (a crash mid-write leaves the previous one). */
  save(file: string): void {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(`${file}.tmp`, this.snapshot());
    renameSync(`${file}.tmp`, file);
  }

  reset(): void {
    this.paymentIntents.clear();
    this.intentInternals.clear();
    this.paymentMethods.clear();
    this.paymentMethodOutcomes.clear();
    this.charges.clear();
    this.refunds.clear();
    this.customers.clear();
    this.deletedCustomers.clear();
    this.setupIntents.clear();
    this.consumedPaymentMethods.clear();
    this.events = [];
    this.requests = [];
  }
}

// Stripe lists are newest first; ids are random, so the creation sequence is the tiebreak
// for objects created within the same second.
export function newestFirst<T extends { created: number }>(items: Iterable<T>): T[] {
  return [...items].map((item, index) => ({ item, index }))
    .sort((a, b) => b.item.created - a.item.created || b.index - a.index)
    .map(({ item }) => item);
}
