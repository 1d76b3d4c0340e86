// Issue 13, sections 2 and 3: the order emails and the link they carry, and what the order
// page says once the merchant ships. Pure functions; the stack test
// (tests/stack/order-lifecycle.test.ts) sends and reads the real thing.
import { describe, expect, it } from "vitest";
import { orderConfirmationMail, shipmentMail, type MailOrder } from "../../app/lib/mail/order-mail.ts";
import { isOrderLinkKey, orderLink } from "../../app/lib/order-link.ts";
import { orderStatusView } from "../../app/lib/order-status.ts";
import type { Order, Shipment } from "../../app/lib/medusa/schemas.ts";
import { trackingOf } from "../../app/lib/tracking.ts";

const SECRET = "s".repeat(40);
const context = { shopName: "Harbor & Pine", orderUrl: "https://shop.example/orders/order_1/confirmed?key=abc" };

function mailOrder(fields: Partial<MailOrder> = {}): MailOrder {
  return {
    id: "order_1",
    display_id: 12,
    created_at: "2026-12-01T10:00:00.000Z",
    currency_code: "usd",
    items: [
      { id: "item_1", product_title: "Dot Grid Notebook", variant_title: "A5", unit_price: 12.75, quantity: 2, subtotal: 25.5 },
      { id: "item_2", product_title: "Merino Wool Beanie", variant_title: "Forest", unit_price: 24, quantity: 1, subtotal: 24 },
    ],
    shipping_methods: [{ name: "Standard Shipping" }],
    shipping_subtotal: 5,
    discount_total: 0,
    total: 59.49625,
    shipping_address: { first_name: "Ada", last_name: "Lovelace", address_1: "1100 Congress Ave", city: "Austin", province: "us-tx", postal_code: "78701", country_code: "us" },
    ...fields,
  };
}

describe("the order confirmation email", () => {
  it("has the order number, items, totals, address and link", () => {
    const mail = orderConfirmationMail(mailOrder(), context);
    expect(mail.subject).toBe("Order #12 confirmed · Harbor & Pine");
    expect(mail.text).toContain("2 × $12.75  Dot Grid Notebook · A5");
    expect(mail.text).toContain("1 × $24.00  Merino Wool Beanie · Forest");
    expect(mail.text).toMatch(/^Subtotal\s+\$49\.50$/m);
    expect(mail.text).toMatch(/^Shipping\s+\$5\.00$/m);
    expect(mail.text).toMatch(/^Tax\s+\$5\.00$/m);
    expect(mail.text).toMatch(/^Total\s+\$59\.50$/m);
    expect(mail.text).toMatch(/Ada Lovelace\n\s+1100 Congress Ave\n\s+Austin, TX 78701\n\s+US/);
    expect(mail.text).toContain(`See your order: ${context.orderUrl}`);
    expect(mail.html).toContain(`<a href="${context.orderUrl}">See your order</a>`);
    expect(mail.html).toContain("Harbor &amp; Pine");
  });

  it("escapes what the merchant or shopper typed", () => {
    const mail = orderConfirmationMail(
      mailOrder({ shipping_address: { first_name: "<img src=x onerror=alert(1)>", last_name: "O'Hara", address_1: "1 Main", city: "Austin", province: "us-tx", postal_code: "78701", country_code: "us" } }),
      context,
    );
    expect(mail.html).not.toContain("<img");
    expect(mail.html).toContain("&lt;img src=x onerror=alert(1)&gt; O&#39;Hara");
  });
});

describe("the shipping email", () => {
  it("lists the shipped items and the tracking with its carrier's site; unsafe links are not links", () => {
    const shipment = {
      items: [{ line_item_id: "item_1", quantity: 2 }],
      labels: [
        { tracking_number: "1Z999", tracking_url: "https://www.ups.com/track?n=1Z999" },
        { tracking_number: "EVIL1", tracking_url: "javascript:alert(1)" },
      ],
    };
    const mail = shipmentMail(mailOrder(), shipment, context);
    expect(mail.subject).toBe("Order #12 has shipped · Harbor & Pine");
    expect(mail.text).toContain("Your order #12 has shipped with Standard Shipping.");
    expect(mail.text).toContain("1Z999  (ups.com)  https://www.ups.com/track?n=1Z999");
    expect(mail.text).toContain("2 × $12.75  Dot Grid Notebook · A5");
    expect(mail.text).not.toContain("Beanie");
    expect(mail.html).toContain('<a href="https://www.ups.com/track?n=1Z999">1Z999</a> (ups.com)');
    expect(mail.html).not.toContain("javascript:");
    expect(mail.html).toContain("<li>EVIL1</li>");
  });
});

