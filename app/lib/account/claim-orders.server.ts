import type { AppLoadContext } from "react-router";
import * as z from "zod/mini";
import type { AppConfig } from "../config.server";
import type { ShopContext } from "../context.server";
import { retrieveCustomer } from "../medusa/customer.server";
import { acceptOrderTransfer, cancelOrderTransfer, requestOrderTransfer, retrieveClaimableOrder, type ClaimableOrder } from "../medusa/order-transfer.server";
import { readOrderIds } from "../order-access.server";

/**
 * Guest orders brought into an account (README, "Guest orders in an account"). Registering
 * with a guest's email makes a new customer and leaves the guest's orders on the guest
 * record; Medusa's order transfer moves one, and its token goes to the order's email
 * (dev/medusa/src/subscribers/order-transfer-requested.ts), because a password proves
 * nothing about a mailbox.
 *
 * 1. Signing up or in asks for each order this browser placed (the `orders` cookie) whose
 *    email is the account's and that isn't the customer's yet. The storefront notes the
 *    claim in KV (`order-claim:<order id>`: which customer asked, 7 days).
 * 2. The mail's link, /account/orders/claim, shows a confirm button; its POST accepts with
 *    the token, but only for the customer the claim names. Medusa's accept route moves the
 *    order to whoever asked, without a sign-in, to anyone holding the token; the note makes
 *    a forwarded link useless to another account, and refuses it before Medusa sees it.
 *
 * Only where Medusa sends mail (the storefront holds ORDER_LINK_SECRET, which it shares
 * with the Medusa that mails) is a transfer asked for: an open transfer nobody can accept
 * would block the order's returns and edits (one open change per order) for nothing.
 */
const CLAIM_SECONDS = 60 * 60 * 24 * 7;
const keyOf = (orderId: string) => `order-claim:${orderId}`;

type ClaimRecord = {
  customer_id: string;
  /** False when mail is off: the shopper was told the order stays a guest order, and isn't told again for a while. */
  mailed: boolean;
  requested_at: number;
};

export const ORDER_ID = /^order_[A-Za-z0-9]{10,64}$/;
/** Medusa's transfer tokens are UUIDs. */
export const TRANSFER_TOKEN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether this shop's Medusa mails (see config.server.ts, ORDER_LINK_SECRET). */
export function claimMailIsOn(config: AppConfig): boolean {
  return Boolean(config.ORDER_LINK_SECRET);
}

async function readClaim(env: Env, orderId: string): Promise<ClaimRecord | null> {
  return env.CUSTOMER_SESSIONS.get<ClaimRecord>(keyOf(orderId), "json");
}

const sameEmail = (a: string | null, b: string | null) => a !== null && b !== null && a.trim().toLowerCase() === b.trim().toLowerCase();

/** An order that may be claimed into this account: not cancelled, not the customer's yet, placed with the account's email. */
function claimable(order: ClaimableOrder, customer: { id: string; email: string }): boolean {
  return order.status !== "canceled" && order.customer_id !== customer.id && sameEmail(order.email, customer.email);
}

type SignInClaim = "mailed" | "not_mailed" | "skipped";

/**
 * After a sign-up or sign-in: asks for the browser's guest orders of this email. Resolves
 * with where the shopper goes: `next`, or the claim page (which then says what was mailed,
 * and offers `next`) when there is news. Never fails the sign-in: a failure is logged and
 * the shopper goes on to `next`.
 */
export async function claimOrdersOnSignIn(context: AppLoadContext, request: Request, token: string, customerId: string, next: string): Promise<string> {
  const { shop, cloudflare } = context;
  const orderIds = await readOrderIds(shop.config, request);
  if (orderIds.length === 0) return next;
  try {
    const customer = await retrieveCustomer(shop.medusa, token);
    if (!customer || customer.id !== customerId) return next;
    const outcomes = await Promise.all(orderIds.map((orderId) => claimOnSignIn(shop, cloudflare.env, token, customer, orderId)));
    const news = outcomes.some((outcome) => outcome !== "skipped");
    return news ? `/account/orders/claim?next=${encodeURIComponent(next)}` : next;
  } catch (error) {
    shop.logger.log("warn", "guest orders not claimed at sign-in", { step: "order_claim_request", outcome: "error", customer_id: customerId, error: String(error) });
    return next;
  }
}

async function claimOnSignIn(shop: ShopContext, env: Env, token: string, customer: { id: string; email: string }, orderId: string): Promise<SignInClaim> {
  // Asked already (its link is in the mailbox, or the shopper was told there is no mail): not again for 7 days.
  if ((await readClaim(env, orderId))?.customer_id === customer.id) return "skipped";
  const order = await retrieveClaimableOrder(shop.medusa, orderId);
  if (!order || !claimable(order, customer)) return "skipped";
  const mailed = claimMailIsOn(shop.config);
  if (mailed) {
    let result = await requestOrderTransfer(shop.medusa, token, orderId);
    // This customer's own earlier request (its 7 days over): cancelled, so a new link goes out.
    // Anyone else's open change (another account's request, a return) stays, and so does the order.
    if (result === "busy" && (await cancelOrderTransfer(shop.medusa, token, orderId))) result = await requestOrderTransfer(shop.medusa, token, orderId);
    if (result !== "requested") {
      shop.logger.log("warn", "order transfer not requested", { step: "order_claim_request", outcome: "error", order_id: orderId, customer_id: customer.id, result });
      return "skipped";
    }
  }
  const record: ClaimRecord = { customer_id: customer.id, mailed, requested_at: Date.now() };
  await env.CUSTOMER_SESSIONS.put(keyOf(orderId), JSON.stringify(record), { expirationTtl: CLAIM_SECONDS });
  shop.logger.log("info", mailed ? "order transfer requested" : "order transfer not requested: mail is off", {
    step: "order_claim_request",
    outcome: mailed ? "ok" : "skipped",
    order_id: orderId,
    customer_id: customer.id,
  });
  return mailed ? "mailed" : "not_mailed";
}

