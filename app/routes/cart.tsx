import { data, Form, Link, useNavigation } from "react-router";
import { z } from "zod";
import { MoneySummary } from "~/components/MoneySummary";
import { Price } from "~/components/Price";
import { formatMinorUnits } from "~/lib/money";
import { medusaSummaryLines } from "~/lib/summary-lines";
import { actionFailure, actionInput, cartProblemFailure } from "~/lib/http/action-failure.server";
import { cartMutationLimited } from "~/lib/http/rate-limit.server";
import { readCartId } from "~/lib/cart-cookie.server";
import { existingCartFor } from "~/lib/shopper-cart.server";
import { noStoreHeaders } from "~/lib/http/headers";
import { backendFailure, orBackendFailure } from "~/lib/http/backend-failure.server";
import { writeCart } from "~/lib/cart-writes.server";
import { readFormFields } from "~/lib/http/request-body.server";
import type { ShopContext } from "~/lib/context.server";
import { currentStock } from "~/lib/medusa/catalog.server";
import type { LineItem } from "~/lib/medusa/schemas";
import { lineStockOf, type LineStock } from "~/lib/stock";
import type { Route } from "./+types/cart";

export function meta() {
  return [{ title: "Your cart · Harbor & Pine" }];
}

export { noStoreDocumentHeaders as headers } from "~/lib/http/headers";

export async function loader({ request, context }: Route.LoaderArgs) {
  const { shop } = context;
  const cart = await orBackendFailure(shop, async () => existingCartFor(shop, await readCartId(shop.config, request)));
  return data({ cart, stock: cart ? await lineStock(shop, cart.items) : {} }, { headers: noStoreHeaders() });
}

/**
 * Each line's stock as Medusa counts it now (after a payment was released because
 * something sold out, the shopper comes back here to see what is left). Without it the
 * page still works: a failed read shows no stock.
 */
async function lineStock(shop: ShopContext, items: LineItem[]): Promise<Record<string, LineStock>> {
  const productIds = [...new Set(items.map((item) => item.product_id).filter((id): id is string => !!id))];
  try {
    const variants = await currentStock(shop.medusa, productIds);
    return Object.fromEntries(
      items.flatMap((item) => {
        const variant = variants.find((candidate) => candidate.id === item.variant_id);
        return variant ? [[item.id, lineStockOf(variant, item.quantity)]] : [];
      }),
    );
  } catch (error) {
    shop.logger.log("warn", "cart stock not read", { step: "cart_stock", outcome: "error", error: String(error) });
    return {};
  }
}

const lineId = z.string({ error: "Unknown cart line" }).regex(/^cali_[A-Za-z0-9]{1,64}$/, "Unknown cart line");
const cartIntent = z.discriminatedUnion("intent", [
  z.object({
    intent: z.literal("update-quantity"),
    line_id: lineId,
    quantity: z.coerce.number().int("Enter a whole number").min(1, "At least 1; use Remove to take it out").max(99, "At most 99"),
  }),
  z.object({ intent: z.literal("remove"), line_id: lineId }),
]);

export async function action({ request, context }: Route.ActionArgs) {
  const { shop, cloudflare } = context;
  const input = await actionInput(shop, request, cartIntent, { read: readFormFields, message: (first) => first ?? "Invalid request" });
  if (input.failure) return input.failure;
  const intent = input.value;
  const cartId = await readCartId(shop.config, request);
  // Only lines of the shopper's own cart (from the signed cookie) can be changed; a line id
  // from anyone else's cart is simply not found here, and nothing is written.
  const notFound = () => actionFailure(shop, "item_not_found", "That item is no longer in your cart.", { fields: { line_id: "Not in your cart." } });
  if (!cartId) return notFound();
  const limited = await cartMutationLimited(shop, cloudflare.env, request, cartId);
  if (limited) return limited;
  try {
    const cart = await existingCartFor(shop, cartId);
    if (!cart || !cart.items.some((item) => item.id === intent.line_id)) return notFound();
    const result = await writeCart(
      context,
      cart.id,
      intent.intent === "remove" ? { kind: "remove_line", line_id: intent.line_id } : { kind: "set_quantity", line_id: intent.line_id, quantity: intent.quantity },
    );
    shop.logger.log("info", intent.intent, { step: intent.intent, cart_id: cart.id, outcome: result.problem ? "error" : "ok" });
    if (result.problem) {
      return cartProblemFailure(shop, result.problem);
    }
    const done = intent.intent === "remove" ? "Item removed." : "Quantity updated.";
    return data({ ok: true as const, message: result.notice ? `${done} ${result.notice}` : done }, { headers: noStoreHeaders() });
  } catch (error) {
    throw backendFailure(shop, error);
  }
}

