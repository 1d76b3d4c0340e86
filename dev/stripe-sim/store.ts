// Everything the simulated Stripe account holds, in memory. `POST /_sim/reset` empties it.

import type { CardOutcome } from "./cards.ts";
import type {
  Charge,
  Customer,
  PaymentIntent,
  PaymentMethod,
  Refund,
  StripeEvent,
} from "./objects.ts";

// What Stripe knows about an intent but does not show in the object.
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
  events: StripeEvent[] = [];
  requests: RequestRecord[] = [];

  reset(): void {
    this.paymentIntents.clear();
    this.intentInternals.clear();
    this.paymentMethods.clear();
    this.paymentMethodOutcomes.clear();
    this.charges.clear();
    this.refunds.clear();
    this.customers.clear();
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
