// Test-side use of the Stripe simulator: pay as the browser would, and drive webhook delivery.
import { inject } from "vitest";
import { SIMULATOR_KEYS } from "../../dev/stack.ts";

const sim = () => inject("stack").stripeSimUrl;

export type SimIntent = { id: string; status: string; amount: number; currency: string; metadata: Record<string, string> };

/** Confirms a PaymentIntent with a test payment method, as Stripe.js does from the browser. */
export async function confirmAsBrowser(clientSecret: string, paymentMethod: string): Promise<{ status: number; body: any }> {
  const id = clientSecret.split("_secret_")[0]!;
  const response = await fetch(`${sim()}/v1/payment_intents/${id}/confirm`, {
    method: "POST",
    headers: { authorization: `Bearer ${SIMULATOR_KEYS.publishableKey}`, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ client_secret: clientSecret, payment_method: paymentMethod, return_url: "http://localhost/return" }),
  });
  return { status: response.status, body: await response.json() };
}

/** Answers a pending 3D Secure challenge. */
export async function authenticate(clientSecret: string, result: "approve" | "fail") {
  const id = clientSecret.split("_secret_")[0]!;
  const response = await fetch(`${sim()}/v1/payment_intents/${id}/_authenticate`, {
    method: "POST",
    headers: { authorization: `Bearer ${SIMULATOR_KEYS.publishableKey}`, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ client_secret: clientSecret, result }),
  });
  return { status: response.status, body: await response.json() };
}

export async function simAdmin<T = any>(path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${sim()}/_sim/${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`sim ${path}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export type Delivery = { event_id: string; event_type: string; status: number | null; attempt: number; endpoint_url?: string; endpoint_id?: string };

export async function eventsFor(paymentIntentId: string): Promise<{ id: string; type: string }[]> {
  return (await simAdmin<{ data: { id: string; type: string }[] }>(`events?payment_intent=${paymentIntentId}`)).data;
}
