import { data, Form, useNavigation, useRouteLoaderData } from "react-router";
import { errorsOf, failureMessage, TextField } from "~/components/account/TextField";
import * as z from "zod/mini";
import { cardLabel } from "~/components/checkout/SavedChoices";
import { profileRequest, removeCardRequest } from "~/lib/account/forms";
import { removeSavedCard, savedCardsOf } from "~/lib/account/saved-cards.server";
import { requireSession } from "~/lib/account/signed-in.server";
import { actionFailure, actionInput } from "~/lib/http/action-failure.server";
import { orBackendFailure } from "~/lib/http/backend-failure.server";
import { noStoreHeaders } from "~/lib/http/headers";
import { readFormFields } from "~/lib/http/request-body.server";
import { updateProfile } from "~/lib/medusa/customer.server";
import { ACCOUNT_LAYOUT, type AccountLayoutData } from "~/lib/account/layout-data";
import type { Route } from "./+types/profile";

export function meta() {
  return [{ title: "Your account · Harbor & Pine" }];
}

export { noStoreDocumentHeaders as headers } from "~/lib/http/headers";

/** The saved cards, read from Stripe with the customer's own Stripe customer (saved-cards.server.ts). */
export async function loader({ request, context }: Route.LoaderArgs) {
  const session = await requireSession(context, request);
  const cards = await savedCardsOf(context.shop.config, context.cloudflare.env, session.customerId).catch((error: unknown) => {
    context.shop.logger.log("warn", "saved cards unavailable", { step: "saved_cards", outcome: "error", error: String(error) });
    return null;
  });
  return data({ cards }, { headers: noStoreHeaders() });
}

const profileIntent = z.discriminatedUnion("intent", [profileRequest, removeCardRequest]);

/**
 * Two intents: `update-profile` (name and phone; the email is the account's sign-in and
 * stays) and `remove-card` (detached in Stripe, only if it is one of this customer's own).
 */
export async function action({ request, context }: Route.ActionArgs) {
  const { shop, cloudflare } = context;
  const session = await requireSession(context, request);
  const input = await actionInput(shop, request, profileIntent, { read: readFormFields, message: (first) => first ?? "Check the form and try again." });
  if (input.failure) return input.failure;
  const intent = input.value;
  if (intent.intent === "remove-card") {
    const removed = await orStripeFailure(shop, () => removeSavedCard(shop.config, cloudflare.env, session.customerId, intent.card_id));
    if (!removed) {
      shop.logger.log("warn", "a card that isn't the customer's", { step: "remove_card", outcome: "error", status: 404 });
      return actionFailure(shop, "not_found", "That card isn't saved to your account.", { fields: { card_id: "Not one of your saved cards." } });
    }
    shop.logger.log("info", "saved card removed", { step: "remove_card", outcome: "ok", customer_id: session.customerId });
    return data({ ok: true as const, message: "Card removed." }, { headers: noStoreHeaders() });
  }
  const { intent: _intent, ...fields } = intent;
  await orBackendFailure(shop, () => updateProfile(shop.medusa, session.token, fields));
  shop.logger.log("info", "profile updated", { step: "update_profile", outcome: "ok", customer_id: session.customerId });
  return data({ ok: true as const, message: "Your details are saved." }, { headers: noStoreHeaders() });
}

/** Stripe unreachable while removing a card: the shopper is told to try again (nothing was removed). */
async function orStripeFailure<T>(shop: Route.ActionArgs["context"]["shop"], work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    shop.logger.log("error", "stripe unavailable", { step: "remove_card", outcome: "error", error: String(error) });
    throw data({ message: "We couldn't reach our payment provider. Please try again in a minute.", traceId: shop.traceId }, { status: 503 });
  }
}

export default function Profile({ loaderData, actionData }: Route.ComponentProps) {
  const account = useRouteLoaderData<AccountLayoutData>(ACCOUNT_LAYOUT);
  const busy = useNavigation().state === "submitting";
  if (!account) return null;
  const { customer } = account;
  const errors = errorsOf(actionData);
  const problem = failureMessage(actionData);
  return (
    <div className="account-content">
      <h1>Your account</h1>
      <section aria-labelledby="profile-heading">
        <h2 id="profile-heading">Profile</h2>
        <Form method="post" className="account-form" noValidate>
          <input type="hidden" name="intent" value="update-profile" />
          <div className="field-row">
            <TextField name="first_name" label="First name" autoComplete="given-name" defaultValue={customer.first_name ?? ""} errors={errors} required maxLength={100} />
            <TextField name="last_name" label="Last name" autoComplete="family-name" defaultValue={customer.last_name ?? ""} errors={errors} required maxLength={100} />
          </div>
          <p className="field">
            <span>Email</span> {customer.email}
          </p>
          <TextField name="phone" label="Phone" type="tel" autoComplete="tel" defaultValue={customer.phone ?? ""} errors={errors} maxLength={40} />
          <p role="status" className={problem ? "form-error" : "form-success"} data-testid="form-status">
            {problem ?? (actionData && actionData.ok ? actionData.message : null)}
          </p>
          <button type="submit" className="button primary" disabled={busy}>
            Save
          </button>
        </Form>
      </section>
      <section aria-labelledby="cards-heading">
        <h2 id="cards-heading">Saved cards</h2>
        {loaderData.cards === null ? (
          <p className="form-error">Your saved cards can't be shown right now. Please try again in a minute.</p>
        ) : loaderData.cards.length === 0 ? (
          <p>No saved cards. Tick "Save this card for next time" when you pay, and it will be offered at your next checkout.</p>
        ) : (
          <ul className="saved-card-list">
            {loaderData.cards.map((card) => (
              <li key={card.id} data-testid="account-saved-card">
                <span>{cardLabel(card)}</span>{" "}
                <Form method="post" className="inline-form">
                  <input type="hidden" name="intent" value="remove-card" />
                  <input type="hidden" name="card_id" value={card.id} />
                  <button type="submit" className="button link" aria-label={`Remove ${cardLabel(card)}`}>
                    Remove
                  </button>
                </Form>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
