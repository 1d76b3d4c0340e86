// A shopper with an account on the storefront: sign-up, sign-in and sign-out as a browser
// without JavaScript posts them (forms, redirects not followed), and what Medusa knows.
import { randomUUID } from "node:crypto";
import { expect, inject } from "vitest";
import { adminRequest } from "./medusa-admin.ts";
import { medusaGet } from "./medusa.ts";
import { medusaRequestsFor, newTrace } from "./proxy.ts";
import type { Shopper } from "./shopper.ts";

export const PASSWORD = "correct-horse-battery";

/** A unique, lower-case address (accounts are keyed by the lower-cased email). */
export function newEmail(label: string): string {
  return `${label}-${randomUUID().slice(0, 8)}@example.com`;
}

export type Registration = { email: string; password: string; first_name: string; last_name: string };

export function registration(label: string): Registration {
  return { email: newEmail(label), password: PASSWORD, first_name: "Ada", last_name: "Lovelace" };
}

/** POSTs a form as this shopper; answers the raw response (redirects not followed). */
export async function postForm(shopper: Shopper, path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return shopper.request(path, { method: "POST", form: new URLSearchParams(fields), headers });
}

export async function signUp(shopper: Shopper, account: Registration, next?: string): Promise<Response> {
  const response = await postForm(shopper, "/account/register", { intent: "sign-up", ...account, ...(next ? { next } : {}) });
  await response.arrayBuffer();
  return response;
}

export async function signIn(shopper: Shopper, email: string, password: string, next?: string): Promise<Response> {
  const response = await postForm(shopper, "/account/sign-in", { intent: "sign-in", email, password, ...(next ? { next } : {}) });
  await response.arrayBuffer();
  return response;
}

export async function signOut(shopper: Shopper): Promise<Response> {
  const response = await shopper.request("/account/sign-out", { method: "POST" });
  await response.arrayBuffer();
  return response;
}

/** Signs up and expects the redirect that means "signed in". */
export async function signedUp(shopper: Shopper, label: string): Promise<Registration> {
  const account = registration(label);
  const response = await signUp(shopper, account);
  expect(response.status, `sign-up of ${account.email}`).toBe(302);
  return account;
}

/** The page's HTML as this shopper (redirects not followed). */
export async function page(shopper: Shopper, path: string): Promise<{ status: number; location: string | null; html: string }> {
  const response = await shopper.request(path);
  return { status: response.status, location: response.headers.get("location"), html: await response.text() };
}

/** The customer Medusa has for this email with an account (via the Admin API). */
export async function customerByEmail(email: string): Promise<{ id: string; email: string; has_account: boolean } | undefined> {
  const { customers } = await adminRequest<{ customers: { id: string; email: string; has_account: boolean }[] }>(
    `/admin/customers?email=${encodeURIComponent(email)}&fields=id,email,has_account`,
  );
  return customers.find((customer) => customer.has_account);
}

/** The cart as Medusa holds it: its owner and its lines. */
export function cartOwner(cartId: string): Promise<{ cart: { customer_id: string | null; email: string | null; items: { variant_id: string; quantity: number }[] } }> {
  return medusaGet(`/store/carts/${cartId}?fields=%2Bcustomer_id,%2Bemail,*items`);
}

/**
 * An account made straight in Medusa (its register and customer routes), not through the
 * storefront: for tests that count the storefront's per-email limit from zero.
 */
export async function accountInMedusa(label: string): Promise<Registration> {
  const account = registration(label);
  const { medusaUrl, publishableKey } = inject("stack");
  const registered = await fetch(`${medusaUrl}/auth/customer/emailpass/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: account.email, password: account.password }),
  });
  const { token } = (await registered.json()) as { token: string };
  const created = await fetch(`${medusaUrl}/store/customers`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}`, "x-publishable-api-key": publishableKey },
    body: JSON.stringify({ email: account.email, first_name: account.first_name, last_name: account.last_name }),
  });
  if (!created.ok) throw new Error(`creating ${account.email} in Medusa: HTTP ${created.status} ${await created.text()}`);
  return account;
}

/** Each form POST, sent from each of `origins` (another site by default), is refused with 403 before any Medusa request. */
export async function expectCrossOriginRefused(
  shopper: Shopper,
  posts: ReadonlyArray<readonly [path: string, fields: Record<string, string>]>,
  origins: ReadonlyArray<string | null> = ["https://evil.example"],
): Promise<void> {
  for (const [path, fields] of posts) {
    for (const origin of origins) {
      const trace = newTrace();
      const response = await shopper.request(path, { method: "POST", form: new URLSearchParams(fields), origin, headers: { traceparent: trace.traceparent } });
      expect(response.status, `${path} from ${origin}`).toBe(403);
      await response.arrayBuffer();
      expect(await medusaRequestsFor(trace.traceId), `${path} from ${origin}`).toEqual([]);
    }
  }
}
