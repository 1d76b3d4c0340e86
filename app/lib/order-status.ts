import type { PaymentNews } from "./checkout/attempts.server";
import type { Order, Shipment } from "./medusa/schemas";
import { formatMinorUnits, toMinorUnits } from "./money";
import { trackingOf, type Tracking } from "./tracking";

/**
 * What the order page says about an order now (issue 13, section 2): its payment and
 * fulfillment as Medusa knows them at this load, and a dated history: when it was placed,
 * then what the attempt recorded after the order (captured, refunded, canceled: see
 * checkout/payment/after-order.server.ts). The attempt is kept 7 days after its last
 * change; past that, the history has the order's own dates only.
 */
export type OrderStatusView = {
  canceled: boolean;
  payment: string;
  fulfillment: string;
  /** Every tracking number of the shipped fulfillments, with its link and the carrier's site. */
  tracking: Tracking[];
  history: { at: string; text: string }[];
};



const FULFILLMENT: Record<string, string> = {
  not_fulfilled: "Preparing your order.",
  partially_fulfilled: "Being packed.",
  fulfilled: "Packed, ready to ship.",
  partially_shipped: "Partly shipped.",
  shipped: "Shipped.",
  partially_delivered: "Partly delivered.",
  delivered: "Delivered.",
  canceled: "Canceled.",
};

/** What Medusa has captured and refunded of the order, in minor units rounded as the charge. */
export function collectedAmounts(order: Order): { captured: number; refunded: number } {
  const sum = (pick: (collection: Order["payment_collections"][number]) => number | null | undefined) =>
    toMinorUnits(order.payment_collections.reduce((total, collection) => total + (pick(collection) ?? 0), 0), order.currency_code);
  return { captured: sum((collection) => collection.captured_amount), refunded: sum((collection) => collection.refunded_amount) };
}

/** What happened to the order's parcels, dated (the shipments route's fulfillments). */
function shipmentHistory(shipments: Shipment[]): { at: string; text: string }[] {
  return shipments.flatMap((shipment) => {
    const numbers = trackingOf(shipment.labels).map((tracking) => tracking.number).filter(Boolean);
    return [
      ...(shipment.created_at ? [{ at: shipment.created_at, text: "Being packed" }] : []),
      ...(shipment.shipped_at ? [{ at: shipment.shipped_at, text: numbers.length ? `Shipped, tracking ${numbers.join(", ")}` : "Shipped" }] : []),
      ...(shipment.delivered_at ? [{ at: shipment.delivered_at, text: "Delivered" }] : []),
      ...(shipment.canceled_at ? [{ at: shipment.canceled_at, text: "Shipment canceled" }] : []),
    ];
  });
}

export function orderStatusView(order: Order, news: PaymentNews[], shipments: Shipment[] = []): OrderStatusView {
  const money = (minor: number) => formatMinorUnits(minor, order.currency_code);
  const { captured, refunded } = collectedAmounts(order);
  const canceled = order.status === "canceled" || order.payment_status === "canceled";

  let payment: string;
  switch (order.payment_status) {
    case "authorized":
      payment = "Payment authorized: you'll be charged when your order ships.";
      break;
    case "captured":
    case "partially_captured":
      payment = `Charged ${money(captured)}.`;
      break;
    case "partially_refunded":
      payment = `Charged ${money(captured)}; ${money(refunded)} refunded to your card.`;
      break;
    case "refunded":
      payment = `Refunded in full: ${money(refunded)} back to your card.`;
      break;
    case "canceled":
      payment = "Canceled: the hold on your card was released and you were not charged.";
      break;
    case "awaiting":
      payment = "Waiting for payment confirmation.";
      break;
    default:
      payment = `Payment: ${order.payment_status ?? "pending"}.`;
  }

  const history = [
    ...(order.created_at ? [{ at: order.created_at, text: "Order placed" }] : []),
    ...news.map((entry) => ({
      at: entry.at,
      text:
        entry.kind === "captured"
          ? `Charged ${money(entry.amount)}`
          : entry.kind === "refunded"
            ? `Refunded, ${money(entry.amount)} in all`
            : "Canceled; the hold on your card was released",
    })),
    ...shipmentHistory(shipments),
  ].sort((a, b) => a.at.localeCompare(b.at));

  const live = shipments.filter((shipment) => !shipment.canceled_at);
  const method = order.shipping_methods.map((m) => m.name).filter(Boolean).join(", ");
  const lastShipped = live.map((shipment) => shipment.shipped_at).filter((at): at is string => Boolean(at)).sort().at(-1);
  const lastDelivered = live.map((shipment) => shipment.delivered_at).filter((at): at is string => Boolean(at)).sort().at(-1);
  let fulfillment = FULFILLMENT[order.fulfillment_status ?? ""] ?? "Preparing your order.";
  if ((order.fulfillment_status === "shipped" || order.fulfillment_status === "partially_shipped") && lastShipped) {
    fulfillment = `${order.fulfillment_status === "shipped" ? "Shipped" : "Partly shipped"}${method ? ` with ${method}` : ""} on ${formatDay(lastShipped)}.`;
  } else if (order.fulfillment_status === "delivered" && lastDelivered) {
    fulfillment = `Delivered on ${formatDay(lastDelivered)}.`;
  }

  return {
    canceled,
    payment,
    fulfillment: canceled ? "Canceled." : fulfillment,
    tracking: canceled ? [] : live.filter((shipment) => shipment.shipped_at).flatMap((shipment) => trackingOf(shipment.labels)),
    history,
  };
}

/** A day as the shopper reads it, the same on the server and in the browser (UTC). */
function formatDay(iso: string): string {
  return new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: "UTC" }).format(new Date(iso));
}

const PAYMENT_SHORT: Record<string, string> = {
  authorized: "Authorized",
  partially_authorized: "Partly authorized",
  captured: "Paid",
  partially_captured: "Partly paid",
  partially_refunded: "Partly refunded",
  refunded: "Refunded",
  canceled: "Canceled",
  awaiting: "Awaiting payment",
  requires_action: "Action needed",
  not_paid: "Not paid",
};

const FULFILLMENT_SHORT: Record<string, string> = {
  not_fulfilled: "Preparing",
  partially_fulfilled: "Being packed",
  fulfilled: "Packed",
  partially_shipped: "Partly shipped",
  shipped: "Shipped",
  partially_delivered: "Partly delivered",
  delivered: "Delivered",
  canceled: "Canceled",
};

/** An order's payment and fulfillment in a word or two, for the account's order list. */
export function orderListStatus(order: Pick<Order, "status" | "payment_status" | "fulfillment_status">): { payment: string; fulfillment: string } {
  if (order.status === "canceled") return { payment: PAYMENT_SHORT[order.payment_status ?? ""] ?? "Canceled", fulfillment: "Canceled" };
  return {
    payment: PAYMENT_SHORT[order.payment_status ?? ""] ?? "Pending",
    fulfillment: FULFILLMENT_SHORT[order.fulfillment_status ?? ""] ?? "Preparing",
  };
}
