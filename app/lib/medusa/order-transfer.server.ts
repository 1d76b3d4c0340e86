import { z } from "zod";
import { classifyMedusaError, MedusaError, type MedusaClient } from "./client.server";

/**
 * Medusa's order transfer, the one way a guest order moves into an account (Medusa 2.21,
 * measured in tests/stack/order-claim.test.ts; README "Guest orders in an account"):
 *
 * - `POST /store/orders/:id/transfer/request` (the customer's token): any customer with an
 *   account may ask for any order that isn't cancelled and isn't theirs; Medusa checks no
 *   email. It records a transfer with a random token (a UUID, no expiry), emits
 *   `order.transfer_requested` and answers the order without the token. An order has at
 *   most one open change: a second request (anyone's), a return or an edit is refused with
 *   400 "already has an existing active order change" until this one is accepted, declined
 *   or cancelled.
 * - `POST /store/orders/:id/transfer/accept {token}` needs **no** sign-in: whoever has the
 *   token moves the order to the customer who asked (not to the caller). A wrong token is
 *   400 "Invalid token."; no open request is 400 "does not have an order transfer request".
 * - `POST /store/orders/:id/transfer/cancel`: only the customer who asked may cancel.
 *
 * So the storefront binds a claim to the customer who asked (claim-orders.server.ts) and
 * refuses anyone else before Medusa sees the token.
 */

const ACTIVE_CHANGE = /existing active order change/i;
const INVALID_TOKEN = /invalid token/i;
const NO_REQUEST = /does not have an order transfer request/i;

const claimableOrder = z.object({
  order: z.object({
    id: z.string(),
    display_id: z.number().nullish().transform((value) => value ?? null),
    email: z.string().nullish().transform((value) => value ?? null),
    status: z.string().nullish().transform((value) => value ?? null),
    customer_id: z.string().nullish().transform((value) => value ?? null),
  }),
});
export type ClaimableOrder = z.infer<typeof claimableOrder>["order"];

/** What a claim needs to know of an order (number, email, status, owner), or null when Medusa doesn't know it. */
export async function retrieveClaimableOrder(medusa: MedusaClient, orderId: string): Promise<ClaimableOrder | null> {
  try {
    const { order } = await medusa.request(`/store/orders/${encodeURIComponent(orderId)}`, {
      query: { fields: "id,display_id,email,status,+customer_id" },
      schema: claimableOrder,
    });
    return order;
  } catch (error) {
    if (classifyMedusaError(error) === "not_found") return null;
    throw error;
  }
}

const isBadRequest = (error: unknown, pattern: RegExp) => error instanceof MedusaError && error.kind === "http" && error.status === 400 && pattern.test(error.message);

export type TransferRequestResult = "requested" | "busy" | "refused";

/**
 * Asks Medusa to move the order to the token's customer (it mails the order's email, see
 * dev/medusa/src/subscribers/order-transfer-requested.ts). `busy`: the order already has an
 * open change (a transfer, a return, an edit). `refused`: Medusa won't (cancelled, already
 * the customer's, unknown). Unavailable Medusa throws.
 */
export async function requestOrderTransfer(medusa: MedusaClient, token: string, orderId: string): Promise<TransferRequestResult> {
  try {
    await medusa.request(`/store/orders/${encodeURIComponent(orderId)}/transfer/request`, { method: "POST", token, body: {}, query: { fields: "id" }, schema: z.unknown() });
    return "requested";
  } catch (error) {
    if (isBadRequest(error, ACTIVE_CHANGE)) return "busy";
    const kind = classifyMedusaError(error);
    if (kind === "refused" || kind === "not_found") return "refused";
    throw error;
  }
}

/** Cancels the token's customer's own open transfer of the order; false when there is none of theirs to cancel. */
export async function cancelOrderTransfer(medusa: MedusaClient, token: string, orderId: string): Promise<boolean> {
  try {
    await medusa.request(`/store/orders/${encodeURIComponent(orderId)}/transfer/cancel`, { method: "POST", token, body: {}, query: { fields: "id" }, schema: z.unknown() });
    return true;
  } catch (error) {
    const kind = classifyMedusaError(error);
    if (kind === "refused" || kind === "not_found") return false;
    throw error;
  }
}

export type TransferAcceptResult = "accepted" | "invalid_token" | "no_request" | "not_found";

/** Accepts the open transfer of the order with its token (Medusa checks only the token). */
export async function acceptOrderTransfer(medusa: MedusaClient, orderId: string, transferToken: string): Promise<TransferAcceptResult> {
  try {
    await medusa.request(`/store/orders/${encodeURIComponent(orderId)}/transfer/accept`, { method: "POST", body: { token: transferToken }, query: { fields: "id" }, schema: z.unknown() });
    return "accepted";
  } catch (error) {
    if (isBadRequest(error, INVALID_TOKEN)) return "invalid_token";
    if (isBadRequest(error, NO_REQUEST)) return "no_request";
    const kind = classifyMedusaError(error);
    if (kind === "not_found") return "not_found";
    // Any other refusal (a cancelled order, a token Medusa's validator rejects) moves nothing either.
    if (kind === "refused") return "invalid_token";
    throw error;
  }
}
