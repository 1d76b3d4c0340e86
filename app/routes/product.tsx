import { useEffect, useRef, useState } from "react";
import { data, Form, Link, useNavigation } from "react-router";
import { z } from "zod";
import { Price } from "~/components/Price";
import { StockBadge } from "~/components/StockBadge";
import { actionFailure, actionInput, cartProblemFailure } from "~/lib/http/action-failure.server";
import { cartMutationLimited } from "~/lib/http/rate-limit.server";
import { readCartId } from "~/lib/cart-cookie.server";
import { openCartFor } from "~/lib/shopper-cart.server";
import { rememberCart } from "~/lib/account/customer-cart.server";
import { readSession } from "~/lib/account/session.server";
import { noStoreHeaders } from "~/lib/http/headers";
import { backendFailure, orBackendFailure } from "~/lib/http/backend-failure.server";
import { writeCart } from "~/lib/cart-writes.server";
import { getProductByHandle, getRegion } from "~/lib/medusa/catalog.server";
import { readFormFields } from "~/lib/http/request-body.server";
import type { Variant } from "~/lib/medusa/schemas";
import { stockState } from "~/lib/stock";
import type { Route } from "./+types/product";

export function meta({ data }: Route.MetaArgs) {
  return [{ title: data ? `${data.product.title} · Harbor & Pine` : "Product · Harbor & Pine" }];
}

export { noStoreDocumentHeaders as headers } from "~/lib/http/headers";

export async function loader({ params, context }: Route.LoaderArgs) {
  const { shop } = context;
  const found = await orBackendFailure(shop, async () => {
    const region = await getRegion(shop);
    return { region, product: await getProductByHandle(shop, region, params.handle) };
  });
  if (!found.product) throw data({ message: "Product not found" }, { status: 404 });
  return { product: found.product, currency: found.region.currency_code };
}

const addToCart = z.object({
  intent: z.literal("add", { error: "Unknown action" }),
  variant_id: z.string({ error: "Choose an option" }).regex(/^variant_[A-Za-z0-9]{1,64}$/, "Choose an option"),
  quantity: z.coerce.number().int("Enter a whole number").min(1, "Add at least one").max(99, "At most 99 at a time"),
});

export async function action({ request, params, context }: Route.ActionArgs) {
  const { shop, cloudflare } = context;
  const input = await actionInput(shop, request, addToCart, { read: readFormFields, message: (first) => first ?? "Check your choice and try again." });
  if (input.failure) return input.failure;
  const { variant_id, quantity } = input.value;
  const cartId = await readCartId(shop.config, request);
  const limited = await cartMutationLimited(shop, cloudflare.env, request, cartId);
  if (limited) return limited;
  try {
    const region = await getRegion(shop);
    const product = await getProductByHandle(shop, region, params.handle);
    const variant = product?.variants.find((candidate) => candidate.id === variant_id);
    if (!variant) {
      return actionFailure(shop, "item_not_found", "That option isn't available. Pick another one.", { fields: { variant_id: "Not an option of this product." } });
    }

    const session = await readSession(shop, cloudflare.env, request);
    const { cart, setCookie } = await openCartFor(shop, cartId, session?.token);
    if (setCookie && session) await rememberCart(cloudflare.env, session.customerId, cart.id);
    const result = await writeCart(context, cart.id, { kind: "add_line", variant_id: variant.id, quantity });
    if (result.problem) {
      const message = result.problem.code === "out_of_stock" ? stockMessage(variant) : undefined;
      return cartProblemFailure(shop, result.problem, { message, setCookie });
    }
    shop.logger.log("info", "added to cart", { step: "add_line_item", cart_id: cart.id, outcome: "ok" });
    const added = `Added ${quantity} × ${product?.title ?? "item"} to your cart.`;
    return data({ ok: true as const, message: result.notice ? `${added} ${result.notice}` : added }, { headers: noStoreHeaders(setCookie) });
  } catch (error) {
    throw backendFailure(shop, error);
  }
}

