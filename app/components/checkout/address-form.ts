import type { Address, AddressDraft, AddressKey } from "~/lib/medusa/schemas";
import type { Country } from "./AddressFields";

/** The form's address to start from: what the cart holds, in a country the shop serves. */
export function addressForm(address: Address | null, countries: Country[], defaultCountry: string): AddressDraft {
  const form = emptyAddress(defaultCountry);
  if (!address) return form;
  for (const key of Object.keys(form) as AddressKey[]) {
    const value = address[key];
    if (value) form[key] = value;
  }
  if (!countries.some((country) => country.code === form.country_code)) form.country_code = defaultCountry;
  return form;
}

export const emptyAddress = (country_code = ""): AddressDraft => ({
  first_name: "",
  last_name: "",
  company: "",
  address_1: "",
  address_2: "",
  city: "",
  province: "",
  postal_code: "",
  country_code,
  phone: "",
});

const REQUIRED: [AddressKey, string][] = [
  ["first_name", "Enter your first name."],
  ["last_name", "Enter your last name."],
  ["address_1", "Enter your street address."],
  ["city", "Enter your city."],
  ["postal_code", "Enter your postal code."],
  ["country_code", "Choose a country."],
];

/** Adds a message for each required part left empty, keyed `prefix.field`. */
export function requireAddress(prefix: string, address: AddressDraft, errors: Record<string, string>) {
  for (const [field, message] of REQUIRED) {
    if (!address[field].trim()) errors[`${prefix}.${field}`] = message;
  }
  if (address.country_code === "us") {
    if (!address.province) errors[`${prefix}.province`] = "Choose a state.";
    if (!address.postal_code.trim()) errors[`${prefix}.postal_code`] = "Enter your ZIP code.";
  }
}

/** The address as the API takes it: trimmed, empty optional parts left out. */
export function filled(address: AddressDraft): Partial<AddressDraft> {
  return Object.fromEntries(
    Object.entries(address)
      .map(([key, value]) => [key, value.trim()] as const)
      .filter(([, value]) => value !== ""),
  );
}
