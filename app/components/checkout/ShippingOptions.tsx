import type { ShippingOptionView } from "~/lib/checkout/contract";
import { formatMoney } from "~/lib/money";
import { FieldError, fieldId, invalidProps } from "./FieldError";

type Props = {
  options: ShippingOptionView[];
  selectedId: string;
  currency: string;
  errors: Record<string, string>;
  /** Why the shopper's choice went away ("not available for this address"). */
  notice: string | null;
  updating: boolean;
  onSelect: (optionId: string) => void;
};

const PATH = "shipping_option_id";

export function ShippingOptions({ options, selectedId, currency, errors, notice, updating, onSelect }: Props) {
  return (
    <fieldset className="shipping-options" aria-busy={updating} aria-describedby={errors[PATH] ? `${fieldId(PATH)}-error` : undefined}>
      <legend>Shipping method</legend>
      {options.length === 0 ? (
        <p className="muted">{updating ? "Finding shipping options…" : "Enter your address to see shipping options."}</p>
      ) : (
        <div className="shipping-option-list">
          {options.map((option, index) => (
            <label key={option.id} className="shipping-option">
              <input
                type="radio"
                name={PATH}
                id={index === 0 ? fieldId(PATH) : undefined}
                value={option.id}
                checked={option.id === selectedId}
                disabled={!option.available}
                onChange={() => onSelect(option.id)}
                {...invalidProps(PATH, errors)}
              />
              <span className="shipping-option-name">{option.name}</span>
              <span className="shipping-option-price">
                {option.amount === null ? "Priced at payment" : option.amount === 0 ? "Free" : formatMoney(option.amount, currency)}
              </span>
            </label>
          ))}
        </div>
      )}
      {notice ? <p className="form-error">{notice}</p> : null}
      <FieldError path={PATH} errors={errors} />
    </fieldset>
  );
}
