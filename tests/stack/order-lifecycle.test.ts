// Issue 13, sections 1 to 3: after the order. The confirmation email goes out once, through
// Medusa's Notification module over SMTP to the stack's mail catcher, with the order page's
// totals, items and address, and a link that opens the order page in any browser. The
// merchant packs and ships through Medusa's Admin API with a tracking number: the shopper
// gets the shipping email and the order page shows carrier, tracking link and history; a
// delivery shows too.
import { describe, expect, inject, it } from "vitest";
import { adminRequest } from "../support/medusa-admin.ts";
import { shippingOptionId } from "../support/medusa.ts";
import { awaitMail, mailAmounts, mailsTo } from "../support/mail.ts";
import { throughout } from "../support/poll.ts";
import { Shopper, TEXAS_ADDRESS } from "../support/shopper.ts";

const stack = inject("stack");
const baseUrl = () => stack.storefronts.preview!;

async function placedOrder() {
  const email = `lifecycle-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const shopper = new Shopper(baseUrl());
  await shopper.addToCart("dot-grid-notebook", "A5", 2);
  await shopper.addToCart("merino-wool-beanie", "Forest", 1);
  const prepared = await shopper.prepared({ email, shipping_address: TEXAS_ADDRESS, shipping_option_id: await shippingOptionId(shopper.cartId) });
  await shopper.confirmPayment(stack.stripeSimUrl, prepared);
  const { orderId } = await shopper.waitForOrder(prepared.checkout_attempt_id);
  const { order } = await adminRequest<{ order: { display_id: number; items: { id: string; quantity: number }[] } }>(`/admin/orders/${orderId}?fields=id,display_id,*items`);
  return { email, shopper, orderId, displayId: order.display_id, items: order.items, amount: prepared.amount };
}

/** The order page's HTML as this shopper gets it (200 expected). */
async function orderPage(shopper: Shopper, orderId: string): Promise<string> {
  const response = await shopper.request(`/orders/${orderId}/confirmed`);
  expect(response.status).toBe(200);
  expect(response.headers.get("cache-control")).toMatch(/no-store/);
  return response.text();
}

const text = (html: string) => html.replace(/<[^>]+>/g, " ").replace(/&#x27;/g, "'").replace(/&amp;/g, "&").replace(/\s+/g, " ");

/** The order page's money summary in cents, by line. */
function pageAmounts(html: string): Record<string, number> {
  const amounts: Record<string, number> = {};
  for (const match of html.matchAll(/data-testid="order-(subtotal|discount|shipping|tax|total)"[^>]*>−?\$([\d,]+\.\d{2})</g)) {
    amounts[match[1]!] = Math.round(Number(match[2]!.replace(/,/g, "")) * 100);
  }
  return amounts;
}

describe("the order confirmation email", () => {
  it("goes out once, with the order page's totals, items and address, and a link that opens the order anywhere", async () => {
    const placed = await placedOrder();
    const mail = await awaitMail(placed.email, new RegExp(`^Order #${placed.displayId} confirmed`));

    // The same lines as the order page, adding up to the amount the card was authorized for.
    const inMail = mailAmounts(mail.text);
    const onPage = pageAmounts(await orderPage(placed.shopper, placed.orderId));
    expect(Object.keys(onPage).sort()).toEqual(["shipping", "subtotal", "tax", "total"]);
    expect(inMail).toEqual(onPage);
    expect(inMail.subtotal! + inMail.shipping! + inMail.tax!).toBe(inMail.total);
    expect(inMail.total).toBe(placed.amount);
    expect(mail.text).toContain("2 × $12.75  Dot Grid Notebook · A5");
    expect(mail.text).toContain("1 × $24.00  Merino Wool Beanie · Forest");
    expect(mail.text).toMatch(/Ada Lovelace\s+1100 Congress Ave\s+Austin, TX 78701\s+US\s+Standard Shipping/);
    expect(mail.html).toContain(`Order #${placed.displayId} is confirmed`);

    // The link: another browser (no cookie) opens the order with it, and only with it.
    const link = new URL(/See your order: (\S+)/.exec(mail.text)![1]!);
    expect(link.origin).toBe(new URL(baseUrl()).origin.replace("127.0.0.1", "localhost"));
    const elsewhere = new Shopper(baseUrl());
    const plain = `/orders/${placed.orderId}/confirmed`;
    expect((await elsewhere.request(plain)).status).toBe(404);
    expect((await elsewhere.request(`${plain}?key=${"A".repeat(43)}`)).status).toBe(404);
    const opened = await elsewhere.request(`${link.pathname}${link.search}`);
    expect(opened.status).toBe(302);
    expect(opened.headers.get("location")).toBe(plain);
    expect(text(await orderPage(elsewhere, placed.orderId))).toContain(`Order #${placed.displayId} is confirmed`);
    expect(text(await orderPage(placed.shopper, placed.orderId))).toContain(`A confirmation with a link to this page is on its way to ${placed.email}`);

    // The key opens that order only.
    const other = await placedOrder();
    const stranger = new Shopper(baseUrl());
    expect((await stranger.request(`/orders/${other.orderId}/confirmed${link.search}`)).status).toBe(404);

    // Stripe's webhook, the return page and the reconciler all saw the order: still one mail.
    await throughout(3_000, async () => (await mailsTo(placed.email)).length, (count) => expect(count).toBe(1));
  });
});

