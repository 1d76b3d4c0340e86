// Refunds of captured charges (Medusa's refundPayment: `refunds.create({amount, payment_intent})`).

import type { Charge, Refund } from "./objects.ts";
import { invalidRequest, paramError, resourceMissing } from "./errors.ts";
import { newId } from "./ids.ts";
import {
  applyMetadata,
  assertKnownParams,
  metadataParam,
  optionalEnum,
  optionalInteger,
  optionalString,
} from "./params.ts";
import { eventRequest, nowSeconds, type ApiContext, type ApiResult } from "./sim.ts";

function chargeToRefund(ctx: ApiContext): Charge {
  const intentId = optionalString(ctx.params, "payment_intent");
  const chargeId = optionalString(ctx.params, "charge");
  if (!intentId && !chargeId) {
    throw paramError("One of the following params should be provided for this request: payment_intent or charge.", "charge");
  }
  let charge: Charge | undefined;
  if (intentId) {
    const intent = ctx.sim.store.paymentIntents.get(intentId);
    if (!intent) throw resourceMissing("payment_intent", intentId, "payment_intent");
    if (intent.status !== "succeeded" || !intent.latest_charge) {
      throw invalidRequest(
        `This PaymentIntent (${intentId}) does not have a successful charge to refund.`,
        { param: "payment_intent" },
      );
    }
    charge = ctx.sim.store.charges.get(intent.latest_charge);
  } else if (chargeId) {
    charge = ctx.sim.store.charges.get(chargeId);
    if (!charge) throw resourceMissing("charge", chargeId, "charge");
  }
  if (!charge || !charge.captured) {
    throw invalidRequest("This charge has not been captured and cannot be refunded.", { param: "charge" });
  }
  return charge;
}

export function handleCreateRefund(ctx: ApiContext): ApiResult {
  assertKnownParams(ctx.params, ["payment_intent", "charge", "amount", "reason", "metadata", "expand"]);
  const charge = chargeToRefund(ctx);
  // As Stripe counts it: `amount_refunded` includes what a partial capture released, so what
  // can still be refunded is the charge's amount less everything refunded or released.
  const remaining = charge.amount - charge.amount_refunded;
  if (charge.refunded || remaining <= 0) {
    throw invalidRequest(`Charge ${charge.id} has already been refunded.`, { code: "charge_already_refunded" });
  }
  const amount = optionalInteger(ctx.params, "amount", 1) ?? remaining;
  if (amount > remaining) {
    throw paramError(
      `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`,
      "amount",
    );
  }
  const refund: Refund = {
    id: newId("re"),
    object: "refund",
    amount,
    charge: charge.id,
    created: nowSeconds(ctx.sim),
    currency: charge.currency,
    metadata: applyMetadata({}, metadataParam(ctx.params)),
    payment_intent: charge.payment_intent,
    reason: optionalEnum(ctx.params, "reason", ["duplicate", "fraudulent", "requested_by_customer"]) ?? null,
    status: "succeeded",
  };
  ctx.sim.store.refunds.set(refund.id, refund);
  charge.amount_refunded += amount;
  charge.refunded = charge.amount_refunded >= charge.amount;
  ctx.sim.emit("charge.refunded", charge, eventRequest(ctx));
  return { status: 200, body: refund };
}

export function handleRetrieveRefund(ctx: ApiContext): ApiResult {
  assertKnownParams(ctx.params, ["expand"]);
  const refund = ctx.sim.store.refunds.get(ctx.id);
  if (!refund) throw resourceMissing("refund", ctx.id, "refund");
  return { status: 200, body: refund };
}
