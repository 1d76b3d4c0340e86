import { addressLines } from "~/lib/address-lines";
import type { AddressDraft } from "~/lib/medusa/schemas";
import type { CustomerAddress } from "~/lib/medusa/customer.server";
import type { SavedCard } from "~/lib/stripe.server";

/** A signed-in customer's saved addresses at checkout: one click fills the shipping address. */
export function SavedAddresses({ addresses, current, onChoose }: { addresses: CustomerAddress[]; current: AddressDraft; onChoose: (address: CustomerAddress) => void }) {
  return (
    <fieldset className="saved-addresses">
      <legend>Your saved addresses</legend>
      <ul className="address-list">
        {addresses.map((address) => {
          const chosen = address.address_1 === current.address_1 && address.postal_code === current.postal_code && address.last_name === current.last_name;
          return (
            <li key={address.id} className="saved-address" data-testid="checkout-saved-address">
              <address>
                {addressLines(address).map((line, index) => (
                  <span key={index}>
                    {index > 0 ? <br /> : null}
                    {line}
                  </span>
                ))}
              </address>
              <button type="button" className="button" aria-pressed={chosen} onClick={() => onChoose(address)}>
                {chosen ? "Shipping here" : "Ship here"}
              </button>
            </li>
          );
        })}
      </ul>
    </fieldset>
  );
}

const BRANDS: Record<string, string> = { visa: "Visa", mastercard: "Mastercard", amex: "American Express", discover: "Discover", jcb: "JCB", diners: "Diners Club", unionpay: "UnionPay" };

export function cardLabel(card: SavedCard): string {
  return `${BRANDS[card.brand] ?? card.brand} ending in ${card.last4}, expires ${String(card.exp_month).padStart(2, "0")}/${card.exp_year}`;
}

/** The customer's saved cards next to a new card: the choice of what pays. */
export function SavedCards({ cards, choice, onChoose }: { cards: SavedCard[]; choice: string; onChoose: (choice: string) => void }) {
  return (
    <fieldset className="saved-cards">
      <legend>Pay with</legend>
      {cards.map((card) => (
        <label key={card.id} className="checkbox" data-testid="saved-card">
          <input type="radio" name="payment_method_id" value={card.id} checked={choice === card.id} onChange={() => onChoose(card.id)} />
          <span>{cardLabel(card)}</span>
        </label>
      ))}
      <label className="checkbox">
        <input type="radio" name="payment_method_id" value="new" checked={choice === "new"} onChange={() => onChoose("new")} />
        <span>A new card</span>
      </label>
    </fieldset>
  );
}
