// Counts orders straight from Medusa's database: the Store API can't list a guest's orders,
// and "exactly one order per paid attempt" must be checked where orders live.
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
