import { z } from "zod";
import { classifyMedusaError, MedusaError, type MedusaClient } from "./client.server";
import { address, order } from "./schemas";

/**
 * Medusa's customer and auth modules as the storefront uses them (Medusa 2.21, measured:
 * README "Customer accounts"). Every call but sign-up and sign-in carries the customer's
 * Medusa token, which lives only in the session record (app/lib/account/session.server.ts).
 *
 * - `/auth/customer/emailpass/register` makes an auth identity and answers a registration
 *   token (no customer yet); `POST /store/customers` with it makes the customer; only a
 *   new sign-in answers a token that names the customer (`actor_id`).
 * - Medusa keys identities by the email exactly as sent, so the storefront sends it
 *   trimmed and lower-cased (one account per mailbox however it is typed).
 * - Wrong password and unknown email get the same 401 "Invalid email or password".
 */

const tokenResponse = z.object({ token: z.string().min(1) });

export const customerAddress = address.extend({
  id: z.string(),
  address_name: z.string().nullish(),
  is_default_shipping: z.boolean().nullish().transform((value) => value ?? false),
  is_default_billing: z.boolean().nullish().transform((value) => value ?? false),
});
export type CustomerAddress = z.infer<typeof customerAddress>;

export const customer = z.object({
  id: z.string(),
  email: z.string(),
  first_name: z.string().nullish().transform((value) => value ?? null),
  last_name: z.string().nullish().transform((value) => value ?? null),
  phone: z.string().nullish().transform((value) => value ?? null),
  addresses: z
    .array(customerAddress)
    .nullish()
    .transform((value) => value ?? []),
});
export type Customer = z.infer<typeof customer>;

const customerResponse = z.object({ customer });
const addressList = z.object({ addresses: z.array(customerAddress), count: z.number() });
const orderList = z.object({ orders: z.array(order), count: z.number(), offset: z.number(), limit: z.number() });

/** The customer-facing part of an address, as the account and checkout forms send it. */
export type AddressInput = {
  first_name: string;
  last_name: string;
  company?: string;
  address_1: string;
  address_2?: string;
  city: string;
  province?: string;
  postal_code: string;
  country_code: string;
  phone?: string;
  is_default_shipping?: boolean;
  is_default_billing?: boolean;
};

export type ProfileInput = { first_name: string; last_name: string; phone: string };

const isUnauthorized = (error: unknown) => error instanceof MedusaError && error.kind === "http" && error.status === 401;

/** A new auth identity's registration token, or `exists` when the email has an account already. */
export async function registerIdentity(medusa: MedusaClient, email: string, password: string): Promise<{ token: string } | { exists: true }> {
  try {
    return await medusa.request("/auth/customer/emailpass/register", { method: "POST", body: { email, password }, schema: tokenResponse });
  } catch (error) {
    if (isUnauthorized(error)) return { exists: true };
    throw error;
  }
}

/** A token for these credentials, or null when Medusa refuses them (wrong password or unknown email alike). */
export async function signIn(medusa: MedusaClient, email: string, password: string): Promise<string | null> {
  try {
    const { token } = await medusa.request("/auth/customer/emailpass", { method: "POST", body: { email, password }, schema: tokenResponse });
    return token;
  } catch (error) {
    if (isUnauthorized(error)) return null;
    throw error;
  }
}

/** A fresh token for a valid one (Medusa's `/auth/token/refresh`), or null when it is no longer valid. */
export async function refreshToken(medusa: MedusaClient, token: string): Promise<string | null> {
  try {
    return (await medusa.request("/auth/token/refresh", { method: "POST", token, schema: tokenResponse })).token;
  } catch (error) {
    if (isUnauthorized(error)) return null;
    throw error;
  }
}

export async function createCustomer(medusa: MedusaClient, registrationToken: string, fields: { email: string; first_name: string; last_name: string }): Promise<Customer> {
  return (await medusa.request("/store/customers", { method: "POST", token: registrationToken, body: fields, schema: customerResponse })).customer;
}

/** The signed-in customer, or null when Medusa no longer accepts the token. */
export async function retrieveCustomer(medusa: MedusaClient, token: string): Promise<Customer | null> {
  try {
    return (await medusa.request("/store/customers/me", { token, query: { fields: "*addresses" }, schema: customerResponse })).customer;
  } catch (error) {
    if (isUnauthorized(error)) return null;
    throw error;
  }
}

export async function updateProfile(medusa: MedusaClient, token: string, fields: ProfileInput): Promise<Customer> {
  const body = { first_name: fields.first_name, last_name: fields.last_name, phone: fields.phone || null };
  return (await medusa.request("/store/customers/me", { method: "POST", token, body, query: { fields: "*addresses" }, schema: customerResponse })).customer;
}

export async function listAddresses(medusa: MedusaClient, token: string): Promise<CustomerAddress[]> {
  return (await medusa.request("/store/customers/me/addresses", { token, query: { limit: 100 }, schema: addressList })).addresses;
}

export async function addAddress(medusa: MedusaClient, token: string, input: AddressInput): Promise<void> {
  await medusa.request("/store/customers/me/addresses", { method: "POST", token, body: input, schema: customerResponse });
}

/** Medusa answers 404 for an address id that isn't this customer's: `false` then, and nothing changed. */
export async function updateAddress(medusa: MedusaClient, token: string, addressId: string, input: Partial<AddressInput>): Promise<boolean> {
  try {
    await medusa.request(`/store/customers/me/addresses/${encodeURIComponent(addressId)}`, { method: "POST", token, body: input, schema: customerResponse });
    return true;
  } catch (error) {
    if (classifyMedusaError(error) === "not_found") return false;
    throw error;
  }
}

export async function deleteAddress(medusa: MedusaClient, token: string, addressId: string): Promise<boolean> {
  try {
    await medusa.request(`/store/customers/me/addresses/${encodeURIComponent(addressId)}`, { method: "DELETE", token, schema: z.unknown() });
    return true;
  } catch (error) {
    if (classifyMedusaError(error) === "not_found") return false;
    throw error;
  }
}

// The list's fields: what the orders page shows (number, date, items, total, statuses).
const ORDER_LIST_FIELDS = "id,display_id,created_at,status,payment_status,fulfillment_status,total,currency_code,email,*items";

/** One page of the customer's orders, newest first (`GET /store/orders` is scoped to the token's customer). */
export async function listOrders(medusa: MedusaClient, token: string, page: { limit: number; offset: number }) {
  return medusa.request("/store/orders", {
    token,
    query: { fields: ORDER_LIST_FIELDS, order: "-created_at", limit: page.limit, offset: page.offset },
    schema: orderList,
  });
}

/** Moves a cart to the customer (`POST /store/carts/:id/customer`): its later order is theirs. */
export async function transferCart(medusa: MedusaClient, token: string, cartId: string): Promise<void> {
  await medusa.request(`/store/carts/${encodeURIComponent(cartId)}/customer`, { method: "POST", token, query: { fields: "id" }, schema: z.unknown() });
}
