import type { ShopContext } from "../context.server";
import { orMedusaError } from "../medusa/client.server";
import { sha256Hex } from "../sha256";

/**
 * Sets a new password with a reset link's token; `false` when Medusa refuses the token
 * (used, replaced, expired or forged: nothing changed). The link's submissions take turns
 * in a Durable Object of their own, named by the token's hash (workers/customer-coordinator.ts):
 * Medusa lets two submissions of one link at once both change the password.
 */
export async function changePasswordWithLink(shop: ShopContext, env: Env, input: { token: string; email: string; password: string }): Promise<boolean> {
  const coordinator = env.CUSTOMER_COORDINATOR.getByName(`password-reset:${await sha256Hex(input.token)}`);
  return orMedusaError(await coordinator.resetPassword({ ...input, traceId: shop.traceId, route: shop.logger.route })).changed;
}
