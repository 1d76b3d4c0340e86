// Medusa's database, read (and, where no API can, written) directly: the Store API can't list
// a guest's orders, and "exactly one order per paid attempt" must be checked where orders live.
import { ensurePostgres, psql } from "../../dev/postgres.ts";
import { medusaDatabaseUrl } from "../../dev/medusa.ts";

let url: string | null = null;

async function database(): Promise<string> {
  url ??= medusaDatabaseUrl((await ensurePostgres(() => {})).databaseUrl);
  return url;
}

export async function orderIdsForCart(cartId: string): Promise<string[]> {
  if (!/^cart_[A-Za-z0-9]+$/.test(cartId)) throw new Error(`not a cart id: ${cartId}`);
  const output = psql(await database(), `select order_id from order_cart where cart_id = '${cartId}' and deleted_at is null order by order_id`);
  return output ? output.split("\n") : [];
}

/**
 * Deletes the cart as Medusa's cart module does (soft delete), e.g. a merchant's cleanup
 * job: Medusa's Store and Admin APIs have no route that deletes a cart.
 */
export async function deleteCartInMedusa(cartId: string): Promise<void> {
  if (!/^cart_[A-Za-z0-9]+$/.test(cartId)) throw new Error(`not a cart id: ${cartId}`);
  psql(await database(), `update cart set deleted_at = now() where id = '${cartId}'`);
}
