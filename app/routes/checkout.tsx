import { data, redirect, type ShouldRevalidateFunctionArgs } from "react-router";
import { CheckoutForm } from "~/components/checkout/CheckoutForm";
import { readCartId } from "~/lib/cart-cookie.server";
import { shippingRefreshRequest, type ShippingRefreshedBody } from "~/lib/checkout/contract";
import { checkoutSummary, shippingOptionViews } from "~/lib/checkout/page-view.server";
import { publicConfig } from "~/lib/config.server";
import { actionFailure, actionInput, cartProblemFailure } from "~/lib/http/action-failure.server";
import { orBackendFailure } from "~/lib/http/backend-failure.server";
import { noStoreHeaders } from "~/lib/http/headers";
import { cartMutationLimited } from "~/lib/http/rate-limit.server";
import { readJson } from "~/lib/http/request-body.server";
import { writeCart } from "~/lib/cart-writes.server";
import { listShippingOptions, sameAddress } from "~/lib/medusa/cart.server";
import { getRegion, regionCountries } from "~/lib/medusa/catalog.server";
import { MedusaError } from "~/lib/medusa/client.server";
import { existingCartFor } from "~/lib/shopper-cart.server";
import { readSession } from "~/lib/account/session.server";
import { savedCardsOf } from "~/lib/account/saved-cards.server";
import { retrieveCustomer } from "~/lib/medusa/customer.server";
import type { Route } from "./+types/checkout";

export function meta() {
  return [{ title: "Checkout · Harbor & Pine" }];
}

export { noStoreDocumentHeaders as headers } from "~/lib/http/headers";

export async function loader({ request, context }: Route.LoaderArgs) {
  const { shop } = context;
  const found = await orBackendFailure(shop, async () => {
    const cart = await existingCartFor(shop, await readCartId(shop.config, request));
    if (!cart || cart.items.length === 0) return null;
    const [region, options, account] = await Promise.all([getRegion(shop), listShippingOptions(shop.medusa, cart.id), accountOf(context, request)]);
    return { cart, region, options, account };
  });
  if (!found) throw redirect("/cart", { headers: noStoreHeaders() });
  const { cart, region, options, account } = found;
  // The return page sends a failed payment back here with Stripe's message to show.
  const paymentError = new URL(request.url).searchParams.get("payment_error")?.slice(0, 300) || null;
  return data(
    {
      paymentError,
      summary: checkoutSummary(cart),
      shippingOptions: shippingOptionViews(options),
      countries: regionCountries(region),
      email: cart.email,
      shippingAddress: cart.shipping_address,
      billingAddress: cart.billing_address,
      stripe: publicConfig(shop.config),
      account,
    },
    { headers: noStoreHeaders() },
  );
}

/**
 * A signed-in customer's email, saved addresses and saved cards, to prefill the checkout;
 * null for a guest. Cards are read from Stripe (their own Stripe customer only): without
 * them the checkout still works with a new card.
 */
async function accountOf({ shop, cloudflare }: Route.LoaderArgs["context"], request: Request) {
  const session = await readSession(shop, cloudflare.env, request);
  if (!session) return null;
  const customer = await retrieveCustomer(shop.medusa, session.token);
  if (!customer) return null;
  const cards = await savedCardsOf(shop.config, cloudflare.env, customer.id).catch((error: unknown) => {
    shop.logger.log("warn", "saved cards unavailable", { step: "saved_cards", outcome: "error", error: String(error) });
    return [];
  });
  return { email: customer.email, addresses: customer.addresses, cards };
}

/**
 * `shipping-options`: the page sends the address as it stands (and the chosen option)
 * whenever something that decides shipping or tax changes. The cart gets the full address,
 * then the chosen shipping method if Medusa offers it for that address, so the summary
 * shows Medusa's own shipping, tax and total: the total prepare-for-payment will charge.
 */
export async function action({ request, context }: Route.ActionArgs) {
  const { shop, cloudflare } = context;
  const input = await actionInput(shop, request, shippingRefreshRequest, { read: readJson, message: () => "Check the address." });
  if (input.failure) return input.failure;
  const { shipping_address: address, shipping_option_id: wanted } = input.value;
  const empty = () => actionFailure(shop, "cart_not_found", "Your cart is empty or has expired.");
  const cartId = await readCartId(shop.config, request);
  if (!cartId) return empty();
  const limited = await cartMutationLimited(shop, cloudflare.env, request, cartId);
  if (limited) return limited;

  try {
    const cart = await existingCartFor(shop, cartId);
    if (!cart || cart.items.length === 0) return empty();
    const region = await getRegion(shop);
    if (address.country_code && !region.countries.some((country) => country.iso_2.toLowerCase() === address.country_code)) {
      const fields = { "shipping_address.country_code": "We don't ship to that country." };
      return actionFailure(shop, "invalid_request", "We don't ship to that country.", { fields });
    }

    let current = cart;
    /** Set when the change canceled a payment the shopper had started (another tab's). */
    let notice: string | null = null;
    if (!sameAddress(cart.shipping_address, address)) {
      const updated = await writeCart(context, cart.id, { kind: "set_shipping_address", address });
      if (updated.problem?.code === "payment_in_progress") return cartProblemFailure(shop, updated.problem);
      if (updated.problem) return actionFailure(shop, "cart_update_refused", updated.problem.message);
      current = updated.cart;
      notice = updated.notice ?? null;
    }
    const options = await listShippingOptions(shop.medusa, current.id);
    let message: string | null = null;
    if (wanted && current.shipping_methods[0]?.shipping_option_id !== wanted) {
      const offered = options.find((option) => option.id === wanted);
      const chosen = offered ? await writeCart(context, current.id, { kind: "set_shipping_method", option_id: wanted }) : null;
      if (chosen?.problem?.code === "payment_in_progress") return cartProblemFailure(shop, chosen.problem);
      if (chosen?.cart) {
        current = chosen.cart;
        notice ??= chosen.notice ?? null;
      } else message = chosen?.problem.message ?? "That shipping option isn't available for this address. Choose another one.";
    }
    shop.logger.log("info", "checkout shipping refreshed", { step: "shipping_options", cart_id: current.id, outcome: message ? "error" : "ok" });
    const refreshed: ShippingRefreshedBody = {
      ok: true,
      summary: checkoutSummary(current),
      shippingOptions: shippingOptionViews(options),
      message: [notice, message].filter(Boolean).join(" ") || null,
    };
    return data(refreshed, { headers: noStoreHeaders() });
  } catch (error) {
    if (!(error instanceof MedusaError)) throw error;
    // A background refresh must not replace the checkout with an error page: the form stays,
    // with a message and a reference.
    shop.logger.log("error", "checkout shipping refresh failed", { step: "shipping_options", outcome: "error", status: error.status, kind: error.kind });
    return actionFailure(shop, "backend_unavailable", `We couldn't update shipping right now. Please try again. Reference: ${shop.traceId}`);
  }
}

// The shipping refresh answers with everything the form needs; re-running the page's loader
// after each one would only repeat Medusa calls.
export function shouldRevalidate({ json, defaultShouldRevalidate }: ShouldRevalidateFunctionArgs) {
  if (json && typeof json === "object" && "intent" in json && json.intent === "shipping-options") return false;
  return defaultShouldRevalidate;
}

export default function CheckoutPage({ loaderData }: Route.ComponentProps) {
  return (
    <main className="page checkout-page" id="main">
      <h1>Checkout</h1>
      <CheckoutForm {...loaderData} />
    </main>
  );
}
