import type { LogFields, Logger } from "../../log.server";
import type { MedusaClient } from "../../medusa/client.server";
import { addShippingMethod, readCheckoutCart, updateCartDetails, type CartDetails } from "../../medusa/cart.server";
import { ADDRESS_KEYS, type Address, type CheckoutCart } from "../../medusa/schemas";

/**
 * What prepare-for-payment may change on a cart, kept before it starts, and how to put it
 * back. Medusa's quirks decide the order (docs/decisions/0002-prepare-order-and-rollback.md): the previous
 * addresses go back first, because an address change drops shipping methods that are
 * invalid for it; then the previous shipping option is re-added (Medusa has no route to
 * delete a method; adding one replaces the method of the same profile). A payment session
 * left behind is harmless: its client secret was never handed out, and the next prepare
 * replaces it.
 */
export type CartSnapshot = {
  email: string | null;
  shipping_address: Address | null;
  billing_address: Address | null;
  checkout_attempt_id: string | null;
  shipping_option_ids: string[];
};

function pickAddress(address: Address | null): Address | null {
  if (!address) return null;
  return Object.fromEntries(ADDRESS_KEYS.map((key) => [key, address[key] ?? null])) as Address;
}

export function takeSnapshot(cart: CheckoutCart): CartSnapshot {
  const attempt = cart.metadata?.checkout_attempt_id;
  return {
    email: cart.email,
    shipping_address: pickAddress(cart.shipping_address),
    billing_address: pickAddress(cart.billing_address),
    checkout_attempt_id: typeof attempt === "string" && attempt ? attempt : null,
    shipping_option_ids: cart.shipping_methods.map((method) => method.shipping_option_id).filter((id): id is string => !!id).sort(),
  };
}

/** The names of the snapshot's parts that differ in `cart`. */
function differences(snapshot: CartSnapshot, cart: CheckoutCart): string[] {
  const now = takeSnapshot(cart);
  const changed: string[] = [];
  if (now.email !== snapshot.email) changed.push("email");
  if (JSON.stringify(now.shipping_address) !== JSON.stringify(snapshot.shipping_address)) changed.push("shipping_address");
  if (JSON.stringify(now.billing_address) !== JSON.stringify(snapshot.billing_address)) changed.push("billing_address");
  if (now.checkout_attempt_id !== snapshot.checkout_attempt_id) changed.push("metadata");
  if (now.shipping_option_ids.join() !== snapshot.shipping_option_ids.join()) changed.push("shipping_method");
  return changed;
}

/**
 * Puts the snapshot back as far as Medusa allows and reads the cart to check. Medusa
 * cannot unset an email, unset a billing address or delete a shipping method, so a cart
 * that had none of these before keeps the new ones: `leftChanged` names them.
 */
export async function restoreSnapshot(
  medusa: MedusaClient,
  logger: Logger,
  cartId: string,
  snapshot: CartSnapshot,
  fields: LogFields,
): Promise<{ leftChanged: string[] }> {
  const details: CartDetails = { metadata: { checkout_attempt_id: snapshot.checkout_attempt_id ?? "" } };
  if (snapshot.email) details.email = snapshot.email;
  if (snapshot.shipping_address) details.shipping_address = snapshot.shipping_address;
  if (snapshot.billing_address) details.billing_address = snapshot.billing_address;

  const attempt = async (step: string, work: () => Promise<unknown>) => {
    try {
      await logger.step(step, work, fields);
    } catch {
      // Logged by logger.step; the read-back below reports what stayed changed.
    }
  };
  await attempt("rollback_cart_details", () => updateCartDetails(medusa, cartId, details));
  for (const optionId of snapshot.shipping_option_ids) {
    await attempt("rollback_shipping_method", () => addShippingMethod(medusa, cartId, optionId));
  }

  try {
    const cart = await logger.step("rollback_read_back", () => readCheckoutCart(medusa, cartId), fields);
    const leftChanged = differences(snapshot, cart);
    logger.log(leftChanged.length ? "warn" : "info", "rollback finished", { ...fields, step: "rollback", outcome: leftChanged.length ? "error" : "ok", left_changed: leftChanged });
    return { leftChanged };
  } catch {
    return { leftChanged: ["unknown"] };
  }
}
