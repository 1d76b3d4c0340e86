import type { ShopContext } from "../context.server";
import { addAddress, listAddresses, type AddressInput } from "../medusa/customer.server";
import type { Address } from "../medusa/schemas";

/**
 * "Save this address to my account" at checkout: added to the customer's address book
 * unless an address with the same parts is there already (a retried or replayed
 * checkout saves it once). Best effort: the payment goes on if Medusa refuses.
 */
const PARTS = ["first_name", "last_name", "company", "address_1", "address_2", "city", "province", "postal_code", "country_code", "phone"] as const;

const norm = (value: string | null | undefined) => (value ?? "").trim().toLowerCase();

export function sameAddressParts(a: Partial<Address>, b: Partial<Address>): boolean {
  return PARTS.every((part) => norm(a[part]) === norm(b[part]));
}

export async function saveAddressIfNew(shop: Pick<ShopContext, "medusa" | "logger">, token: string, address: Address): Promise<void> {
  try {
    const saved = await listAddresses(shop.medusa, token);
    if (saved.some((candidate) => sameAddressParts(candidate, address))) return;
    const input: AddressInput = {
      first_name: address.first_name ?? "",
      last_name: address.last_name ?? "",
      company: address.company ?? "",
      address_1: address.address_1 ?? "",
      address_2: address.address_2 ?? "",
      city: address.city ?? "",
      province: address.province ?? "",
      postal_code: address.postal_code ?? "",
      country_code: address.country_code ?? "",
      phone: address.phone ?? "",
      // The first address saved becomes the default for the next checkout.
      is_default_shipping: saved.length === 0,
      is_default_billing: saved.length === 0,
    };
    await addAddress(shop.medusa, token, input);
    shop.logger.log("info", "checkout address saved", { step: "save_address", outcome: "ok" });
  } catch (error) {
    shop.logger.log("warn", "checkout address not saved", { step: "save_address", outcome: "error", error: String(error) });
  }
}