describe("shipping, as the merchant does it in Medusa", () => {
  it("a shipment with tracking reaches the shopper by email and on the order page; then its delivery", async () => {
    const placed = await placedOrder();
    await awaitMail(placed.email, /confirmed/);
    const items = placed.items.map((item) => ({ id: item.id, quantity: item.quantity }));

    await adminRequest(`/admin/orders/${placed.orderId}/fulfillments`, { items });
    const { order } = await adminRequest<{ order: { fulfillments: { id: string }[] } }>(`/admin/orders/${placed.orderId}?fields=id,*fulfillments`);
    const fulfillmentId = order.fulfillments[0]!.id;
    expect(text(await orderPage(placed.shopper, placed.orderId))).toMatch(/History .*Order placed .*Being packed/);

    const tracking = { tracking_number: "1Z999AA10123456784", tracking_url: "https://www.ups.com/track?tracknum=1Z999AA10123456784", label_url: "https://example.com/label.pdf" };
    await adminRequest(`/admin/orders/${placed.orderId}/fulfillments/${fulfillmentId}/shipments`, { items, labels: [tracking] });

    const mail = await awaitMail(placed.email, new RegExp(`^Order #${placed.displayId} has shipped`));
    expect(mail.text).toContain(`Your order #${placed.displayId} has shipped with Standard Shipping.`);
    expect(mail.text).toContain(`1Z999AA10123456784  (ups.com)  ${tracking.tracking_url}`);
    expect(mail.html).toContain(`<a href="${tracking.tracking_url}">1Z999AA10123456784</a>`);
    expect(mail.text).toContain("2 × $12.75  Dot Grid Notebook · A5");
    expect(mail.text).not.toContain("label.pdf");

    const shipped = await orderPage(placed.shopper, placed.orderId);
    expect(text(shipped)).toMatch(/Shipped with Standard Shipping on \w{3} \d{1,2}, \d{4}\./);
    expect(shipped).toMatch(new RegExp(`<a href="${tracking.tracking_url.replace(/[?]/g, "\\?")}"[^>]*>1Z999AA10123456784</a>`));
    expect(text(shipped)).toContain("(ups.com)");
    expect(text(shipped)).toMatch(/Being packed .*Shipped, tracking 1Z999AA10123456784/);

    await adminRequest(`/admin/orders/${placed.orderId}/fulfillments/${fulfillmentId}/mark-as-delivered`, {});
    const delivered = text(await orderPage(placed.shopper, placed.orderId));
    expect(delivered).toMatch(/Delivered on \w{3} \d{1,2}, \d{4}\./);
    expect(delivered).toMatch(/Shipped, tracking 1Z999AA10123456784 .*Delivered/);
    // One shipping email per shipment; marking it delivered sends none.
    await throughout(2_000, async () => (await mailsTo(placed.email)).length, (count) => expect(count).toBe(2));
  });
});
