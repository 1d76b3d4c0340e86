// Issue 13, section 4: every money summary (cart, checkout, order page, order email) shows
// lines that add up to its total, and the total is what the card is charged. Rendered with
// React (and as the confirmation email) for carts with tax on shipping, several items, and a
// zero-decimal currency.
import { renderToStaticMarkup } from "react-dom/server";
import { createElement } from "react";
import { describe, expect, it } from "vitest";
import { MoneySummary } from "../../app/components/MoneySummary.tsx";
import { orderConfirmationMail } from "../../app/lib/mail/order-mail.ts";
import { currencyExponent, toMinorUnits } from "../../app/lib/money.ts";
import { medusaSummaryLines, orderSummaryLines, type MedusaTotals } from "../../app/lib/summary-lines.ts";

const TEXAS = { country_code: "us", postal_code: "78701" };

/** Medusa's totals as it computes them (major units, unrounded): tax on items and shipping. */
function medusaCart(currency: string, prices: number[], shipping: number | null, taxRate: number, address: MedusaTotals["shipping_address"] = TEXAS, discountRate = 0): MedusaTotals {
  const subtotal = prices.reduce((sum, price) => sum + price, 0);
  const discount = subtotal * discountRate;
  const taxed = address ? (subtotal - discount + (shipping ?? 0)) * taxRate : 0;
  return {
    currency_code: currency,
    items: prices.map((price) => ({ subtotal: price, unit_price: price, quantity: 1 })),
    shipping_methods: shipping === null ? [] : [{}],
    shipping_subtotal: shipping,
    // Medusa's shipping_total includes the tax on shipping.
    shipping_total: shipping === null ? null : shipping * (1 + taxRate),
    discount_total: discount,
    total: subtotal - discount + (shipping ?? 0) + taxed,
    shipping_address: address,
  };
}

/** The summary as the page renders it: each amount by its data-testid, in minor units. */
function rendered(totals: MedusaTotals) {
  const html = renderToStaticMarkup(createElement(MoneySummary, { lines: medusaSummaryLines(totals), testId: "summary" }));
  const exponent = currencyExponent(totals.currency_code);
  const amount = (name: string) => {
    const match = new RegExp(`data-testid="summary-${name}"[^>]*>([^<]*)<`).exec(html);
    if (!match) throw new Error(`no ${name} in ${html}`);
    const digits = match[1]!.replace(/[^0-9.]/g, "");
    return digits === "" ? null : Math.round(Number(digits) * 10 ** exponent);
  };
  const discount = html.includes("summary-discount") ? amount("discount")! : 0;
  return { html, subtotal: amount("subtotal")!, discount, shipping: amount("shipping"), tax: amount("tax"), total: amount("total")! };
}

/** The confirmation email's summary lines (its text part), in minor units. */
function emailed(totals: MedusaTotals) {
  const order = { ...totals, id: "order_1", display_id: 1, items: totals.items.map((item, index) => ({ ...item, id: `item_${index}`, title: `Item ${index}` })), shipping_methods: totals.shipping_methods.map(() => ({ name: "Standard Shipping" })) };
  const mail = orderConfirmationMail(order, { shopName: "Shop", orderUrl: "https://shop.example/orders/order_1/confirmed?key=k" });
  const exponent = currencyExponent(totals.currency_code);
  const amount = (label: string) => {
    const match = new RegExp(`^${label}\\s+(−?)(.+)$`, "m").exec(mail.text);
    if (!match) return null;
    return Math.round(Number(match[2]!.replace(/[^0-9.]/g, "")) * 10 ** exponent);
  };
  return { text: mail.text, subtotal: amount("Subtotal")!, discount: amount("Discount") ?? 0, shipping: amount("Shipping"), tax: amount("Tax"), total: amount("Total")! };
}

describe("a money summary's lines add up to its total, which is the charge", () => {
  const cases: [string, MedusaTotals][] = [
    // The Texas checkout: shipping is taxed, so Medusa's shipping_total ($5.41) is not the line to show.
    ["USD, two items, taxed shipping (Texas 8.25 %)", medusaCart("usd", [16, 18.49], 5, 0.0825)],
    ["USD, several items whose tax has many decimals (California 7.25 %)", medusaCart("usd", [12.75, 9.25, 14.5, 19.99, 21.99, 0.99], 15, 0.0725)],
    ["JPY, a zero-decimal currency", medusaCart("jpy", [1500, 980, 2480], 500, 0.0825)],
    ["KWD, a three-decimal currency", medusaCart("kwd", [4.125, 2.35], 1.5, 0.0825)],
    ["USD, a 15 % discount (each line rounded on its own would be a cent off)", medusaCart("usd", [12.75, 14.5], 5, 0.0825, TEXAS, 0.15)],
  ];
  it.each(cases)("%s", (_label, totals) => {
    const page = rendered(totals);
    expect(page.subtotal - page.discount + page.shipping! + page.tax!).toBe(page.total);
    expect(page.total).toBe(toMinorUnits(totals.total, totals.currency_code));
    expect(page.shipping).toBe(toMinorUnits(totals.shipping_subtotal!, totals.currency_code));
    // The order email: the very same lines as the pages.
    const mail = emailed(totals);
    expect({ subtotal: mail.subtotal, discount: mail.discount, shipping: mail.shipping, tax: mail.tax, total: mail.total }).toEqual({
      subtotal: page.subtotal,
      discount: page.discount,
      shipping: page.shipping,
      tax: page.tax,
      total: page.total,
    });
  });

  it("the discount case is one where rounding Medusa's tax on its own would not add up", () => {
    const totals = medusaCart("usd", [12.75, 14.5], 5, 0.0825, TEXAS, 0.15);
    const minor = (amount: number) => toMinorUnits(amount, "usd");
    const taxAlone = minor(totals.total - (totals.items[0]!.subtotal! + totals.items[1]!.subtotal!) + totals.discount_total! - 5);
    expect(minor(27.25) - minor(totals.discount_total!) + minor(5) + taxAlone).not.toBe(minor(totals.total));
  });

  it("shows Texas's lines as the shopper should see them: $34.49 + $5.00 + $3.26 = $42.75", () => {
    const page = rendered(medusaCart("usd", [16, 18.49], 5, 0.0825));
    expect(page.html).toContain("$34.49");
    expect(page.html).toContain("$5.00");
    expect(page.html).toContain("$3.26");
    expect(page.html).toContain("$42.75");
    expect(page.html).not.toContain("$5.41");
  });

  it("an order refunded in part keeps its summary: Medusa's credit lines are added back to its total", () => {
    const order = { ...medusaCart("usd", [25.5], 5, 0.0825), credit_line_total: 20 };
    order.total -= 20; // What Medusa 2.21 answers after a $20 refund: total 13.02, credit_line_total 20.
    const lines = orderSummaryLines(order);
    expect(lines).toMatchObject({ subtotal: 2550, shipping: 500, tax: 252, total: 3302 });
    expect(medusaSummaryLines(order).tax).toBeLessThan(0);
  });

  it("before an address, says tax and shipping are still to come instead of $0.00", () => {
    const page = rendered(medusaCart("usd", [14.5], null, 0.0825, null));
    expect(page.html).toContain('data-testid="summary-tax">Calculated at checkout<');
    expect(page.html).toContain('data-testid="summary-shipping">Calculated at checkout<');
    expect(page.html).toContain(">Total before shipping and tax<");
    expect(page.total).toBe(1450);
  });
});
