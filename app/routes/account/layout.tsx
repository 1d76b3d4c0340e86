import { Form, NavLink, Outlet } from "react-router";
import { requireCustomer } from "~/lib/account/signed-in.server";
import { orBackendFailure } from "~/lib/http/backend-failure.server";
import type { AccountLayoutData } from "~/lib/account/layout-data";
import type { Route } from "./+types/layout";

/**
 * Every `/account` page: only for a signed-in customer (anyone else is sent to sign in
 * and back). The customer as Medusa knows them now is this layout's data; the pages read
 * it with `useRouteLoaderData(ACCOUNT_LAYOUT)` (app/lib/account/layout-data.ts).
 */
export async function loader({ request, context }: Route.LoaderArgs): Promise<AccountLayoutData> {
  const { customer } = await orBackendFailure(context.shop, () => requireCustomer(context, request));
  return { customer };
}

export { noStoreDocumentHeaders as headers } from "~/lib/http/headers";

export default function AccountLayout({ loaderData }: Route.ComponentProps) {
  const { customer } = loaderData;
  return (
    <main className="page account-page" id="main">
      <header className="account-header">
        <p className="muted">
          Signed in as <strong data-testid="signed-in-as">{customer.email}</strong>
        </p>
        <nav aria-label="Account" className="account-nav">
          <NavLink to="/account" end>
            Profile
          </NavLink>
          <NavLink to="/account/orders">Orders</NavLink>
          <NavLink to="/account/addresses">Addresses</NavLink>
        </nav>
        <Form method="post" action="/account/sign-out">
          <button type="submit" className="button">
            Sign out
          </button>
        </Form>
      </header>
      <Outlet />
    </main>
  );
}
