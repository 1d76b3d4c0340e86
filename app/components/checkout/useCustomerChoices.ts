import { useState } from "react";
import type { Address, AddressDraft, AddressKey } from "~/lib/medusa/schemas";
import type { CustomerAddress } from "~/lib/medusa/customer.server";
import type { SavedCard } from "~/lib/stripe.server";

/** A signed-in customer's saved addresses and cards, as the checkout page receives them. */
export type CheckoutAccount = { email: string; addresses: CustomerAddress[]; cards: SavedCard[] };

/**
 * What a signed-in customer chooses at checkout beyond a guest's (README, "Checkout for
 * customers"): the saved address it starts from, whether to save the address typed, a
 * saved card or a new one (and whether to save that). For a guest, nothing.
 */
export function useCustomerChoices(account: CheckoutAccount | null, cartAddress: Address | null) {
  // The default shipping address, when the cart has none yet: the page prices it on arrival.
  const [prefilled] = useState(() => (!cartAddress?.address_1 ? (account?.addresses.find((address) => address.is_default_shipping) ?? null) : null));
  const [saveAddress, setSaveAddress] = useState(false);
  const [cardChoice, setCardChoice] = useState<string>(account?.cards[0]?.id ?? "new");
  const [saveCard, setSaveCard] = useState(false);
  const savedCardId = cardChoice === "new" ? null : cardChoice;

  /** The prepare request's customer fields for the address as it stands. */
  function requestFields(shipping: AddressDraft) {
    if (!account) return {};
    return {
      save_address: saveAddress && !isSavedAddress(shipping, account.addresses),
      ...(savedCardId ? { payment_method_id: savedCardId } : { save_card: saveCard }),
    };
  }

  return { account, prefilled, saveAddress, setSaveAddress, cardChoice, setCardChoice, saveCard, setSaveCard, savedCardId, requestFields };
}
export type CustomerChoices = ReturnType<typeof useCustomerChoices>;

/** Whether the address typed is one the customer has saved already (nothing to save). */
export function isSavedAddress(draft: Record<AddressKey, string>, saved: CustomerAddress[]): boolean {
  const norm = (value: string | null | undefined) => (value ?? "").trim().toLowerCase();
  const parts: AddressKey[] = ["first_name", "last_name", "address_1", "address_2", "city", "province", "postal_code", "country_code"];
  return saved.some((address) => parts.every((part) => norm(address[part]) === norm(draft[part])));
}