export default function CartPage({ loaderData, actionData }: Route.ComponentProps) {
  const { cart, stock } = loaderData;
  const navigation = useNavigation();
  const busyLine = navigation.state !== "idle" ? navigation.formData?.get("line_id") : null;

  if (!cart || cart.items.length === 0) {
    return (
      <main className="page" id="main">
        <h1>Your cart</h1>
        <p>Your cart is empty.</p>
        <p>
          <Link to="/" className="button primary">
            Browse products
          </Link>
        </p>
        {actionData ? <p role="status">{actionData.ok ? actionData.message : actionData.error.message}</p> : null}
      </main>
    );
  }

  const currency = cart.currency_code;
  const summary = medusaSummaryLines(cart);
  return (
    <main className="page cart-page" id="main">
      <h1>Your cart</h1>
      <p role="status" aria-live="polite" className={actionData && !actionData.ok ? "form-error" : "form-success"}>
        {actionData ? (actionData.ok ? actionData.message : actionData.error.message) : null}
      </p>
      <ul className="cart-lines" aria-label="Items in your cart">
        {cart.items.map((item, index) => (
          <li key={item.id} className="cart-line" data-testid="cart-line" aria-busy={busyLine === item.id}>
            {item.thumbnail ? <img src={item.thumbnail} alt="" width={96} height={96} /> : null}
            <div className="cart-line-info">
              <h2>
                {item.product_handle ? <Link to={`/products/${item.product_handle}`}>{item.product_title}</Link> : item.product_title}
              </h2>
              {item.variant_title ? <p className="muted">{item.variant_title}</p> : null}
              <LineStockNote stock={stock[item.id]} />
              <p>
                <Price amount={item.unit_price} currency={currency} /> each
              </p>
            </div>
            <Form method="post" className="quantity-form">
              <input type="hidden" name="intent" value="update-quantity" />
              <input type="hidden" name="line_id" value={item.id} />
              <label className="field">
                <span>Quantity for {item.product_title}</span>
                <input type="number" name="quantity" defaultValue={item.quantity} key={item.quantity} min={1} max={99} inputMode="numeric" required />
              </label>
              <button type="submit" className="button">
                Update
              </button>
            </Form>
            <p className="line-total" data-testid="line-total">
              {/* Before tax, like the subtotal: the summary's lines add up to its total. */}
              {formatMinorUnits(summary.items[index]!, currency)}
            </p>
            <Form method="post">
              <input type="hidden" name="intent" value="remove" />
              <input type="hidden" name="line_id" value={item.id} />
              <button type="submit" className="button link" aria-label={`Remove ${item.product_title} ${item.variant_title ?? ""}`.trim()}>
                Remove
              </button>
            </Form>
          </li>
        ))}
      </ul>
      <section className="cart-summary" aria-labelledby="summary-heading">
        <h2 id="summary-heading">Order summary</h2>
        <MoneySummary lines={summary} testId="cart" />
        <Link to="/checkout" className="button primary checkout-link">
          Checkout
        </Link>
      </section>
    </main>
  );
}

function LineStockNote({ stock }: { stock: LineStock | undefined }) {
  if (!stock) return null;
  if (stock.kind === "out") return <p className="form-error" data-testid="line-stock">Sold out: remove it to check out.</p>;
  if (stock.short) return <p className="form-error" data-testid="line-stock">Only {stock.left} left: lower the quantity to check out.</p>;
  if (stock.kind === "low") return <p className="muted" data-testid="line-stock">Only {stock.left} left</p>;
  return null;
}
