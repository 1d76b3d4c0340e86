import { data, Form, useNavigation, useRouteLoaderData } from "react-router";
import { errorsOf, failureMessage, TextField } from "~/components/account/TextField";
import { profileRequest } from "~/lib/account/forms";
import { requireSession } from "~/lib/account/signed-in.server";
import { actionInput } from "~/lib/http/action-failure.server";
import { orBackendFailure } from "~/lib/http/backend-failure.server";
import { noStoreHeaders } from "~/lib/http/headers";
import { readFormFields } from "~/lib/http/request-body.server";
import { updateProfile } from "~/lib/medusa/customer.server";
import type { loader as accountLoader } from "./layout";
import type { Route } from "./+types/profile";

export function meta() {
  return [{ title: "Your account · Harbor & Pine" }];
}

export { noStoreDocumentHeaders as headers } from "~/lib/http/headers";

/** One intent: `update-profile` (name and phone; the email is the account's sign-in and stays). */
export async function action({ request, context }: Route.ActionArgs) {
  const { shop } = context;
  const session = await requireSession(context, request);
  const input = await actionInput(shop, request, profileRequest, { read: readFormFields, message: (first) => first ?? "Check the form and try again." });
  if (input.failure) return input.failure;
  const { intent: _intent, ...fields } = input.value;
  await orBackendFailure(shop, () => updateProfile(shop.medusa, session.token, fields));
  shop.logger.log("info", "profile updated", { step: "update_profile", outcome: "ok", customer_id: session.customerId });
  return data({ ok: true as const, message: "Your details are saved." }, { headers: noStoreHeaders() });
}

export default function Profile({ actionData }: Route.ComponentProps) {
  const account = useRouteLoaderData<typeof accountLoader>("routes/account/layout");
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
    </div>
  );
}
