import { Form, Link, redirect, useNavigation, useSearchParams } from "react-router";
import { errorsOf, failureMessage, TextField } from "~/components/account/TextField";
import { nextPath, signInRequest } from "~/lib/account/forms";
import { readSession } from "~/lib/account/session.server";
import { signInWithPassword } from "~/lib/account/sign-in.server";
import { actionFailure, actionInput } from "~/lib/http/action-failure.server";
import { backendFailure } from "~/lib/http/backend-failure.server";
import { accountLimited } from "~/lib/http/rate-limit.server";
import { readFormFields } from "~/lib/http/request-body.server";
import * as z from "zod/mini";
import type { Route } from "./+types/sign-in";

export function meta() {
  return [{ title: "Sign in · Harbor & Pine" }];
}

export { noStoreDocumentHeaders as headers } from "~/lib/http/headers";

export async function loader({ request, context }: Route.LoaderArgs) {
  const next = z.parse(nextPath, new URL(request.url).searchParams.get("next") ?? undefined);
  if (await readSession(context.shop, context.cloudflare.env, request)) throw redirect(next);
  return { next };
}

export async function action({ request, context }: Route.ActionArgs) {
  const { shop, cloudflare } = context;
  const input = await actionInput(shop, request, signInRequest, { read: readFormFields, message: (first) => first ?? "Check the form and try again." });
  if (input.failure) return input.failure;
  const { email, password, next } = input.value;
  const limited = await accountLimited(shop, cloudflare.env, request, email);
  if (limited) return limited;
  try {
    const outcome = await signInWithPassword(context, request, { email, password }, next);
    if (outcome.kind === "signed_in") return outcome.response;
    // One message for a wrong password and an unknown email: it tells nobody which accounts exist.
    return actionFailure(shop, "invalid_credentials", "That email and password don't match an account. Check both, or reset your password.");
  } catch (error) {
    throw backendFailure(shop, error);
  }
}

export default function SignIn({ loaderData, actionData }: Route.ComponentProps) {
  const errors = errorsOf(actionData);
  const problem = failureMessage(actionData);
  const busy = useNavigation().state === "submitting";
  // Where a password reset ends (reset-password.tsx).
  const passwordChanged = useSearchParams()[0].get("reset") === "done";
  return (
    <main className="page account-form-page" id="main">
      <h1>Sign in</h1>
      {passwordChanged ? (
        <p role="status" className="form-success" data-testid="password-changed">
          Your password is changed. Sign in with the new one.
        </p>
      ) : null}
      <Form method="post" className="account-form" noValidate>
        <input type="hidden" name="intent" value="sign-in" />
        <input type="hidden" name="next" value={loaderData.next} />
        <TextField name="email" label="Email" type="email" autoComplete="email" errors={errors} required />
        <TextField name="password" label="Password" type="password" autoComplete="current-password" errors={errors} required />
        <p>
          <Link to="/account/forgot-password">Forgot your password?</Link>
        </p>
        <p role="alert" className="form-error" data-testid="form-error">
          {problem}
        </p>
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </Form>
      <p>
        New here? <Link to={`/account/register?next=${encodeURIComponent(loaderData.next)}`}>Create an account</Link>. You can also check out as a guest.
      </p>
    </main>
  );
}
