// Issue 10, section 1: the transient/permanent table of Medusa's answers to
// `POST /store/carts/:id/complete` (README, "When Medusa refuses a paid cart"), decided from
// answers the real Medusa 2.21 gives here. Each case builds a cart straight through the Store
// API into the state it names, asks Medusa to complete it with the storefront's own client,
// and checks how the storefront reads the answer (app/lib/medusa/order.server.ts).
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { createLogger } from "../../app/lib/log.server.ts";
import { createMedusaClient } from "../../app/lib/medusa/client.server.ts";
import { completeCart as completeWith, type CompletionResult } from "../../app/lib/medusa/order.server.ts";
import { ROOT } from "../../dev/processes.ts";
import { restoresStock, setAvailableStock } from "../support/medusa-admin.ts";
import { store } from "../support/medusa-buyer.ts";
import { deleteCartInMedusa } from "../support/orders.ts";
import { TEXAS_ADDRESS, variantId } from "../support/shopper.ts";

// A variant no other test file buys: its stock is changed here while other files run.
const TOTE = { handle: "canvas-tote-bag", variant: "Black", sku: "TOTE-BLK" };

const medusa = () =>
  createMedusaClient({ baseUrl: inject("stack").medusaUrl, publishableKey: inject("stack").publishableKey, timeoutMs: 15_000, logger: createLogger("completion-answers", "test") });

/** Every answer read, by case: written to dev/.state/figures/completion-answers.json for the README's table. */
const seen: Record<string, CompletionResult[]> = {};
afterAll(() => {
  const dir = path.join(ROOT, "dev", ".state", "figures");
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "completion-answers.json"), `${JSON.stringify(seen, null, 2)}\n`);
});

async function completeCart(client: ReturnType<typeof medusa>, cartId: string): Promise<CompletionResult> {
  const result = await completeWith(client, cartId);
  const name = expect.getState().currentTestName ?? "unnamed";
  (seen[name] ??= []).push(result);
  return result;
}

type Stage = "items" | "address" | "shipping" | "collection" | "session";

/** A cart built up to `stage` (each stage includes the ones before it), paid with `provider`. */
async function cartUpTo(stage: Stage, provider = "pp_system_default", skip: Stage[] = []): Promise<string> {
  const order: Stage[] = ["items", "address", "shipping", "collection", "session"];
  const wanted = (step: Stage) => order.indexOf(step) <= order.indexOf(stage) && !skip.includes(step);
  const { cart } = await store<{ cart: { id: string } }>("/store/carts", { region_id: inject("stack").regionId, email: "completion@example.com" });
  if (wanted("items")) await store(`/store/carts/${cart.id}/line-items`, { variant_id: await variantId(TOTE.handle, TOTE.variant), quantity: 1 });
  if (wanted("address")) await store(`/store/carts/${cart.id}`, { shipping_address: TEXAS_ADDRESS });
  if (wanted("shipping")) {
    const { shipping_options } = await store<{ shipping_options: { id: string; name: string }[] }>(`/store/shipping-options?cart_id=${cart.id}`);
    await store(`/store/carts/${cart.id}/shipping-methods`, { option_id: shipping_options.find((option) => option.name.startsWith("Standard"))!.id });
  }
  if (wanted("collection")) {
    const { payment_collection } = await store<{ payment_collection: { id: string } }>("/store/payment-collections", { cart_id: cart.id });
    if (wanted("session")) await store(`/store/payment-collections/${payment_collection.id}/payment-sessions`, { provider_id: provider });
  }
  return cart.id;
}

describe("Medusa 2.21's answers to completing a cart, as the storefront reads them", () => {
  restoresStock(TOTE.sku);

  it("a cart with no items: permanent, cart_changed", async () => {
    const result = await completeCart(medusa(), await cartUpTo("address", undefined, ["items"]));
    expect(result).toMatchObject({ kind: "permanent", reason: "cart_changed" });
  });

  it("no payment collection: permanent, cart_changed", async () => {
    expect(await completeCart(medusa(), await cartUpTo("shipping"))).toMatchObject({ kind: "permanent", reason: "cart_changed" });
  });

  it("a payment collection without a session (Medusa dropped it when the total changed): permanent, cart_changed", async () => {
    expect(await completeCart(medusa(), await cartUpTo("collection"))).toMatchObject({ kind: "permanent", reason: "cart_changed" });
  });

  it("no shipping method: permanent, cart_changed", async () => {
    expect(await completeCart(medusa(), await cartUpTo("session", "pp_system_default", ["shipping"]))).toMatchObject({ kind: "permanent", reason: "cart_changed" });
  });

  it("a Stripe session whose PaymentIntent isn't paid (Medusa doesn't see the payment yet): transient, and the cart stays open", async () => {
    const cartId = await cartUpTo("session", "pp_stripe_stripe");
    const result = await completeCart(medusa(), cartId);
    expect(result).toMatchObject({ kind: "transient" });
    expect((result as { message: string }).message).toMatch(/was not authorized with the provider/);
  });

  it("stock gone since the items were added: permanent, out_of_stock", async () => {
    const cartId = await cartUpTo("session");
    await setAvailableStock(TOTE.sku, 0);
    try {
      expect(await completeCart(medusa(), cartId)).toMatchObject({ kind: "permanent", reason: "out_of_stock" });
    } finally {
      await setAvailableStock(TOTE.sku, 50);
    }
  });

  it("a deleted cart, and a cart id Medusa never had: permanent, cart_gone", async () => {
    const cartId = await cartUpTo("session");
    await deleteCartInMedusa(cartId);
    expect(await completeCart(medusa(), cartId)).toMatchObject({ kind: "permanent", reason: "cart_gone" });
    expect(await completeCart(medusa(), "cart_01NEVERMADE0000000000000000")).toMatchObject({ kind: "permanent", reason: "cart_gone" });
  });

  it("a completed cart completed again, and two completions at once: the same one order (a 409 meanwhile reads as transient)", async () => {
    const cartId = await cartUpTo("session");
    const [first, second] = await Promise.all([completeCart(medusa(), cartId), completeCart(medusa(), cartId)]);
    const results = [first, second];
    expect(results.every((result) => result.kind === "order" || result.kind === "transient")).toBe(true);
    const again = await completeCart(medusa(), cartId);
    expect(again.kind).toBe("order");
    const orderId = (again as { orderId: string }).orderId;
    for (const result of results) if (result.kind === "order") expect(result.orderId).toBe(orderId);
  });
});
