import { data, Link } from "react-router";
import { Price } from "~/components/Price";
import { requireSession } from "~/lib/account/signed-in.server";
import { orBackendFailure } from "~/lib/http/backend-failure.server";
import { noStoreHeaders } from "~/lib/http/headers";
import { listOrders } from "~/lib/medusa/customer.server";
import { orderListStatus } from "~/lib/order-status";
import type { Route } from "./+types/orders";

export function meta() {
  return [{ title: "Your orders · Harbor & Pine" }];
}

export { noStoreDocumentHeaders as headers } from "~/lib/http/headers";

export const ORDERS_PER_PAGE = 10;

/** `?page=N` (from 1). Medusa's `GET /store/orders` lists only the token's customer's orders. */
export async function loader({ request, context }: Route.LoaderArgs) {
  const session = await requireSession(context, request);
  const asked = Number(new URL(request.url).searchParams.get("page") ?? "1");
  const page = Number.isInteger(asked) && asked >= 1 && asked <= 10_000 ? asked : 1;
  const list = await orBackendFailure(context.shop, () => listOrders(context.shop.medusa, session.token, { limit: ORDERS_PER_PAGE, offset: (page - 1) * ORDERS_PER_PAGE }));
  const orders = list.orders.map((order) => ({
    id: order.id,
    display_id: order.display_id ?? null,
    created_at: order.created_at,
    total: order.total,
    currency_code: order.currency_code,
    items: order.items.map((item) => ({ quantity: item.quantity, title: item.product_title ?? item.title ?? "Item" })),
    status: orderListStatus(order),
  }));
  return data({ orders, page, pages: Math.max(1, Math.ceil(list.count / ORDERS_PER_PAGE)), count: list.count }, { headers: noStoreHeaders() });
}

export default function Orders({ loaderData }: Route.ComponentProps) {
  const { orders, page, pages, count } = loaderData;
  return (
    <div className="account-content">
      <h1>Your orders</h1>
      {count === 0 ? (
        <p>
          No orders yet. <Link to="/">Browse products</Link>.
        </p>
      ) : (
        <table className="order-list" data-testid="order-list">
          <thead>
            <tr>
              <th scope="col">Order</th>
              <th scope="col">Placed</th>
              <th scope="col">Items</th>
              <th scope="col">Total</th>
              <th scope="col">Payment</th>
              <th scope="col">Delivery</th>
            </tr>
          </thead>
          <tbody>
            {orders.map((order) => (
              <tr key={order.id} data-testid="order-row" data-order-id={order.id}>
                <th scope="row">
                  <Link to={`/account/orders/${order.id}`}>#{order.display_id ?? order.id}</Link>
                </th>
                <td>{order.created_at ? formatDay(order.created_at) : ""}</td>
                <td>{order.items.map((item) => `${item.quantity} × ${item.title}`).join(", ")}</td>
                <td data-testid="order-row-total">
                  <Price amount={order.total} currency={order.currency_code} />
                </td>
                <td data-testid="order-payment">{order.status.payment}</td>
                <td data-testid="order-fulfillment">{order.status.fulfillment}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {pages > 1 ? (
        <nav aria-label="Order pages" className="pager">
          {page > 1 ? <Link to={`?page=${page - 1}`}>Newer orders</Link> : null}
          <span>{`Page ${page} of ${pages}`}</span>
          {page < pages ? <Link to={`?page=${page + 1}`}>Older orders</Link> : null}
        </nav>
      ) : null}
    </div>
  );
}

/** A day as the shopper reads it, the same on the server and in the browser (UTC). */
function formatDay(iso: string): string {
  return new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: "UTC" }).format(new Date(iso));
}
