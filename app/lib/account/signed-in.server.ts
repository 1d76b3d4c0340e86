import { redirect, type AppLoadContext } from "react-router";
import { noStoreHeaders } from "../http/headers";
import { retrieveCustomer, type Customer } from "../medusa/customer.server";
import { endSession, readSession, type CustomerSession } from "./session.server";

/**
 * What an account page or action needs first: the signed-in customer's session, or a
 * redirect to sign in (coming back to the same page afterwards). A session whose token
 * Medusa no longer accepts is ended on the spot.
 */
export function signInRedirect(request: Request, setCookie?: string): Response {
  const url = new URL(request.url);
  const next = request.method === "GET" ? `${url.pathname}${url.search}` : url.pathname;
  return redirect(`/account/sign-in?next=${encodeURIComponent(next)}`, { headers: noStoreHeaders(setCookie) });
}

export async function requireSession({ shop, cloudflare }: AppLoadContext, request: Request): Promise<CustomerSession> {
  const session = await readSession(shop, cloudflare.env, request);
  if (!session) throw signInRedirect(request);
  return session;
}

/** The session and the customer as Medusa knows them now. */
export async function requireCustomer(context: AppLoadContext, request: Request): Promise<{ session: CustomerSession; customer: Customer }> {
  const session = await requireSession(context, request);
  const customer = await retrieveCustomer(context.shop.medusa, session.token);
  if (!customer || customer.id !== session.customerId) {
    throw signInRedirect(request, await endSession(context.shop, context.cloudflare.env, session));
  }
  return { session, customer };
}
