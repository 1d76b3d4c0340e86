import type { SubscriberArgs, SubscriberConfig } from "@medusajs/framework"
import { orderConfirmationMail, sendOrderMail } from "../lib/order-mail"

/** The order confirmation email, once per order (the idempotency key is the order's). */
export default async function orderPlaced({ event, container }: SubscriberArgs<{ id: string }>) {
  const orderId = event.data.id
  await sendOrderMail(container, "order-confirmation", orderId, orderConfirmationMail, `order-confirmation:${orderId}`)
}

export const config: SubscriberConfig = { event: "order.placed" }
