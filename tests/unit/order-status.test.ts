// Issue 13, section 2: what the order page says of an order's payment and fulfillment, and
// its dated history, from Medusa's order and what the attempt recorded after it.
import { describe, expect, it } from "vitest";
import { orderStatusView } from "../../app/lib/order-status.ts";
import type { Order } from "../../app/lib/medusa/schemas.ts";
import type { PaymentNews } from "../../app/lib/checkout/attempts.server.ts";

function order(fields: Partial<Order>): Order {
  return {
    id: "order_01",
    display_id: 7,
    status: "pending",
    payment_status: "authorized",
    fulfillment_status: "not_fulfilled",
    created_at: "2026-12-01T10:00:00.000Z",
    email: "a@example.com",
    currency_code: "usd",
    items: [],
    shipping_methods: [],
    shipping_address: null,
    total: 42.75,
    payment_collections: [{ captured_amount: 0, refunded_amount: 0 }],
    ...fields,
  } as Order;
}

const news = (kind: PaymentNews["kind"], amount: number, at: string): PaymentNews => ({ kind, amount, at, trace_id: "t", stripe_id: "pi_1", medusa_knows: true });

describe("the order page's status", () => {
  it.each([
    ["authorized", {}, "Payment authorized: you'll be charged when your order ships."],
    ["captured", { payment_status: "captured", payment_collections: [{ captured_amount: 42.745, refunded_amount: 0 }] }, "Charged $42.75."],
    ["partly refunded", { payment_status: "partially_refunded", payment_collections: [{ captured_amount: 42.75, refunded_amount: 5 }] }, "Charged $42.75; $5.00 refunded to your card."],
    ["refunded", { payment_status: "refunded", payment_collections: [{ captured_amount: 42.75, refunded_amount: 42.75 }] }, "Refunded in full: $42.75 back to your card."],
    ["canceled", { payment_status: "canceled", status: "canceled" }, "Canceled: the hold on your card was released and you were not charged."],
  ] as [string, Partial<Order>, string][])("payment %s", (_label, fields, text) => {
    expect(orderStatusView(order(fields), []).payment).toBe(text);
  });

  it.each([
    ["not_fulfilled", "Preparing your order."],
    ["shipped", "Shipped."],
    ["delivered", "Delivered."],
  ])("fulfillment %s", (status, text) => {
    expect(orderStatusView(order({ fulfillment_status: status }), []).fulfillment).toBe(text);
  });

  it("a canceled order says so in place of its fulfillment", () => {
    const view = orderStatusView(order({ status: "canceled", payment_status: "canceled", fulfillment_status: "not_fulfilled" }), []);
    expect(view).toMatchObject({ canceled: true, fulfillment: "Canceled." });
  });

  it("dates the order's history, oldest first, from the order and the attempt's payment news", () => {
    const view = orderStatusView(order({ payment_status: "refunded" }), [
      news("refunded", 4275, "2026-12-03T09:00:00.000Z"),
      news("captured", 4275, "2026-12-02T09:00:00.000Z"),
      news("refunded", 500, "2026-12-02T12:00:00.000Z"),
    ]);
    expect(view.history).toEqual([
      { at: "2026-12-01T10:00:00.000Z", text: "Order placed" },
      { at: "2026-12-02T09:00:00.000Z", text: "Charged $42.75" },
      { at: "2026-12-02T12:00:00.000Z", text: "Refunded, $5.00 in all" },
      { at: "2026-12-03T09:00:00.000Z", text: "Refunded, $42.75 in all" },
    ]);
  });
});
