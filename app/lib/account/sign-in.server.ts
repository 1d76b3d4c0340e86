import { redirect, type AppLoadContext } from "react-router";
import { readCartId } from "../cart-cookie.server";
import { noStoreHeaders } from "../http/headers";
import { createCustomer, registerIdentity, retrieveCustomer, signIn } from "../medusa/customer.server";
import { claimOrdersOnSignIn } from "./claim-orders.server";
import { cartOnSignIn } from "./customer-cart.server";
import { startSession } from "./session.server";

/**
 * Signing up and signing in, each as its steps in order (README, "Customer accounts").
 * Both end the same way: a session, the browser's cart moved to the customer (and their
 * earlier cart's lines added), then a redirect to where the shopper was going.
 */
export type SignInOutcome = { kind: "signed_in"; response: Response } | { kind: "refused" };
export type SignUpOutcome = SignInOutcome | { kind: "exists" };

/**
 * Medusa: a token for the credentials, then the customer it names. An auth identity
 * without a customer (a sign-up that stopped halfway) is refused like a wrong password;
 * signing up again with the same password finishes it.
 */
export async function signInWithPassword(context: AppLoadContext, request: Request, credentials: { email: string; password: string }, next: string): Promise<SignInOutcome> {
  const { shop } = context;
  const token = await signIn(shop.medusa, credentials.email, credentials.password);
  const customer = token ? await retrieveCustomer(shop.medusa, token) : null;
  if (!token || !customer) {
    shop.logger.log("info", "sign-in refused", { step: "sign_in", outcome: "error", status: 401 });
    return { kind: "refused" };
  }
  shop.logger.log("info", "signed in", { step: "sign_in", outcome: "ok", customer_id: customer.id });
  return { kind: "signed_in", response: await signedIn(context, request, token, customer.id, next) };
}

/**
 * Medusa: an auth identity (`/auth/customer/emailpass/register`), the customer made with
 * its registration token (`POST /store/customers`), then a sign-in, whose token names the
 * new customer. Registering with a guest's email makes a new customer; the guest's orders
 * stay on the guest record until claimed (claim-orders.server.ts).
 */
export async function signUp(
  context: AppLoadContext,
  request: Request,
  input: { email: string; password: string; first_name: string; last_name: string },
  next: string,
): Promise<SignUpOutcome> {
  const { shop } = context;
  const registered = await registerIdentity(shop.medusa, input.email, input.password);
  if ("exists" in registered) {
    shop.logger.log("info", "sign-up refused: account exists", { step: "sign_up", outcome: "error", status: 409 });
    return { kind: "exists" };
  }
  const customer = await createCustomer(shop.medusa, registered.token, { email: input.email, first_name: input.first_name, last_name: input.last_name });
  shop.logger.log("info", "customer created", { step: "sign_up", outcome: "ok", customer_id: customer.id });
  return signInWithPassword(context, request, input, next);
}

/** The session's cookie, the cart's, and the way on: `next`, with what happened to the cart. */
async function signedIn(context: AppLoadContext, request: Request, token: string, customerId: string, next: string): Promise<Response> {
  const { shop, cloudflare } = context;
  const sessionCookie = await startSession(shop, cloudflare.env, token, customerId);
  const cart = await cartOnSignIn(context, token, customerId, await readCartId(shop.config, request));
  const headers = noStoreHeaders(sessionCookie);
  if (cart.setCookie) headers.append("set-cookie", cart.setCookie);
  const target = new URL(next, "https://shop.invalid");
  if (cart.notice) target.searchParams.set("cart_notice", cart.notice);
  // The browser's guest orders of this email are asked for; the claim page then says what was mailed.
  return redirect(await claimOrdersOnSignIn(context, request, token, customerId, `${target.pathname}${target.search}`), { headers });
}
