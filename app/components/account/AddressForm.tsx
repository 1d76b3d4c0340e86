import { useState } from "react";
import { Form, useNavigation } from "react-router";
import { AddressFields, type Country } from "../checkout/AddressFields";
import { addressForm } from "../checkout/address-form";
import type { CustomerAddress } from "~/lib/medusa/customer.server";

/** The account's add / edit address form (one intent each), with the default flags. */
export function AddressForm(props: {
  intent: "add-address" | "update-address";
  address: CustomerAddress | null;
  countries: Country[];
  defaultCountry: string;
  errors: Record<string, string>;
  submitLabel: string;
}) {
  const { address, countries, errors } = props;
  const [draft, setDraft] = useState(() => addressForm(address, countries, props.defaultCountry));
  const navigation = useNavigation();
  const busy = navigation.state === "submitting" && navigation.formData?.get("intent") === props.intent && navigation.formData?.get("address_id") === (address?.id ?? null);
  const idPrefix = address ? `${address.id}-` : "new-";
  return (
    <Form method="post" className="account-form address-form" noValidate>
      <input type="hidden" name="intent" value={props.intent} />
      {address ? <input type="hidden" name="address_id" value={address.id} /> : null}
      <AddressFields
        legend={address ? "Edit address" : "New address"}
        prefix="address"
        idPrefix={idPrefix}
        value={draft}
        countries={countries}
        errors={errors}
        onChange={(field, value) => setDraft((current) => ({ ...current, [field]: value }))}
      />
      <label className="checkbox">
        <input type="checkbox" name="address.is_default_shipping" defaultChecked={address?.is_default_shipping ?? false} /> Default shipping address
      </label>
      <label className="checkbox">
        <input type="checkbox" name="address.is_default_billing" defaultChecked={address?.is_default_billing ?? false} /> Default billing address
      </label>
      <button type="submit" className="button primary" disabled={busy}>
        {props.submitLabel}
      </button>
    </Form>
  );
}
