import { createRequire } from "node:module"
import type Stripe from "stripe"
import { StripeProviderService } from "@medusajs/payment-stripe/dist/services"

type SimulatedStripeOptions = ConstructorParameters<typeof StripeProviderService>[1] & {
  /** Host of the Stripe-compatible simulator, e.g. "127.0.0.1". */
  apiHost: string
  apiPort?: number
  apiProtocol?: "http" | "https"
}

// The stripe-node copy that @medusajs/payment-stripe itself uses, so the client we build
// is the exact version the provider was written against.
const requireFromProvider = createRequire(require.resolve("@medusajs/payment-stripe"))
const StripeClient = requireFromProvider("stripe") as typeof Stripe

/**
 * The stock Medusa Stripe provider (identifier "stripe"), with its client pointed at a local
 * Stripe simulator. @medusajs/payment-stripe builds `new Stripe(apiKey)` in its constructor
 * and offers no option for the API host, so the client is replaced right after.
 * Everything else (PaymentIntent params, webhooks, statuses) is the unmodified provider.
 */
class SimulatedStripeProviderService extends StripeProviderService {
  constructor(cradle: Record<string, unknown>, options: SimulatedStripeOptions) {
    super(cradle, options)
    this.stripe_ = new StripeClient(options.apiKey, {
      host: options.apiHost,
      port: options.apiPort ?? 12111,
      protocol: options.apiProtocol ?? "http",
    })
  }
}

export default SimulatedStripeProviderService
