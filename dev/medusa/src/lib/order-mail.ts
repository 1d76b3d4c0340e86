import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys, Modules } from "@medusajs/framework/utils"
// The storefront's own renderer and link signer (see tsconfig.json "moduleTypes"): the
// emails' totals and links are exactly the order page's.
import { orderConfirmationMail, shipmentMail, type MailOrder, type RenderedMail } from "../../../../app/lib/mail/order-mail"
import { orderLink } from "../../../../app/lib/order-link"
import { mailSettings } from "./link-mail"

/**
 * Order mail settings, from the environment. Mail is on when SMTP_HOST is set (registered
 * in medusa-config.ts); the link to the order page needs STOREFRONT_URL and
 * ORDER_LINK_SECRET, the same secret as the storefront's.
 */
export function orderMailSettings() {
  const base = mailSettings()
  const { ORDER_LINK_SECRET } = process.env
  return base && ORDER_LINK_SECRET ? { ...base, linkSecret: ORDER_LINK_SECRET } : null
}

const ORDER_FIELDS = [
  "id",
  "display_id",
  "email",
  "created_at",
  "currency_code",
  "total",
  "shipping_total",
  "shipping_subtotal",
  "discount_total",
  "credit_line_total",
  "items.id",
  "items.title",
  "items.product_title",
  "items.variant_title",
  "items.quantity",
  "items.unit_price",
  "items.subtotal",
  "shipping_methods.name",
  "shipping_address.*",
]

type Kind = "order-confirmation" | "shipment"

/** Renders one order mail and hands it to the Notification module, once per idempotency key. */
export async function sendOrderMail(
  container: MedusaContainer,
  kind: Kind,
  orderId: string,
  render: (order: MailOrder, context: { shopName: string; orderUrl: string }) => RenderedMail,
  idempotencyKey: string,
): Promise<void> {
  const logger = container.resolve(ContainerRegistrationKeys.LOGGER)
  const settings = orderMailSettings()
  if (!settings) {
    logger.info(`order mail "${kind}" for ${orderId} not sent: mail is off (set SMTP_HOST, STOREFRONT_URL and ORDER_LINK_SECRET)`)
    return
  }
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const { data } = await query.graph({ entity: "order", fields: ORDER_FIELDS, filters: { id: orderId } })
  const order = data[0] as unknown as (MailOrder & { email?: string | null }) | undefined
  if (!order?.email) {
    logger.warn(`order mail "${kind}" for ${orderId} not sent: the order has no email`)
    return
  }
  const orderUrl = await orderLink(settings.storefrontUrl, settings.linkSecret, order.id)
  const content = render(order, { shopName: settings.shopName, orderUrl })
  const notifications = container.resolve(Modules.NOTIFICATION)
  await notifications.createNotifications({
    to: order.email,
    channel: "email",
    template: kind,
    content,
    resource_id: order.id,
    resource_type: "order",
    idempotency_key: idempotencyKey,
  })
}

export { orderConfirmationMail, shipmentMail }