describe("the order link", () => {
  it("opens its own order, under its own secret, and nothing else", async () => {
    const link = new URL(await orderLink("https://shop.example", SECRET, "order_01ABC"));
    expect(link.pathname).toBe("/orders/order_01ABC/confirmed");
    const key = link.searchParams.get("key")!;
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await isOrderLinkKey(SECRET, "order_01ABC", key)).toBe(true);
    expect(await isOrderLinkKey(SECRET, "order_01ABD", key)).toBe(false);
    expect(await isOrderLinkKey("t".repeat(40), "order_01ABC", key)).toBe(false);
    expect(await isOrderLinkKey(SECRET, "order_01ABC", key.slice(0, -1))).toBe(false);
  });
});

describe("the order page once shipped", () => {
  const order = (fields: Partial<Order>) =>
    ({ id: "order_1", display_id: 12, status: "pending", payment_status: "captured", fulfillment_status: "shipped", created_at: "2026-12-01T10:00:00.000Z", email: null, currency_code: "usd", items: [], shipping_methods: [{ name: "Standard Shipping", amount: 5 }], shipping_address: null, total: 10, payment_collections: [{ captured_amount: 10, refunded_amount: 0 }], ...fields }) as Order;
  const shipment = (fields: Partial<Shipment>): Shipment => ({
    id: "ful_1",
    created_at: "2026-12-02T09:00:00.000Z",
    packed_at: "2026-12-02T09:00:00.000Z",
    shipped_at: "2026-12-02T15:00:00.000Z",
    delivered_at: null,
    canceled_at: null,
    labels: [{ tracking_number: "1Z999", tracking_url: "https://www.ups.com/track?n=1Z999" }],
    ...fields,
  });

  it("says how and when it shipped, with tracking, and dates each step", () => {
    const view = orderStatusView(order({}), [], [shipment({})]);
    expect(view.fulfillment).toBe("Shipped with Standard Shipping on Dec 2, 2026.");
    expect(view.tracking).toEqual([{ number: "1Z999", url: "https://www.ups.com/track?n=1Z999", carrier: "ups.com" }]);
    expect(view.history.map((entry) => entry.text)).toEqual(["Order placed", "Being packed", "Shipped, tracking 1Z999"]);
  });

  it("says when it was delivered", () => {
    const view = orderStatusView(order({ fulfillment_status: "delivered" }), [], [shipment({ delivered_at: "2026-12-04T11:00:00.000Z" })]);
    expect(view.fulfillment).toBe("Delivered on Dec 4, 2026.");
    expect(view.history.at(-1)).toEqual({ at: "2026-12-04T11:00:00.000Z", text: "Delivered" });
  });

  it("a canceled shipment's tracking is not offered", () => {
    const view = orderStatusView(order({ fulfillment_status: "not_fulfilled" }), [], [shipment({ canceled_at: "2026-12-03T08:00:00.000Z" })]);
    expect(view.tracking).toEqual([]);
    expect(view.fulfillment).toBe("Preparing your order.");
    expect(view.history.at(-1)?.text).toBe("Shipment canceled");
  });

  it("without the shipments route (a Medusa lacking it) the status still reads right", () => {
    expect(orderStatusView(order({}), []).fulfillment).toBe("Shipped.");
  });

  it("tracking links are http(s) only", () => {
    expect(trackingOf([{ tracking_number: "X", tracking_url: "data:text/html,hi" }, { tracking_number: null, tracking_url: "not a url" }, { tracking_number: null, tracking_url: null }])).toEqual([
      { number: "X", url: null, carrier: null },
      { number: "", url: null, carrier: null },
    ]);
  });
});
