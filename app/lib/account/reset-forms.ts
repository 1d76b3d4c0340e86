import * as z from "zod/mini";
import { accountEmail, signUpRequest } from "./forms";

/**
 * The password reset forms' input (README, "Password reset"): asking for a link, and
 * choosing the new password with it. The new password follows sign-up's rules exactly
 * (its schema, not a copy).
 */

export const LINK_PROBLEM = "This link is incomplete or damaged. Ask for a new one.";

/** Medusa's reset token as the link carries it: a JWT (three base64url parts). */
export const resetToken = z
  .string({ error: LINK_PROBLEM })
  .check(z.maxLength(4096, LINK_PROBLEM), z.regex(/^[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}$/, LINK_PROBLEM));

export const forgotPasswordRequest = z.strictObject({
  intent: z.literal("request-reset", { error: "Unknown action" }),
  email: accountEmail,
});

// The link's fields come first: a damaged link is the form's message whatever else is wrong.
export const resetPasswordRequest = z.strictObject({
  intent: z.literal("reset-password", { error: "Unknown action" }),
  token: resetToken,
  email: accountEmail,
  password: signUpRequest.shape.password,
});

/** The link's query (`?token&email`), as the reset page's loader reads it. */
export const resetLinkQuery = z.object({ token: resetToken, email: accountEmail });
