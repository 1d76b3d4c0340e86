import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { ContainerRegistrationKeys, MedusaError } from "@medusajs/framework/utils"

/**
 * GET /store/orders/:id/shipments: an order's fulfillments with their dates and tracking
 * labels, for the storefront's order page. Medusa 2.21's `GET /store/orders/:id` returns
 * fulfillments but not their labels (`fulfillments.labels` is not among its allowed fields),
 * so the tracking number and link a merchant enters when marking a fulfillment shipped never
 * reach a storefront without a route like this one.
 *
 * Like Medusa's own store order route, the order id is the only key (the storefront checks
 * that the browser owns the order before asking); the publishable key is required, as on
 * every /store route. Only what a shopper sees is returned: no provider data, no label files.
 */
const FIELDS = [
  "id",
  "fulfillments.id",
  "fulfillments.created_at",
  "fulfillments.packed_at",
  "fulfillments.shipped_at",
  "fulfillments.delivered_at",
  "fulfillments.canceled_at",
  "fulfillments.labels.tracking_number",
  "fulfillments.labels.tracking_url",
  "fulfillments.items.line_item_id",
  "fulfillments.items.quantity",
]

type Fulfillment = {
  id: string
  created_at: string | Date | null
  packed_at: string | Date | null
  shipped_at: string | Date | null
  delivered_at: string | Date | null
  canceled_at: string | Date | null
  labels?: { tracking_number: string | null; tracking_url: string | null }[] | null
  items?: { line_item_id: string | null; quantity: number }[] | null
}

export const GET = async (req: MedusaRequest, res: MedusaResponse) => {
  const query = req.scope.resolve(ContainerRegistrationKeys.QUERY)
  const { data } = await query.graph({ entity: "order", fields: FIELDS, filters: { id: req.params.id, is_draft_order: false } })
  const order = data[0] as { id: string; fulfillments?: Fulfillment[] | null } | undefined
  if (!order) throw new MedusaError(MedusaError.Types.NOT_FOUND, `Order with id: ${req.params.id} was not found`)
  res.json({
    shipments: (order.fulfillments ?? []).map((fulfillment) => ({
      id: fulfillment.id,
      created_at: fulfillment.created_at,
      packed_at: fulfillment.packed_at,
      shipped_at: fulfillment.shipped_at,
      delivered_at: fulfillment.delivered_at,
      canceled_at: fulfillment.canceled_at,
      labels: (fulfillment.labels ?? []).map((label) => ({ tracking_number: label.tracking_number, tracking_url: label.tracking_url })),
      items: (fulfillment.items ?? []).map((item) => ({ line_item_id: item.line_item_id, quantity: item.quantity })),
    })),
  })
}
