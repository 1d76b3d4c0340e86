// Charges exist because PaymentIntents point at them (`latest_charge`) and refunds need one.
// A declined confirmation leaves a failed charge behind, as Stripe does.

import type { Decline } from "./cards.ts";
import type { Charge, PaymentIntent } from "./objects.ts";
import { resourceMissing } from "./errors.ts";
import { newId } from "./ids.ts";
import { assertKnownParams } from "./params.ts";
import { nowSeconds, type ApiContext, type ApiResult, type Sim } from "./sim.ts";

export function createCharge(
  sim: Sim,
  intent: PaymentIntent,
  paymentMethodId: string,
  result: { captured: boolean } | { decline: Decline },
): Charge {
  const declined = "decline" in result;
  const charge: Charge = {
    id: newId("ch"),
    object: "charge",
    amount: intent.amount,
    amount_captured: !declined && result.captured ? intent.amount : 0,
    amount_refunded: 0,
    captured: !declined && result.captured,
    created: nowSeconds(sim),
    currency: intent.currency,
    customer: intent.customer,
    description: intent.description,
    failure_code: declined ? result.decline.code : null,
    failure_message: declined ? result.decline.message : null,
    livemode: false,
    metadata: { ...intent.metadata },
    outcome: declined
      ? {
          network_status: "declined_by_network",
          reason: result.decline.decline_code,
          risk_level: "normal",
          seller_message: "The bank did not return any further details with this decline.",
          type: "issuer_declined",
        }
      : {
          network_status: "approved_by_network",
          reason: null,
          risk_level: "normal",
          seller_message: "Payment complete.",
          type: "authorized",
        },
    paid: !declined,
    payment_intent: intent.id,
    payment_method: paymentMethodId,
    refunded: false,
    status: declined ? "failed" : "succeeded",
  };
  sim.store.charges.set(charge.id, charge);
  return charge;
}

export function handleRetrieveCharge(ctx: ApiContext): ApiResult {
  assertKnownParams(ctx.params, ["expand"]);
  const charge = ctx.sim.store.charges.get(ctx.id);
  if (!charge) throw resourceMissing("charge", ctx.id, "charge");
  return { status: 200, body: charge };
}
