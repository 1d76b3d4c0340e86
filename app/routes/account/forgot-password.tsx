import { data, Form, Link, useNavigation } from "react-router";
import * as z from "zod/mini";
import { errorsOf, failureMessage, TextField } from "~/components/account/TextField";
import { accountEmail } from "~/lib/account/forms";
import { forgotPasswordRequest } from "~/lib/account/reset-forms";
import { actionInput } from "~/lib/http/action-failure.server";
import { orBackendFailure } from "~/lib/http/backend-failure.server";
import { noStoreHeaders } from "~/lib/http/headers";
import { accountLimited } from "~/lib/http/rate-limit.server";
import { readFormFields } from "~/lib/http/request-body.server";
import { requestPasswordReset } from "~/lib/medusa/password-reset.server";
import type { Route } from "./+types/forgot-password";

export function meta() {
  return [{ title: "Forgot your password · Harbor & Pine" }];
}

export { noStoreDocumentHeaders as headers } from "~/lib/http/headers";

/** `?email=` fills the field in (the reset page's "ask for a new link" passes it on). */
export function loader({ request }: Route.LoaderArgs) {
  const parsed = z.safeParse(accountEmail, new URL(request.url).searchParams.get("email") ?? undefined);
  return { email: parsed.success ? parsed.data : "" };
}

/**
 * One intent: `request-reset`. The answer is the same whether or not the email has an
 * account (Medusa's is too), so the page tells nobody which accounts exist; it only
 * promises what is true either way.
 */
export async function action({ request, context }: Route.ActionArgs) {
  const { shop, cloudflare } = context;
  const input = await actionInput(shop, request, forgotPasswordRequest, { read: readFormFields, message: (first) => first ?? "Check the form and try again." });
  if (input.failure) return input.failure;
  const { email } = input.value;
  // Each request can send a mail: limited per connection and per address like sign-in.
  const limited = await accountLimited(shop, cloudflare.env, request, email);
  if (limited) return limited;
  await orBackendFailure(shop, () => requestPasswordReset(shop.medusa, email));
  shop.logger.log("info", "password reset requested", { step: "password_reset_request", outcome: "ok" });
  return data(
    { ok: true as const, email, message: "If an account uses this email, a link to choose a new password is on its way. It works once, within 15 minutes." },
    { headers: noStoreHeaders() },
  );
}

export default function ForgotPassword({ loaderData, actionData }: Route.ComponentProps) {
  const errors = errorsOf(actionData);
  const problem = failureMessage(actionData);
  const busy = useNavigation().state === "submitting";
  const sent = actionData && actionData.ok ? actionData : null;
  return (
    <main className="page account-form-page" id="main">
      <h1>Forgot your password?</h1>
      {sent ? (
        <>
          <p role="status" className="form-success" data-testid="form-status">
            {sent.message}
          </p>
          <p className="muted">
            Nothing after a few minutes? Check that {sent.email} is the address you signed up with and look in your spam folder, or{" "}
            <Link to={`/account/forgot-password?email=${encodeURIComponent(sent.email)}`}>ask again</Link>.
          </p>
        </>
      ) : (
        <>
          <p className="muted">Enter the email you sign in with, and we'll send a link to choose a new password.</p>
          <Form method="post" className="account-form" noValidate>
            <input type="hidden" name="intent" value="request-reset" />
            <TextField name="email" label="Email" type="email" autoComplete="email" defaultValue={loaderData.email} errors={errors} required />
            <p role="alert" className="form-error" data-testid="form-error">
              {problem}
            </p>
            <button type="submit" className="button primary" disabled={busy}>
              {busy ? "Sending…" : "Send the link"}
            </button>
          </Form>
        </>
      )}
      <p>
        Remembered it? <Link to="/account/sign-in">Sign in</Link>.
      </p>
    </main>
  );
}
