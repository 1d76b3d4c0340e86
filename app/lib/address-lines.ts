/** A postal address as Medusa holds it (every part may be missing). */
export type PostalAddress = {
  first_name?: string | null;
  last_name?: string | null;
  address_1?: string | null;
  address_2?: string | null;
  city?: string | null;
  province?: string | null;
  postal_code?: string | null;
  country_code?: string | null;
};

/**
 * The lines a shopper reads on an envelope, for the order page and the order emails:
 * "Ada Lovelace" / "1 Main St, Apt 2" / "Austin, TX 78701" / "US". Medusa stores a US state
 * as an ISO 3166-2 code ("us-tx"): the country prefix is dropped.
 */
export function addressLines(address: PostalAddress): string[] {
  const name = [address.first_name, address.last_name].filter(Boolean).join(" ");
  const street = [address.address_1, address.address_2].filter(Boolean).join(", ");
  const province = address.province?.replace(/^[a-z]{2}-/i, "").toUpperCase() ?? "";
  const place = [address.city, [province, address.postal_code].filter(Boolean).join(" ")].filter(Boolean).join(", ");
  return [name, street, place, address.country_code?.toUpperCase() ?? ""].filter((line) => line !== "");
}
