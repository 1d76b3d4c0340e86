import { Form, Link, redirect, useNavigation } from "react-router";
import * as z from "zod/mini";
import { errorsOf, failureMessage, NewPasswordField, TextField } from "~/components/account/TextField";
import { accountEmail, nextPath, signUpRequest } from "~/lib/account/forms";
import { readSession } from "~/lib/account/session.server";
import { signUp } from "~/lib/account/sign-in.server";
import { actionFailure, actionInput } from "~/lib/http/action-failure.server";
import { backendFailure } from "~/lib/http/backend-failure.server";
import { accountLimited } from "~/lib/http/rate-limit.server";
import { readFormFields } from "~/lib/http/request-body.server";
import type { Route } from "./+types/register";

export function meta() {
  return [{ title: "Create an account · Harbor & Pine" }];
}

export { noStoreDocumentHeaders as headers } from "~/lib/http/headers";

export async function loader({ request, context }: Route.LoaderArgs) {
  const params = new URL(request.url).searchParams;
  const next = z.parse(nextPath, params.get("next") ?? undefined);
  if (await readSession(context.shop, context.cloudflare.env, request)) throw redirect(next);
  // `?email=`: the order confirmation's "create an account" fills in the order's email (only a valid address is kept).
  const email = z.safeParse(accountEmail, params.get("email") ?? undefined);
  return { next, email: email.success ? email.data : "" };
}

export async function action({ request, context }: Route.ActionArgs) {
  const { shop, cloudflare } = context;
  const input = await actionInput(shop, request, signUpRequest, { read: readFormFields, message: (first) => first ?? "Check the form and try again." });
  if (input.failure) return input.failure;
  const { next, ...fields } = input.value;
  const limited = await accountLimited(shop, cloudflare.env, request, fields.email);
  if (limited) return limited;
  try {
    const outcome = await signUp(context, request, fields, next);
    if (outcome.kind === "signed_in") return outcome.response;
    if (outcome.kind === "exists") {
      return actionFailure(shop, "account_exists", "An account with this email already exists. Sign in, or reset your password.", {
        fields: { email: "This email already has an account." },
      });
    }
    return actionFailure(shop, "invalid_credentials", "Your account was created, but signing in failed. Try signing in.");
  } catch (error) {
    throw backendFailure(shop, error);
  }
}

export default function Register({ loaderData, actionData }: Route.ComponentProps) {
  const errors = errorsOf(actionData);
  const problem = failureMessage(actionData);
  const busy = useNavigation().state === "submitting";
  return (
    <main className="page account-form-page" id="main">
      <h1>Create an account</h1>
      <p className="muted">Your orders in one place, saved addresses, and a faster checkout. Guest checkout stays open to everyone.</p>
      <Form method="post" className="account-form" noValidate>
        <input type="hidden" name="intent" value="sign-up" />
        <input type="hidden" name="next" value={loaderData.next} />
        <div className="field-row">
          <TextField name="first_name" label="First name" autoComplete="given-name" errors={errors} required maxLength={100} />
          <TextField name="last_name" label="Last name" autoComplete="family-name" errors={errors} required maxLength={100} />
        </div>
        <TextField name="email" label="Email" type="email" autoComplete="email" defaultValue={loaderData.email} errors={errors} required />
        <NewPasswordField label="Password" errors={errors} />
        <p role="alert" className="form-error" data-testid="form-error">
          {problem}
        </p>
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? "Creating your account…" : "Create account"}
        </button>
      </Form>
      <p>
        Have an account? <Link to={`/account/sign-in?next=${encodeURIComponent(loaderData.next)}`}>Sign in</Link>.
      </p>
    </main>
  );
}
