import type { ShopContext } from "../context.server";
import { MedusaError } from "../medusa/client.server";
import { sha256Hex } from "../sha256";

/**
 * Sets a new password with a reset link's token; `false` when Medusa refuses the token
 * (used, replaced, expired or forged: nothing changed). The link's submissions take turns
 * in a Durable Object of their own, named by the token's hash (workers/customer-coordinator.ts):
 * Medusa lets two submissions of one link at once both change the password.
 */
export async function changePasswordWithLink(shop: ShopContext, env: Env, input: { token: string; email: string; password: string }, route: string): Promise<boolean> {
  const coordinator = env.CUSTOMER_COORDINATOR.getByName(`password-reset:${await sha256Hex(input.token)}`);
  const answer = await coordinator.resetPassword({ ...input, traceId: shop.traceId, route });
  if ("failure" in answer) throw new MedusaError(answer.failure.kind, answer.failure.message, answer.failure.details);
  return answer.changed;
}
