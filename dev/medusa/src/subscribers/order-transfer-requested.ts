import type { SubscriberArgs, SubscriberConfig } from "@medusajs/framework"
import { sendTransferMail } from "../lib/transfer-mail"

/**
 * A customer asked for an order that isn't theirs (`POST /store/orders/:id/transfer/request`):
 * the token that moves it goes to the order's email, once per request.
 */
export default async function orderTransferRequested({ event, container }: SubscriberArgs<{ id: string; order_change_id: string }>) {
  await sendTransferMail(container, event.data.id, event.data.order_change_id)
}

export const config: SubscriberConfig = { event: "order.transfer_requested" }
