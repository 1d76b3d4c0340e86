import type { ReactNode } from "react";
import { AddressBlock } from "~/components/AddressBlock";
import type { AddressDraft } from "~/lib/medusa/schemas";
import type { CustomerAddress } from "~/lib/medusa/customer.server";
import type { SavedCard } from "~/lib/stripe.server";
import { PaymentSection } from "./PaymentSection";
import { isSavedAddress, type CustomerChoices } from "./useCustomerChoices";

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
              <AddressBlock address={address} />
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

/**
 * The payment part of the form: a signed-in customer's saved cards (a saved card needs no
 * Payment Element), else Stripe's Payment Element, with "Save this card" for a customer.
 */
export function CustomerPayment(props: { customer: CustomerChoices; paymentError: string | null; loadError: string | null; onReady: () => void; onChange: () => void }) {
  const { customer } = props;
  const cards = customer.account?.cards ?? [];
  return (
    <>
      {cards.length > 0 ? (
        <SavedCards
          cards={cards}
          choice={customer.cardChoice}
          onChoose={(choice) => {
            customer.setCardChoice(choice);
            props.onChange();
          }}
        />
      ) : null}
      {customer.savedCardId ? (
        props.paymentError ? (
          <p id="payment-error" className="field-error payment-error" role="alert">
            {props.paymentError}
          </p>
        ) : null
      ) : (
        <>
          <PaymentSection error={props.paymentError} loadError={props.loadError} onReady={props.onReady} />
          {customer.account ? (
            <label className="checkbox">
              <input type="checkbox" name="save_card" checked={customer.saveCard} onChange={(event) => customer.setSaveCard(event.target.checked)} />
              <span>Save this card for next time</span>
            </label>
          ) : null}
        </>
      )}
    </>
  );
}

/** The shipping address fields (`children`), with a customer's saved addresses before them and "save this one" after. */
export function AddressBook(props: { customer: CustomerChoices; shipping: AddressDraft; onChoose: (address: CustomerAddress) => void; children: ReactNode }) {
  const { customer, shipping, onChoose } = props;
  const account = customer.account;
  if (!account) return props.children;
  return (
    <>
      {account.addresses.length > 0 ? <SavedAddresses addresses={account.addresses} current={shipping} onChoose={onChoose} /> : null}
      {props.children}
      {isSavedAddress(shipping, account.addresses) ? null : (
        <label className="checkbox">
          <input type="checkbox" name="save_address" checked={customer.saveAddress} onChange={(event) => customer.setSaveAddress(event.target.checked)} />
          <span>Save this address to my account</span>
        </label>
      )}
    </>
  );
}
