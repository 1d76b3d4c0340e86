import { data, Form, Link, redirect, useNavigation } from "react-router";
import * as z from "zod/mini";
import { acceptClaim, claimNews, claimRequest, claimState, orderNumber, ORDER_ID, TRANSFER_TOKEN } from "~/lib/account/claim-orders.server";
import { nextPath } from "~/lib/account/forms";
import { requireSession } from "~/lib/account/signed-in.server";
import { actionFailure, actionInput } from "~/lib/http/action-failure.server";
import { orBackendFailure } from "~/lib/http/backend-failure.server";
import { noStoreHeaders } from "~/lib/http/headers";
import { readFormFields } from "~/lib/http/request-body.server";
import type { Route } from "./+types/claim-order";

export function meta() {
  return [{ title: "Add an order to your account · Harbor & Pine" }];
}

export { noStoreDocumentHeaders as headers } from "~/lib/http/headers";

/**
 * `/account/orders/claim` (README, "Guest orders in an account"), for a signed-in customer
 * (the account layout sends anyone else to sign in, and back here with the link intact):
 *
 * - `?order=…&token=…`, the link of the mail Medusa sent to the order's email: a button
 *   that confirms. A GET never accepts (mail scanners and prefetches open links).
 * - no link, after a sign-in that asked for this browser's guest orders: what was mailed,
 *   and the way on to `?next=`.
 */
export async function loader({ request, context }: Route.LoaderArgs) {
  const session = await requireSession(context, request);
  const params = new URL(request.url).searchParams;
  const orderId = params.get("order");
  const token = params.get("token");
  if (orderId === null && token === null) {
    const news = await orBackendFailure(context.shop, () => claimNews(context, request, session.customerId));
    return data({ view: "news" as const, news, next: z.parse(nextPath, params.get("next") ?? undefined) }, { headers: noStoreHeaders() });
  }
  if (!orderId || !token || !ORDER_ID.test(orderId) || !TRANSFER_TOKEN.test(token)) {
    return data({ view: "incomplete" as const }, { status: 400, headers: noStoreHeaders() });
  }
  const state = await orBackendFailure(context.shop, () => claimState(context, session.customerId, orderId));
  if (state.kind === "unknown") return data({ view: "unknown" as const }, { status: 404, headers: noStoreHeaders() });
  const order = { id: state.order.id, number: orderNumber(state.order), email: state.order.email ?? "" };
  if (state.kind === "yours") return data({ view: "yours" as const, order }, { headers: noStoreHeaders() });
  return data({ view: "confirm" as const, order, token }, { headers: noStoreHeaders() });
}

const UNKNOWN = "This link doesn't work for the account you're signed in with. It may have been used already, be more than 7 days old, or be for another account.";

/** One intent, `claim-order`: accept the mail's token as the signed-in customer, then show the order in the account. */
export async function action({ request, context }: Route.ActionArgs) {
  const { shop } = context;
  const session = await requireSession(context, request);
  const input = await actionInput(shop, request, claimRequest, { read: readFormFields, message: (first) => first ?? "This link is incomplete: open it again from your email." });
  if (input.failure) return input.failure;
  const { order, token } = input.value;
  const outcome = await orBackendFailure(shop, () => acceptClaim(context, session.customerId, order, token));
  if (outcome.kind === "accepted" || outcome.kind === "yours") {
    return redirect(`/account/orders/${encodeURIComponent(outcome.order.id)}`, { headers: noStoreHeaders() });
  }
  if (outcome.kind === "invalid_token") {
    return actionFailure(shop, "forbidden", "This link isn't valid: it may be cut short, or replaced by a newer one. Open the latest email about this order and try again.", {
      fields: { token: "Not the link we sent." },
    });
  }
  if (outcome.kind === "expired") {
    return actionFailure(shop, "not_found", "This link has expired. Sign in again in the browser you ordered with, and we'll email a new one.");
  }
  return actionFailure(shop, "not_found", UNKNOWN);
}

export default function ClaimOrder({ loaderData, actionData }: Route.ComponentProps) {
  const busy = useNavigation().state === "submitting";
  const failure = actionData && "ok" in actionData && actionData.ok === false ? actionData.error.message : null;
  return (
    <div className="account-content" data-testid="order-claim">
      {/* A refused confirmation, whatever the page shows now (the form posts to the link's address, or to the bare path). */}
      <p role="alert" className="form-error" data-testid="claim-error">
        {failure}
      </p>
      {loaderData.view === "news" ? (
        <>
          <h1>Your orders as a guest</h1>
          {loaderData.news.length === 0 ? <p>No orders from this browser are waiting to be added to your account.</p> : null}
          <ul className="claim-news">
            {loaderData.news.map((item) =>
              item.mailed ? (
                <li key={item.orderId} data-testid="claim-news" data-order-id={item.orderId}>
                  {`We've emailed a link to add your order ${item.number} to your account.`} It went to <strong>{item.email}</strong>: open it and confirm
                  while signed in, within 7 days.
                </li>
              ) : (
                <li key={item.orderId} data-testid="claim-news" data-order-id={item.orderId}>
                  {`Your order ${item.number}, placed as a guest with ${item.email}, isn't in your account:`} adding it takes a link sent to that email, and
                  this shop doesn't send email. <Link to={`/orders/${encodeURIComponent(item.orderId)}/confirmed`}>Its confirmation page</Link> stays
                  open in this browser.
                </li>
              ),
            )}
          </ul>
          <p>
            <Link to={loaderData.next} className="button primary">
              Continue
            </Link>
          </p>
        </>
      ) : loaderData.view === "confirm" ? (
        <>
          <h1>{`Add order ${loaderData.order.number} to your account`}</h1>
          <p>
            {`Order ${loaderData.order.number} was placed as a guest with ${loaderData.order.email}.`} Add it to your account to see it with your other
            orders.
          </p>
          <Form method="post">
            <input type="hidden" name="intent" value="claim-order" />
            <input type="hidden" name="order" value={loaderData.order.id} />
            <input type="hidden" name="token" value={loaderData.token} />
            <button type="submit" className="button primary" disabled={busy}>
              {busy ? "Adding…" : `Add order ${loaderData.order.number} to my account`}
            </button>
          </Form>
        </>
      ) : loaderData.view === "yours" ? (
        <>
          <h1>{`Order ${loaderData.order.number} is in your account`}</h1>
          <p>
            <Link to={`/account/orders/${encodeURIComponent(loaderData.order.id)}`}>{`See order ${loaderData.order.number}`}</Link>
          </p>
        </>
      ) : (
        <>
          <h1>This link doesn't work</h1>
          <p data-testid="form-error">
            {loaderData.view === "incomplete" ? "This link is incomplete: open it again from your email, or copy the whole address." : UNKNOWN}
          </p>
          <p>
            Sign in again in the browser you ordered with, and we'll email a new link. <Link to="/account/orders">Your orders</Link>
          </p>
        </>
      )}
    </div>
  );
}
