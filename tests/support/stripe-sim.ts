// Test-side use of the Stripe simulator: pay as the browser would, call Stripe as the
// merchant's server does, and drive webhook delivery.
import type Stripe from "stripe";
import { inject } from "vitest";
import { SIMULATOR_KEYS } from "../../dev/stack.ts";
import type { Absent } from "./webhook-answer.ts";

const sim = () => inject("stack").stripeSimUrl;

/** Stripe's error body. */
export type StripeErrorBody = { error: { type: string; code?: string; decline_code?: string; message?: string } };
/** An answer of Stripe's API: the object asked for, or Stripe's error body. */
export type StripeAnswer<T> = (T & { error?: undefined }) | (StripeErrorBody & Absent<T>);

async function formPost<T>(path: string, key: string, params: Record<string, string>): Promise<{ status: number; body: StripeAnswer<T> }> {
  const response = await fetch(`${sim()}/v1/${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(params),
  });
  return { status: response.status, body: (await response.json()) as StripeAnswer<T> };
}

/** Confirms a PaymentIntent with a test payment method, as Stripe.js does from the browser. */
export function confirmAsBrowser(clientSecret: string, paymentMethod: string) {
  const id = clientSecret.split("_secret_")[0]!;
  return formPost<Stripe.PaymentIntent>(`payment_intents/${id}/confirm`, SIMULATOR_KEYS.publishableKey, {
    client_secret: clientSecret,
    payment_method: paymentMethod,
    return_url: "http://localhost/return",
  });
}

/** Answers a pending 3D Secure challenge. */
export function authenticate(clientSecret: string, result: "approve" | "fail") {
  const id = clientSecret.split("_secret_")[0]!;
  return formPost<Stripe.PaymentIntent>(`payment_intents/${id}/_authenticate`, SIMULATOR_KEYS.publishableKey, { client_secret: clientSecret, result });
}

/** Stripe as the merchant's server calls it (secret key). */
export function stripeApi<T = Stripe.PaymentIntent>(path: string, params: Record<string, string>) {
  return formPost<T>(path, SIMULATOR_KEYS.secretKey, params);
}

export async function simAdmin<T = unknown>(path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${sim()}/_sim/${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`sim ${path}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** One attempt of the simulator to deliver an event to an endpoint, from its delivery log. */
export type Delivery = {
  event_id: string;
  event_type: string;
  endpoint_id: string;
  endpoint_url: string;
  attempt: number;
  reason: string;
  status: number | null;
  /** A 2xx answer. */
  ok: boolean;
  /** Failed by a `fail_next` rule, without reaching the endpoint. */
  simulated_failure: boolean;
  response_body: string | null;
  started_at: string;
};

export async function eventsFor(paymentIntentId: string): Promise<{ id: string; type: string }[]> {
  return (await simAdmin<{ data: { id: string; type: string }[] }>(`events?payment_intent=${paymentIntentId}`)).data;
}

/** A PaymentIntent as the merchant's server reads it (secret key). */
export async function readPaymentIntent(id: string): Promise<Stripe.PaymentIntent> {
  const response = await fetch(`${sim()}/v1/payment_intents/${id}`, { headers: { authorization: `Bearer ${SIMULATOR_KEYS.secretKey}` } });
  return (await response.json()) as Stripe.PaymentIntent;
}

/** A charge as the merchant's server reads it (secret key): what was captured and refunded. */
export async function readCharge(id: string): Promise<Stripe.Charge> {
  const response = await fetch(`${sim()}/v1/charges/${id}`, { headers: { authorization: `Bearer ${SIMULATOR_KEYS.secretKey}` } });
  return (await response.json()) as Stripe.Charge;
}
