import { redirect } from "react-router";
import { readSession, endSession } from "~/lib/account/session.server";
import { clearCartIdCookie } from "~/lib/cart-cookie.server";
import { noStoreHeaders } from "~/lib/http/headers";
import { discardBody } from "~/lib/http/request-body.server";
import type { Route } from "./+types/sign-out";

/**
 * `POST /account/sign-out`: ends the session (its record is deleted, so a copied cookie
 * is worth nothing) and forgets the cart in this browser: it stays the customer's and
 * comes back at their next sign-in. The origin check ran in the Worker entry.
 */
export async function action({ request, context }: Route.ActionArgs) {
  const { shop, cloudflare } = context;
  await discardBody(request);
  const session = await readSession(shop, cloudflare.env, request);
  const headers = noStoreHeaders(await endSession(shop, cloudflare.env, session));
  if (session) headers.append("set-cookie", await clearCartIdCookie(shop.config));
  return redirect("/?signed_out=1", { headers });
}

/** A GET (a typed URL, a prefetch) signs nobody out. */
export function loader() {
  return redirect("/account");
}