function stockMessage(variant: Variant): string {
  const state = stockState(variant);
  if (state.kind === "out") return "Sorry, this option is sold out.";
  if (state.kind === "low") return `Only ${state.left} left in stock. Lower the quantity (including what's already in your cart).`;
  return "Sorry, there isn't enough stock for that quantity.";
}

function variantLabel(variant: Variant): string {
  const values = variant.options.map((option) => option.value).join(" / ");
  return values || variant.title || "Default";
}

export default function ProductPage({ loaderData, actionData }: Route.ComponentProps) {
  const { product, currency } = loaderData;
  const firstAvailable = product.variants.find((variant) => stockState(variant).kind !== "out") ?? product.variants[0];
  const [selectedId, setSelectedId] = useState(firstAvailable?.id);
  const formRef = useRef<HTMLFormElement>(null);
  // The radios are uncontrolled, so a choice made before the page hydrated survives
  // hydration; read it once we're interactive.
  useEffect(() => {
    const checked = formRef.current?.querySelector<HTMLInputElement>('input[name="variant_id"]:checked');
    if (checked) setSelectedId(checked.value);
  }, []);
  const selected = product.variants.find((variant) => variant.id === selectedId) ?? firstAvailable;
  const navigation = useNavigation();
  const adding = navigation.state !== "idle" && navigation.formData?.get("intent") === "add";
  const soldOut = !selected || stockState(selected).kind === "out";

  return (
    <main className="page product-page" id="main">
      <p>
        <Link to="/">← All products</Link>
      </p>
      <div className="product-layout">
        <div className="product-images">
          {product.thumbnail ? <img src={product.thumbnail} alt={product.title} width={600} height={600} /> : null}
        </div>
        <div className="product-info">
          <h1>{product.title}</h1>
          {product.subtitle ? <p className="muted">{product.subtitle}</p> : null}
          <p className="price price-large" data-testid="product-price">
            <Price amount={selected?.calculated_price?.calculated_amount} currency={currency} />
          </p>
          {selected ? <StockBadge state={stockState(selected)} /> : null}
          {product.description ? <p className="description">{product.description}</p> : null}

          <Form method="post" className="add-to-cart" ref={formRef}>
            <input type="hidden" name="intent" value="add" />
            <fieldset>
              <legend>Choose an option</legend>
              <div className="variant-options">
                {product.variants.map((variant) => {
                  const state = stockState(variant);
                  return (
                    <label key={variant.id} className="variant-option">
                      <input
                        type="radio"
                        name="variant_id"
                        value={variant.id}
                        defaultChecked={variant.id === firstAvailable?.id}
                        disabled={state.kind === "out"}
                        onChange={() => setSelectedId(variant.id)}
                      />
                      <span>{variantLabel(variant)}</span>
                      <span className="muted">
                        <Price amount={variant.calculated_price?.calculated_amount} currency={currency} />
                        {state.kind === "low" ? ` · only ${state.left} left` : state.kind === "out" ? " · sold out" : ""}
                      </span>
                    </label>
                  );
                })}
              </div>
            </fieldset>
            <label className="field quantity-field">
              <span>Quantity</span>
              <input type="number" name="quantity" defaultValue={1} min={1} max={99} inputMode="numeric" required />
            </label>
            <button type="submit" className="button primary" disabled={adding || soldOut} aria-busy={adding}>
              {adding ? "Adding…" : soldOut ? "Sold out" : "Add to cart"}
            </button>
            <p role="status" aria-live="polite" className={actionData && !actionData.ok ? "form-error" : "form-success"}>
              {actionData ? (actionData.ok ? actionData.message : actionData.error.message) : null}
              {actionData?.ok ? (
                <>
                  {" "}
                  <Link to="/cart">View cart</Link>
                </>
              ) : null}
            </p>
          </Form>
        </div>
      </div>
    </main>
  );
}