export type ClaimNews = { orderId: string; number: string; email: string; mailed: boolean };

/**
 * What the claim page tells after a sign-in: for each order of this browser the customer
 * asked for (and that isn't theirs yet), whether its link was mailed. Reads only.
 */
export async function claimNews({ shop, cloudflare }: AppLoadContext, request: Request, customerId: string): Promise<ClaimNews[]> {
  const orderIds = await readOrderIds(shop.config, request);
  const news = await Promise.all(
    orderIds.map(async (orderId): Promise<ClaimNews | null> => {
      const claim = await readClaim(cloudflare.env, orderId);
      if (claim?.customer_id !== customerId) return null;
      const order = await retrieveClaimableOrder(shop.medusa, orderId);
      if (!order || order.customer_id === customerId) return null;
      return { orderId, number: orderNumber(order), email: order.email ?? "", mailed: claim.mailed };
    }),
  );
  return news.filter((item): item is ClaimNews => item !== null);
}

export const orderNumber = (order: Pick<ClaimableOrder, "id" | "display_id">) => (order.display_id ? `#${order.display_id}` : order.id);

/** Whether this customer has an open, mailed claim on the order (the confirmation page says so). */
export async function hasMailedClaim({ cloudflare }: AppLoadContext, customerId: string, orderId: string): Promise<boolean> {
  const claim = await readClaim(cloudflare.env, orderId);
  return claim?.customer_id === customerId && claim.mailed;
}

/**
 * Where a claim link stands for the signed-in customer, before anything is accepted:
 * `ready` (theirs to confirm), `yours` (the order is in the account already), or
 * `unknown` (no open claim of this customer: expired, used, another account's, or never).
 */
export type ClaimState = { kind: "ready"; order: ClaimableOrder } | { kind: "yours"; order: ClaimableOrder } | { kind: "unknown" };

export async function claimState({ shop, cloudflare }: AppLoadContext, customerId: string, orderId: string): Promise<ClaimState> {
  const [claim, order] = await Promise.all([readClaim(cloudflare.env, orderId), retrieveClaimableOrder(shop.medusa, orderId)]);
  if (!order) return { kind: "unknown" };
  if (order.customer_id === customerId) return { kind: "yours", order };
  if (claim?.customer_id !== customerId || !claim.mailed) return { kind: "unknown" };
  return { kind: "ready", order };
}

export type ClaimOutcome = { kind: "accepted"; order: ClaimableOrder } | { kind: "yours"; order: ClaimableOrder } | { kind: "unknown" | "expired" | "invalid_token" };

/**
 * Accepts a claim link's token as the signed-in customer. Only a claim this customer
 * asked for reaches Medusa; anything else is refused first (a forwarded link, a guessed
 * order id). Accepting twice (a double click, another tab) ends at the order, in the account.
 */
export async function acceptClaim(context: AppLoadContext, customerId: string, orderId: string, transferToken: string): Promise<ClaimOutcome> {
  const { shop, cloudflare } = context;
  const state = await claimState(context, customerId, orderId);
  if (state.kind !== "ready") {
    if (state.kind === "unknown") shop.logger.log("warn", "order claim refused: no open claim of this customer", { step: "order_claim", outcome: "error", order_id: orderId, customer_id: customerId });
    return state;
  }
  const result = await acceptOrderTransfer(shop.medusa, orderId, transferToken);
  shop.logger.log(result === "accepted" ? "info" : "warn", "order claim", { step: "order_claim", outcome: result === "accepted" ? "ok" : "error", order_id: orderId, customer_id: customerId, result });
  if (result === "invalid_token") return { kind: "invalid_token" };
  await cloudflare.env.CUSTOMER_SESSIONS.delete(keyOf(orderId));
  if (result === "accepted") return { kind: "accepted", order: state.order };
  // No open request any more: accepted in another tab (then it's theirs), or cancelled at Medusa.
  const now = await retrieveClaimableOrder(shop.medusa, orderId);
  if (now && now.customer_id === customerId) return { kind: "yours", order: now };
  return { kind: result === "not_found" ? "unknown" : "expired" };
}

/** The claim page's one form: confirm with the mail's order id and token. */
export const claimRequest = z.strictObject({
  intent: z.literal("claim-order", { error: "Unknown action" }),
  order: z.string({ error: "This link is incomplete: open it again from your email." }).check(z.regex(ORDER_ID, "This link is incomplete: open it again from your email.")),
  token: z.string({ error: "This link is incomplete: open it again from your email." }).check(z.regex(TRANSFER_TOKEN, "This link is incomplete: open it again from your email.")),
});
