import type { AddressDraft, AddressKey } from "~/lib/medusa/schemas";
import { FieldError, fieldId, invalidProps } from "./FieldError";

export type Country = { code: string; name: string };

/** Values are Medusa's province codes: lower-case ISO 3166-2. */
export const US_STATES: [string, string][] = [
  ["us-al", "Alabama"], ["us-ak", "Alaska"], ["us-az", "Arizona"], ["us-ar", "Arkansas"], ["us-ca", "California"],
  ["us-co", "Colorado"], ["us-ct", "Connecticut"], ["us-de", "Delaware"], ["us-dc", "District of Columbia"],
  ["us-fl", "Florida"], ["us-ga", "Georgia"], ["us-hi", "Hawaii"], ["us-id", "Idaho"], ["us-il", "Illinois"],
  ["us-in", "Indiana"], ["us-ia", "Iowa"], ["us-ks", "Kansas"], ["us-ky", "Kentucky"], ["us-la", "Louisiana"],
  ["us-me", "Maine"], ["us-md", "Maryland"], ["us-ma", "Massachusetts"], ["us-mi", "Michigan"], ["us-mn", "Minnesota"],
  ["us-ms", "Mississippi"], ["us-mo", "Missouri"], ["us-mt", "Montana"], ["us-ne", "Nebraska"], ["us-nv", "Nevada"],
  ["us-nh", "New Hampshire"], ["us-nj", "New Jersey"], ["us-nm", "New Mexico"], ["us-ny", "New York"],
  ["us-nc", "North Carolina"], ["us-nd", "North Dakota"], ["us-oh", "Ohio"], ["us-ok", "Oklahoma"], ["us-or", "Oregon"],
  ["us-pa", "Pennsylvania"], ["us-ri", "Rhode Island"], ["us-sc", "South Carolina"], ["us-sd", "South Dakota"],
  ["us-tn", "Tennessee"], ["us-tx", "Texas"], ["us-ut", "Utah"], ["us-vt", "Vermont"], ["us-va", "Virginia"],
  ["us-wa", "Washington"], ["us-wv", "West Virginia"], ["us-wi", "Wisconsin"], ["us-wy", "Wyoming"],
];

type Props = {
  legend: string;
  /** Names errors and ids, as the API's dotted paths: `shipping_address`, `billing_address`, or an account form's `address`. */
  prefix: "shipping_address" | "billing_address" | "address";
  /** Keeps the ids of several forms on one page apart (the account's address forms). */
  idPrefix?: string;
  value: AddressDraft;
  countries: Country[];
  errors: Record<string, string>;
  onChange: (field: AddressKey, value: string) => void;
};

export function AddressFields({ legend, prefix, idPrefix = "", value, countries, errors, onChange }: Props) {
  // Autofill keeps shipping and billing apart with these section tokens.
  const section = prefix === "billing_address" ? "billing" : "shipping";
  const idOf = (path: string) => idPrefix + fieldId(path);
  const text = (field: AddressKey, label: string, autoComplete: string, options: { required?: boolean; type?: string; inputMode?: "numeric" | "tel" } = {}) => {
    const path = `${prefix}.${field}`;
    return (
      <div className={`field field-${field}`}>
        <label htmlFor={idOf(path)}>
          {label}
          {options.required ? null : <span className="optional"> (optional)</span>}
        </label>
        <input
          id={idOf(path)}
          name={path}
          type={options.type ?? "text"}
          inputMode={options.inputMode}
          autoComplete={`${section} ${autoComplete}`}
          value={value[field]}
          required={options.required}
          onChange={(event) => onChange(field, event.target.value)}
          {...invalidProps(path, errors)}
        />
        <FieldError path={path} errors={errors} />
      </div>
    );
  };
  const select = (field: "country_code" | "province", label: string, autoComplete: string, choices: [string, string][], placeholder: string) => {
    const path = `${prefix}.${field}`;
    return (
      <div className={`field field-${field}`}>
        <label htmlFor={idOf(path)}>{label}</label>
        <select
          id={idOf(path)}
          name={path}
          autoComplete={`${section} ${autoComplete}`}
          value={value[field]}
          required
          onChange={(event) => onChange(field, event.target.value)}
          {...invalidProps(path, errors)}
        >
          <option value="" disabled>
            {placeholder}
          </option>
          {choices.map(([code, name]) => (
            <option key={code} value={code}>
              {name}
            </option>
          ))}
        </select>
        <FieldError path={path} errors={errors} />
      </div>
    );
  };

  const isUS = value.country_code === "us";
  return (
    <fieldset className="address-fields">
      <legend>{legend}</legend>
      <div className="field-row">
        {text("first_name", "First name", "given-name", { required: true })}
        {text("last_name", "Last name", "family-name", { required: true })}
      </div>
      {text("company", "Company", "organization")}
      {text("address_1", "Street address", "address-line1", { required: true })}
      {text("address_2", "Apartment, suite, etc.", "address-line2")}
      <div className="field-row">
        {text("city", "City", "address-level2", { required: true })}
        {isUS
          ? select("province", "State", "address-level1", US_STATES, "Choose a state")
          : text("province", "State / province", "address-level1")}
      </div>
      <div className="field-row">
        {text("postal_code", isUS ? "ZIP code" : "Postal code", "postal-code", { required: true, inputMode: isUS ? "numeric" : undefined })}
        {select("country_code", "Country", "country", countries.map((country) => [country.code, country.name]), "Choose a country")}
      </div>
      {text("phone", "Phone", "tel", { type: "tel", inputMode: "tel" })}
    </fieldset>
  );
}

/** The billing address: the same as shipping (a checkbox), or its own fields. */
export function BillingFieldset(props: {
  same: boolean;
  onSameChange: (same: boolean) => void;
  value: AddressDraft;
  countries: Country[];
  errors: Record<string, string>;
  onChange: (field: AddressKey, value: string) => void;
}) {
  return (
    <fieldset className="billing">
      <legend>Billing address</legend>
      <label className="checkbox">
        <input type="checkbox" checked={props.same} onChange={(event) => props.onSameChange(event.target.checked)} />
        <span>Same as shipping address</span>
      </label>
      {props.same ? null : (
        <AddressFields legend="Billing address details" prefix="billing_address" value={props.value} countries={props.countries} errors={props.errors} onChange={props.onChange} />
      )}
    </fieldset>
  );
}
