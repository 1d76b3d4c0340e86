import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys, Modules } from "@medusajs/framework/utils"
import { linkMail, storefrontLink } from "./link-mail"
import { orderMailSettings } from "./order-mail"

/**
 * The "add this order to your account" mail (README, "Guest orders in an account").
 * Medusa's `POST /store/orders/:id/transfer/request` (a signed-in customer asks for an order
 * that isn't theirs) records a transfer with a random token (a UUID in the order change's
 * TRANSFER_CUSTOMER action; it never expires) and emits `order.transfer_requested`; nothing
 * in Medusa sends the token anywhere. Registering proves nothing about a mailbox, so the
 * token goes to the order's email: whoever reads that mailbox may move the order into the
 * account that asked, by opening the storefront's /account/orders/claim with it.
 *
 * Mail is on under the same settings as the order mail (SMTP_HOST, STOREFRONT_URL and
 * ORDER_LINK_SECRET), because the storefront tells the shopper "we've emailed a link" only
 * where it holds ORDER_LINK_SECRET, the sign that this Medusa sends mail.
 */

type TransferChange = {
  id: string
  order_id: string
  status: string
  change_type?: string | null
  actions?: { action: string; reference_id?: string | null; details?: { token?: unknown } | null }[]
}

/** `<storefront>/account/orders/claim?order=…&token=…`. */
export function claimLink(storefrontUrl: string, orderId: string, token: string): string {
  return storefrontLink(storefrontUrl, "account/orders/claim", { order: orderId, token })
}

/** What the mailbox's owner reads: which account asked (maybe not theirs), what the link does, and that ignoring it is safe. */
export function transferMail(context: { shopName: string; link: string; orderNumber: string; accountEmail: string | null }) {
  const account = context.accountEmail ? `the account ${context.accountEmail}` : "an account"
  return linkMail({
    subject: `Add order ${context.orderNumber} to your account · ${context.shopName}`,
    heading: { text: `Add order ${context.orderNumber} to your account`, asTitle: true },
    lines: [
      `Someone signed in to ${account} at ${context.shopName} asked to add order ${context.orderNumber}, placed with this email address, to that account.`,
      "If it was you, open the link below while signed in to that account and confirm. The order then shows in your account with your other orders.",
      "If it wasn't you, ignore this email: the order stays as it is.",
    ],
    linkText: "Add it to your account",
    link: context.link,
    shopName: context.shopName,
  })
}

/**
 * Sends the claim mail for one transfer request, once (the order change's id is the
 * idempotency key: a retried event sends nothing twice). A request that was cancelled,
 * declined or accepted before the event was handled sends nothing: its token is dead.
 */
export async function sendTransferMail(container: MedusaContainer, orderId: string, orderChangeId: string): Promise<void> {
  const logger = container.resolve(ContainerRegistrationKeys.LOGGER)
  const settings = orderMailSettings()
  if (!settings) {
    logger.info(`order transfer mail for ${orderId} not sent: mail is off (set SMTP_HOST, STOREFRONT_URL and ORDER_LINK_SECRET)`)
    return
  }
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const { data: changes } = await query.graph({
    entity: "order_change",
    fields: ["id", "order_id", "status", "change_type", "actions.action", "actions.reference_id", "actions.details"],
    filters: { id: orderChangeId },
  })
  const change = changes[0] as unknown as TransferChange | undefined
  const action = change?.actions?.find((candidate) => candidate.action === "TRANSFER_CUSTOMER")
  const token = action?.details?.token
  if (!change || change.order_id !== orderId || change.change_type !== "transfer" || change.status !== "requested" || typeof token !== "string" || !token) {
    logger.info(`order transfer mail for ${orderId} not sent: no open transfer request ${orderChangeId}`)
    return
  }
  const { data: orders } = await query.graph({ entity: "order", fields: ["id", "display_id", "email"], filters: { id: orderId } })
  const order = orders[0] as { id: string; display_id?: number | null; email?: string | null } | undefined
  if (!order?.email) {
    logger.warn(`order transfer mail for ${orderId} not sent: the order has no email`)
    return
  }
  const { data: customers } = action?.reference_id
    ? await query.graph({ entity: "customer", fields: ["id", "email"], filters: { id: action.reference_id } })
    : { data: [] }
  const accountEmail = (customers[0] as { email?: string | null } | undefined)?.email ?? null
  const content = transferMail({
    shopName: settings.shopName,
    link: claimLink(settings.storefrontUrl, order.id, token),
    orderNumber: order.display_id ? `#${order.display_id}` : order.id,
    accountEmail,
  })
  const notifications = container.resolve(Modules.NOTIFICATION)
  await notifications.createNotifications({
    to: order.email,
    channel: "email",
    template: "order-transfer",
    content,
    resource_id: order.id,
    resource_type: "order",
    idempotency_key: `order-transfer:${change.id}`,
  })
}
