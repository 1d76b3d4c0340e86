import type { SubscriberArgs, SubscriberConfig } from "@medusajs/framework"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { sendOrderMail, shipmentMail } from "../lib/order-mail"

/**
 * The shipping confirmation, once per shipped fulfillment, with its tracking numbers.
 * `no_notification` (the merchant unticked "notify the customer") sends nothing.
 */
export default async function shipmentCreated({ event, container }: SubscriberArgs<{ id: string; no_notification?: boolean }>) {
  if (event.data.no_notification) return
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const { data } = await query.graph({
    entity: "fulfillment",
    fields: ["id", "order.id", "labels.tracking_number", "labels.tracking_url", "items.line_item_id", "items.title", "items.quantity"],
    filters: { id: event.data.id },
  })
  const fulfillment = data[0] as
    | { id: string; order?: { id: string } | null; labels?: { tracking_number?: string | null; tracking_url?: string | null }[]; items?: { line_item_id?: string | null; title?: string | null; quantity: number }[] }
    | undefined
  if (!fulfillment?.order) {
    container.resolve(ContainerRegistrationKeys.LOGGER).warn(`shipment mail for ${event.data.id} not sent: no order found for the fulfillment`)
    return
  }
  const shipment = { items: fulfillment.items ?? [], labels: fulfillment.labels ?? [] }
  await sendOrderMail(container, "shipment", fulfillment.order.id, (order, context) => shipmentMail(order, shipment, context), `shipment:${fulfillment.id}`)
}

export const config: SubscriberConfig = { event: "shipment.created" }
