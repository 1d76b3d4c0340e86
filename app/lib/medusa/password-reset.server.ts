import { z } from "zod";
import { MedusaError, type MedusaClient } from "./client.server";

/**
 * Medusa's password reset for customers (Medusa 2.21, read from its source and measured:
 * README "Password reset").
 *
 * - `POST /auth/customer/emailpass/reset-password {identifier}` answers 201 with no body
 *   whatever the email. For an email with an identity it stores a single-use token (15
 *   minutes; a newer one replaces it) and emits `auth.password_reset` with the token as a
 *   JWT; Medusa's subscriber mails the link (dev/medusa/src/subscribers/password-reset.ts).
 * - `POST /auth/customer/emailpass/update` with `Authorization: Bearer <that JWT>` and
 *   `{email, password}` sets the password of the identity the token names (the body's
 *   email is not used). The token is spent before the password is written, so a later
 *   use, an expired, replaced or tampered token, or a session token all get the same
 *   401 "Invalid token" (but two uses at once can both pass the check: the storefront
 *   sends a link's uses one at a time, account/password-reset.server.ts); the password is validated here first, so a token is never spent
 *   on input Medusa would refuse.
 * - Sessions signed in before the reset keep their tokens until those expire.
 */

const updated = z.object({ success: z.literal(true) });

/** Asks Medusa to mail a reset link; resolves the same way whether or not the email has an account. */
export async function requestPasswordReset(medusa: MedusaClient, email: string): Promise<void> {
  await medusa.request("/auth/customer/emailpass/reset-password", { method: "POST", body: { identifier: email }, schema: z.unknown() });
}

/** Sets the password with a reset token: `false` when Medusa refuses the token (nothing changed). */
export async function resetPassword(medusa: MedusaClient, token: string, input: { email: string; password: string }): Promise<boolean> {
  try {
    await medusa.request("/auth/customer/emailpass/update", { method: "POST", token, body: { email: input.email, password: input.password }, schema: updated });
    return true;
  } catch (error) {
    if (error instanceof MedusaError && error.kind === "http" && error.status === 401) return false;
    throw error;
  }
}

/**
 * What a reset token says about itself, read without verifying it (Medusa verifies it when
 * it is used): the email it was issued for and when it expires. Only for words on the page
 * and for refusing a link that is plainly expired or mismatched without spending a call.
 */
export function resetTokenClaims(token: string): { email: string; expiresAt: number } | null {
  try {
    const part = token.split(".")[1] ?? "";
    const payload = JSON.parse(atob(part.replaceAll("-", "+").replaceAll("_", "/"))) as { entity_id?: unknown; exp?: unknown; purpose?: unknown };
    if (typeof payload.entity_id !== "string" || typeof payload.exp !== "number" || payload.purpose !== "reset") return null;
    return { email: payload.entity_id, expiresAt: payload.exp * 1000 };
  } catch {
    return null;
  }
}
