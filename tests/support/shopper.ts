// The tests' shopper: the one storefront client of tests, bench and load (dev/shopper.ts),
// made for a storefront of the test stack and a client address of its own.
import { newClientIp, Shopper as StorefrontShopper, variantId as variantIdAt } from "../../dev/shopper.ts";
import { shopAt } from "./medusa.ts";

export { CALIFORNIA_ADDRESS, newClientIp, TEXAS_ADDRESS, type PrepareBody, type PrepareResult, type RawAnswer } from "../../dev/shopper.ts";

export function variantId(handle: string, title: string): Promise<string> {
  return variantIdAt(shopAt(""), handle, title);
}

/**
 * A shopper of the storefront at `baseUrl` (a client of its own unless `clientIp` is given:
 * rate limits count per client, and each test shopper is one client).
 */
export class Shopper extends StorefrontShopper {
  constructor(baseUrl: string, clientIp = newClientIp()) {
    super(shopAt(baseUrl), { clientIp });
  }
}

/** A shopper (a client of its own unless `clientIp` is given) whose cart holds one A5 notebook. */
export async function shopperWithNotebook(baseUrl: string, clientIp?: string): Promise<Shopper> {
  const shopper = new Shopper(baseUrl, clientIp);
  await shopper.addToCart("dot-grid-notebook", "A5");
  return shopper;
}
