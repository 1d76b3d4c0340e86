import { addressLines, type PostalAddress } from "../address-lines";
import { formatMinorUnits, toMinorUnits } from "../money";
import { trackingOf, type Tracking } from "../tracking";
import { orderSummaryLines, type MedusaTotals, type SummaryLines } from "../summary-lines";

/**
 * The order emails, rendered for Medusa's Notification module (dev/medusa/src/subscribers
 * sends them): the confirmation when an order is placed, and a shipping confirmation when
 * the merchant marks a fulfillment shipped. Their totals are the order page's: the same
 * `orderSummaryLines`, so the lines add up to the amount charged.
 *
 * Pure functions of the order: no I/O, no secrets; the link comes in signed (order-link.ts).
 */
export type MailOrder = Omit<MedusaTotals, "items" | "shipping_methods" | "shipping_address"> & {
  id: string;
  credit_line_total?: number | null;
  display_id?: number | null;
  created_at?: string | Date | null;
  items: (MedusaTotals["items"][number] & {
    id: string;
    title?: string | null;
    product_title?: string | null;
    variant_title?: string | null;
  })[];
  shipping_methods: { name?: string | null }[];
  shipping_address: (PostalAddress & MedusaTotals["shipping_address"]) | null;
};

export type MailShipment = {
  items: { line_item_id?: string | null; title?: string | null; quantity: number }[];
  labels: { tracking_number?: string | null; tracking_url?: string | null }[];
};

export type RenderedMail = { subject: string; text: string; html: string };

type MailContext = { shopName: string; orderUrl: string };

export function orderConfirmationMail(order: MailOrder, context: MailContext): RenderedMail {
  const number = orderNumber(order);
  const placed = order.created_at ? ` on ${formatDate(order.created_at)}` : "";
  const intro = [`Thank you for your order ${number}, placed${placed}.`, "Your card was authorized; you'll be charged when your order ships."];
  return compose({
    subject: `Order ${number} confirmed · ${context.shopName}`,
    heading: `Order ${number} is confirmed`,
    intro,
    items: itemRows(order, order.items.map((item) => ({ item, quantity: item.quantity }))),
    summary: orderSummaryLines(order),
    order,
    context,
  });
}

export function shipmentMail(order: MailOrder, shipment: MailShipment, context: MailContext): RenderedMail {
  const number = orderNumber(order);
  const method = order.shipping_methods.map((m) => m.name).filter(Boolean).join(", ");
  const tracking = trackingOf(shipment.labels);
  const byId = new Map(order.items.map((item) => [item.id, item]));
  const shipped = shipment.items.map((entry) => ({ item: byId.get(entry.line_item_id ?? "") ?? { title: entry.title }, quantity: entry.quantity }));
  return compose({
    subject: `Order ${number} has shipped · ${context.shopName}`,
    heading: `Order ${number} is on its way`,
    intro: [`Your order ${number} has shipped${method ? ` with ${method}` : ""}.`],
    tracking,
    items: itemRows(order, shipped),
    order,
    context,
  });
}

type Row = { label: string; amount?: string };

function orderNumber(order: MailOrder): string {
  return order.display_id ? `#${order.display_id}` : order.id;
}

function itemRows(order: MailOrder, lines: { item: Partial<MailOrder["items"][number]>; quantity: number }[]): Row[] {
  return lines.map(({ item, quantity }) => {
    const title = [item.product_title ?? item.title ?? "Item", item.variant_title].filter(Boolean).join(" · ");
    const unit = item.unit_price === undefined ? "" : ` × ${formatMinorUnits(toMinorUnits(item.unit_price, order.currency_code), order.currency_code)}`;
    return { label: `${quantity}${unit}  ${title}` };
  });
}

function summaryRows(lines: SummaryLines): Row[] {
  const money = (minor: number) => formatMinorUnits(minor, lines.currency);
  return [
    { label: "Subtotal", amount: money(lines.subtotal) },
    ...(lines.discount > 0 ? [{ label: "Discount", amount: `−${money(lines.discount)}` }] : []),
    { label: "Shipping", amount: lines.shipping === null ? "—" : money(lines.shipping) },
    { label: "Tax", amount: lines.tax === null ? "—" : money(lines.tax) },
    { label: "Total", amount: money(lines.total) },
  ];
}

function compose(parts: {
  subject: string;
  heading: string;
  intro: string[];
  items: Row[];
  summary?: SummaryLines;
  tracking?: Tracking[];
  order: MailOrder;
  context: MailContext;
}): RenderedMail {
  const address = parts.order.shipping_address ? addressLines(parts.order.shipping_address) : [];
  const method = parts.order.shipping_methods.map((m) => m.name).filter(Boolean).join(", ");
  const totals = parts.summary ? summaryRows(parts.summary) : [];

  const text = [
    parts.heading,
    "",
    ...parts.intro,
    "",
    ...(parts.tracking?.length ? ["Tracking", ...parts.tracking.map((t) => `  ${[t.number, t.carrier && `(${t.carrier})`, t.url].filter(Boolean).join("  ")}`), ""] : []),
    "Items",
    ...parts.items.map((row) => `  ${row.label}`),
    "",
    ...(totals.length ? [...totals.map((row) => `${row.label.padEnd(10)} ${row.amount}`), ""] : []),
    ...(address.length ? ["Shipping to", ...address.map((line) => `  ${line}`), ...(method ? [`  ${method}`] : []), ""] : []),
    `See your order: ${parts.context.orderUrl}`,
    "",
    parts.context.shopName,
  ].join("\n");

  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#1c2420;max-width:560px">
<h1 style="font-size:20px">${escapeHtml(parts.heading)}</h1>
${parts.intro.map((line) => `<p>${escapeHtml(line)}</p>`).join("\n")}
${
  parts.tracking?.length
    ? `<h2 style="font-size:16px">Tracking</h2><ul>${parts.tracking
        .map((t) => `<li>${t.url ? `<a href="${escapeHtml(t.url)}">${escapeHtml(t.number || t.url)}</a>` : escapeHtml(t.number)}${t.carrier ? ` (${escapeHtml(t.carrier)})` : ""}</li>`)
        .join("")}</ul>`
    : ""
}
<h2 style="font-size:16px">Items</h2>
<ul>${parts.items.map((row) => `<li>${escapeHtml(row.label)}</li>`).join("")}</ul>
${
  totals.length
    ? `<table data-summary>${totals
        .map((row) => `<tr><th style="text-align:left;padding-right:24px">${escapeHtml(row.label)}</th><td style="text-align:right">${escapeHtml(row.amount ?? "")}</td></tr>`)
        .join("")}</table>`
    : ""
}
${address.length ? `<h2 style="font-size:16px">Shipping to</h2><p>${address.map(escapeHtml).join("<br>")}${method ? `<br>${escapeHtml(method)}` : ""}</p>` : ""}
<p><a href="${escapeHtml(parts.context.orderUrl)}">See your order</a></p>
<p>${escapeHtml(parts.context.shopName)}</p>
</body></html>`;

  return { subject: parts.subject, text, html };
}

function formatDate(value: string | Date): string {
  return new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: "UTC" }).format(new Date(value));
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}
