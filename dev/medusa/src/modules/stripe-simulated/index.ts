import { ModuleProvider, Modules } from "@medusajs/framework/utils"
import SimulatedStripeProviderService from "./service"

// Same identifier ("stripe") as the stock provider, registered with id "stripe" in
// medusa-config.ts: the provider id stays `pp_stripe_stripe`.
export default ModuleProvider(Modules.PAYMENT, {
  services: [SimulatedStripeProviderService],
})
