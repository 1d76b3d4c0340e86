import { data, Form, useRouteLoaderData } from "react-router";
import { AddressForm } from "~/components/account/AddressForm";
import { addressIntent, type AddressIntent } from "~/lib/account/forms";
import { requireSession } from "~/lib/account/signed-in.server";
import { AddressBlock } from "~/components/AddressBlock";
import { actionFailure, actionInput } from "~/lib/http/action-failure.server";
import { orBackendFailure } from "~/lib/http/backend-failure.server";
import { noStoreHeaders } from "~/lib/http/headers";
import { readJsonOrForm } from "~/lib/http/request-body.server";
import { getRegion, regionCountries } from "~/lib/medusa/catalog.server";
import { addAddress, deleteAddress, listAddresses, updateAddress, type AddressInput } from "~/lib/medusa/customer.server";
import { ACCOUNT_LAYOUT, type AccountLayoutData } from "~/lib/account/layout-data";
import type { Route } from "./+types/addresses";

export function meta() {
  return [{ title: "Your addresses · Harbor & Pine" }];
}

export { noStoreDocumentHeaders as headers } from "~/lib/http/headers";

export async function loader({ context }: Route.LoaderArgs) {
  const region = await orBackendFailure(context.shop, () => getRegion(context.shop));
  const countries = regionCountries(region);
  return { countries, defaultCountry: countries[0]?.code ?? "" };
}

/**
 * One intent per form: add, update, delete, make default. An address id must be one of
 * the customer's own (read from Medusa with their token) before anything is written:
 * anyone else's is "not found" and never reaches Medusa as a write.
 */
export async function action({ request, context }: Route.ActionArgs) {
  const { shop } = context;
  const session = await requireSession(context, request);
  const input = await actionInput(shop, request, addressIntent, { read: readJsonOrForm, message: (first) => first ?? "Check the address and try again." });
  if (input.failure) return input.failure;
  const intent = input.value;
  return orBackendFailure(shop, async () => {
    if (intent.intent === "add-address" || intent.intent === "update-address") {
      const region = await getRegion(shop);
      if (!region.countries.some((country) => country.iso_2.toLowerCase() === intent.address.country_code)) {
        return actionFailure(shop, "invalid_request", "We don't ship to that country.", { fields: { "address.country_code": "We don't ship to that country." } });
      }
    }
    if (intent.intent === "add-address") {
      await addAddress(shop.medusa, session.token, toMedusa(intent.address));
      return done(shop, session.customerId, intent, "Address saved.");
    }
    const own = await listAddresses(shop.medusa, session.token);
    if (!own.some((address) => address.id === intent.address_id)) {
      shop.logger.log("warn", "another customer's address refused", { step: "address_access", outcome: "error", status: 404 });
      return actionFailure(shop, "not_found", "That address isn't in your account.", { fields: { address_id: "Not one of your addresses." } });
    }
    let found: boolean;
    if (intent.intent === "update-address") found = await updateAddress(shop.medusa, session.token, intent.address_id, toMedusa(intent.address));
    else if (intent.intent === "delete-address") found = await deleteAddress(shop.medusa, session.token, intent.address_id);
    else found = await updateAddress(shop.medusa, session.token, intent.address_id, intent.kind === "shipping" ? { is_default_shipping: true } : { is_default_billing: true });
    if (!found) return actionFailure(shop, "not_found", "That address isn't in your account any more.");
    const message = intent.intent === "delete-address" ? "Address deleted." : intent.intent === "set-default" ? `Default ${intent.kind} address set.` : "Address saved.";
    return done(shop, session.customerId, intent, message);
  });
}

function done(shop: Route.ActionArgs["context"]["shop"], customerId: string, intent: AddressIntent, message: string) {
  shop.logger.log("info", intent.intent, { step: intent.intent, outcome: "ok", customer_id: customerId });
  return data({ ok: true as const, message, intent: intent.intent }, { headers: noStoreHeaders() });
}

type AddressValue = Extract<AddressIntent, { intent: "add-address" }>["address"];

function toMedusa(address: AddressValue): AddressInput {
  const optional = (value: string | null) => value ?? "";
  return {
    first_name: address.first_name,
    last_name: address.last_name,
    company: optional(address.company),
    address_1: address.address_1,
    address_2: optional(address.address_2),
    city: address.city,
    province: optional(address.province),
    postal_code: address.postal_code,
    country_code: address.country_code,
    phone: optional(address.phone),
    is_default_shipping: address.is_default_shipping,
    is_default_billing: address.is_default_billing,
  };
}

export default function Addresses({ loaderData, actionData }: Route.ComponentProps) {
  const account = useRouteLoaderData<AccountLayoutData>(ACCOUNT_LAYOUT);
  if (!account) return null;
  const { countries, defaultCountry } = loaderData;
  const addresses = account.customer.addresses;
  const failure = actionData && !actionData.ok ? actionData.error : null;
  const errors = failure?.fields ?? {};
  return (
    <div className="account-content">
      <h1>Your addresses</h1>
      <p role="status" aria-live="polite" className={failure ? "form-error" : "form-success"} data-testid="form-status">
        {failure ? failure.message : actionData?.ok ? actionData.message : null}
      </p>
      {addresses.length === 0 ? <p>No saved addresses yet. Add one below, or save one at checkout.</p> : null}
      <ul className="address-list">
        {addresses.map((address) => (
          <li key={address.id} className="saved-address" data-testid="saved-address" data-address-id={address.id}>
            <AddressBlock address={address} />
            <p className="muted">
              {[address.is_default_shipping ? "Default shipping" : null, address.is_default_billing ? "Default billing" : null].filter(Boolean).join(" · ")}
            </p>
            <div className="address-actions">
              {address.is_default_shipping ? null : <DefaultButton id={address.id} kind="shipping" />}
              {address.is_default_billing ? null : <DefaultButton id={address.id} kind="billing" />}
              <Form method="post">
                <input type="hidden" name="intent" value="delete-address" />
                <input type="hidden" name="address_id" value={address.id} />
                <button type="submit" className="button link">
                  Delete
                </button>
              </Form>
            </div>
            <details>
              <summary>Edit</summary>
              <AddressForm intent="update-address" address={address} countries={countries} defaultCountry={defaultCountry} errors={{}} submitLabel="Save address" />
            </details>
          </li>
        ))}
      </ul>
      <section aria-labelledby="new-address-heading">
        <h2 id="new-address-heading">Add an address</h2>
        <AddressForm intent="add-address" address={null} countries={countries} defaultCountry={defaultCountry} errors={errors} submitLabel="Add address" key={addresses.length} />
      </section>
    </div>
  );
}

function DefaultButton({ id, kind }: { id: string; kind: "shipping" | "billing" }) {
  return (
    <Form method="post">
      <input type="hidden" name="intent" value="set-default" />
      <input type="hidden" name="address_id" value={id} />
      <input type="hidden" name="kind" value={kind} />
      <button type="submit" className="button">
        Make default {kind}
      </button>
    </Form>
  );
}
