import { Form, Link, redirect, useNavigation } from "react-router";
import * as z from "zod/mini";
import { errorsOf, failureMessage, NewPasswordField, TextField } from "~/components/account/TextField";
import { LINK_PROBLEM, resetLinkQuery, resetPasswordRequest } from "~/lib/account/reset-forms";
import { actionFailure, actionInput } from "~/lib/http/action-failure.server";
import { backendFailure } from "~/lib/http/backend-failure.server";
import { noStoreHeaders } from "~/lib/http/headers";
import { checkLimits, clientKey } from "~/lib/http/rate-limit.server";
import { readFormFields } from "~/lib/http/request-body.server";
import { changePasswordWithLink } from "~/lib/account/password-reset.server";
import { resetTokenClaims } from "~/lib/medusa/password-reset.server";
import type { Route } from "./+types/reset-password";

export function meta() {
  // The address holds the reset token: no page this one links to gets it as a referrer.
  return [{ title: "Choose a new password · Harbor & Pine" }, { name: "referrer", content: "no-referrer" }];
}

export { noStoreDocumentHeaders as headers } from "~/lib/http/headers";

const EXPIRED_OR_USED = "This link has expired or has already been used. Ask for a new one.";
/** The sign-in page, saying that the password is changed (sign-in.tsx reads `reset=done`). */
const PASSWORD_CHANGED_PATH = "/account/sign-in?reset=done";

type LinkState = { state: "ok"; token: string; email: string } | { state: "damaged" | "expired"; email: string };

/**
 * The mail's link as it reads (`?token&email`), without spending it: a link that is plainly
 * damaged (no JWT, another email than its token's) or past its 15 minutes gets no form.
 * Only Medusa knows whether the token is still unused; the action finds out.
 */
function readLink(token: string, email: string, now: number): LinkState {
  const claims = resetTokenClaims(token);
  if (!claims || claims.email.toLowerCase() !== email) return { state: "damaged", email };
  if (claims.expiresAt <= now) return { state: "expired", email };
  return { state: "ok", token, email };
}

export function loader({ request }: Route.LoaderArgs): LinkState {
  const params = new URL(request.url).searchParams;
  const parsed = z.safeParse(resetLinkQuery, { token: params.get("token") ?? undefined, email: params.get("email") ?? undefined });
  if (!parsed.success) return { state: "damaged", email: "" };
  return readLink(parsed.data.token, parsed.data.email, Date.now());
}

/** One intent: `reset-password`. Success sends the shopper to sign in with the new password. */
export async function action({ request, context }: Route.ActionArgs) {
  const { shop, cloudflare } = context;
  const input = await actionInput(shop, request, resetPasswordRequest, { read: readFormFields, message: (first) => first ?? "Check the form and try again." });
  if (input.failure) return input.failure;
  const { token, email, password } = input.value;
  const link = readLink(token, email, Date.now());
  if (link.state === "damaged") return actionFailure(shop, "invalid_request", LINK_PROBLEM, { fields: { token: LINK_PROBLEM } });
  if (link.state === "expired") return actionFailure(shop, "invalid_credentials", EXPIRED_OR_USED);
  // Each try costs Medusa a token check: limited per connection (the account limit's). Not
  // per email: a token can't be guessed, and the per-email budget is the shopper's own for
  // signing in right after the reset.
  const limited = await checkLimits([{ limiter: cloudflare.env.RATE_LIMIT_ACCOUNT_PER_CLIENT, key: clientKey(request), what: "from your connection" }], shop.logger, shop.traceId);
  if (limited) return actionFailure(shop, limited.body.error.code, limited.body.error.message, { headers: limited.headers });
  let changed: boolean;
  try {
    changed = await changePasswordWithLink(shop, cloudflare.env, { token, email, password });
  } catch (error) {
    throw backendFailure(shop, error);
  }
  if (!changed) {
    shop.logger.log("info", "password reset refused", { step: "password_reset", outcome: "error", status: 401 });
    return actionFailure(shop, "invalid_credentials", EXPIRED_OR_USED);
  }
  shop.logger.log("info", "password reset", { step: "password_reset", outcome: "ok" });
  return redirect(PASSWORD_CHANGED_PATH, { headers: noStoreHeaders() });
}

function AskAgain({ email }: { email: string }) {
  return (
    <p>
      <Link to={email ? `/account/forgot-password?email=${encodeURIComponent(email)}` : "/account/forgot-password"}>Ask for a new link</Link>
    </p>
  );
}

export default function ResetPassword({ loaderData, actionData }: Route.ComponentProps) {
  const errors = errorsOf(actionData);
  const problem = failureMessage(actionData);
  const busy = useNavigation().state === "submitting";
  // A refusal about the link itself: the form can't help, a new link can.
  const linkRefused = !!actionData && !actionData.ok && (actionData.error.code === "invalid_credentials" || "token" in errors);

  if (loaderData.state !== "ok") {
    return (
      <main className="page account-form-page" id="main">
        <h1>Choose a new password</h1>
        <p role="alert" className="form-error" data-testid="link-problem">
          {loaderData.state === "expired" ? "This link has expired: links to choose a new password work for 15 minutes." : LINK_PROBLEM}
        </p>
        <AskAgain email={loaderData.email} />
      </main>
    );
  }
  return (
    <main className="page account-form-page" id="main">
      <h1>Choose a new password</h1>
      <p className="muted">{`For the account ${loaderData.email}.`}</p>
      <Form method="post" className="account-form" noValidate>
        <input type="hidden" name="intent" value="reset-password" />
        <input type="hidden" name="token" value={loaderData.token} />
        {/* The account's name for password managers, sent as the form's email. */}
        <input type="email" name="email" value={loaderData.email} autoComplete="username" readOnly hidden />
        <NewPasswordField label="New password" errors={errors} />
        <p role="alert" className="form-error" data-testid="form-error">
          {problem}
        </p>
        {linkRefused ? <AskAgain email={loaderData.email} /> : null}
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? "Saving…" : "Save the new password"}
        </button>
      </Form>
    </main>
  );
}
