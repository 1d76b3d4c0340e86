import { data, Link } from "react-router";
import { OrderDetails } from "~/components/OrderDetails";
import { requireSession } from "~/lib/account/signed-in.server";
import { orBackendFailure } from "~/lib/http/backend-failure.server";
import { noStoreHeaders } from "~/lib/http/headers";
import { orderPageData } from "~/lib/order-page.server";
import type { Route } from "./+types/order";

export function meta({ data: loaded }: Route.MetaArgs) {
  return [{ title: loaded ? `Order #${loaded.order.display_id ?? ""} · Harbor & Pine` : "Order · Harbor & Pine" }];
}

export { noStoreDocumentHeaders as headers } from "~/lib/http/headers";

const ORDER_ID = /^order_[A-Za-z0-9]{10,64}$/;

/**
 * One of the customer's orders. Medusa's `GET /store/orders/:id` answers anyone who has
 * the id, so this check is the only one: an order that isn't this customer's is "not
 * found", exactly like one that doesn't exist.
 */
export async function loader({ request, params, context }: Route.LoaderArgs) {
  const session = await requireSession(context, request);
  const notFound = () => data({ message: "Order not found" }, { status: 404 });
  if (!ORDER_ID.test(params.id)) throw notFound();
  const page = await orBackendFailure(context.shop, () => orderPageData(context, params.id));
  if (!page || page.order.customer_id !== session.customerId) {
    if (page) context.shop.logger.log("warn", "another customer's order refused", { step: "order_access", outcome: "error", status: 404, order_id: params.id });
    throw notFound();
  }
  return data(page, { headers: noStoreHeaders() });
}

export default function AccountOrder({ loaderData }: Route.ComponentProps) {
  const { order, status } = loaderData;
  return (
    <div className="account-content">
      <p>
        <Link to="/account/orders">← All orders</Link>
      </p>
      <h1>
        Order #{order.display_id}
        {status.canceled ? " (canceled)" : ""}
      </h1>
      <p className="muted">Email on this order: {order.email}</p>
      <OrderDetails order={order} status={status} />
    </div>
  );
}
