import * as z from "zod/mini";
import { addressRequest } from "../checkout/contract";

/**
 * Every account form's input (sign-up, sign-in, profile, addresses), as zod schemas with
 * the messages shown beside each field. Medusa's email/password provider accepts any
 * non-empty password; the rule here (8 to 128 characters) is the storefront's own.
 */

const noControlCharacters = z.refine<string>((value) => !/[\u0000-\u001f\u007f]/.test(value), "Use letters, digits and punctuation only.");

/** Medusa keys accounts by the email exactly as sent: trimmed and lower-cased here, one account per mailbox. */
export const accountEmail = z.pipe(
  z.string({ error: "Enter your email address." }).check(z.trim(), z.toLowerCase(), z.maxLength(254, "That email address is too long.")),
  z.email({ error: "Enter an email address like name@example.com." }),
);

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;
const newPassword = z
  .string({ error: "Choose a password." })
  .check(
    z.minLength(PASSWORD_MIN, `Use at least ${PASSWORD_MIN} characters.`),
    z.maxLength(PASSWORD_MAX, `Use at most ${PASSWORD_MAX} characters.`),
    z.refine((value) => value.trim().length > 0, "Use at least one letter or digit."),
  );

const name = (label: string) =>
  z.string({ error: `Enter your ${label}.` }).check(z.trim(), z.minLength(1, `Enter your ${label}.`), z.maxLength(100, `Your ${label} is too long (at most 100 characters).`), noControlCharacters);

/** Where to go after signing in: a path of this shop only (never `//host` or a full URL). */
export const nextPath = z.pipe(
  z.optional(z.string()),
  z.transform((value) => (value && /^\/(?![/\\])[\x21-\x7e]{0,300}$/.test(value) ? value : "/account")),
);

export const signUpRequest = z.strictObject({
  intent: z.literal("sign-up", { error: "Unknown action" }),
  first_name: name("first name"),
  last_name: name("last name"),
  email: accountEmail,
  password: newPassword,
  next: nextPath,
});

export const signInRequest = z.strictObject({
  intent: z.literal("sign-in", { error: "Unknown action" }),
  email: accountEmail,
  password: z.string({ error: "Enter your password." }).check(z.minLength(1, "Enter your password."), z.maxLength(1024, "That password is too long.")),
  next: nextPath,
});

/** A saved card's id (Stripe's `pm_…`); whose it is, is checked against Stripe. */
export const removeCardRequest = z.strictObject({
  intent: z.literal("remove-card", { error: "Unknown action" }),
  card_id: z.string({ error: "Unknown card" }).check(z.regex(/^pm_[A-Za-z0-9_]{1,100}$/, "Unknown card")),
});

export const profileRequest = z.strictObject({
  intent: z.literal("update-profile", { error: "Unknown action" }),
  first_name: name("first name"),
  last_name: name("last name"),
  phone: z.pipe(
    z.optional(z.string().check(z.trim(), z.maxLength(40, "Your phone number is too long."))),
    z.transform((value) => value ?? ""),
  ).check(z.refine((value) => value === "" || /^[+()\d\s.-]{5,40}$/.test(value), "Enter a phone number with digits only.")),
});

const ADDRESS_ID = /^(caddr|cuaddr)_[A-Za-z0-9]{10,64}$/;
export const addressId = z.string({ error: "Unknown address" }).check(z.regex(ADDRESS_ID, "Unknown address"));

/** A checkbox: "on" when ticked, absent when not. */
const checkbox = z.pipe(z.optional(z.literal("on", { error: "Tick the box or leave it empty." })), z.transform((value) => value === "on"));

/** An address form: the checkout's address rules, plus the default flags. */
export const addressFields = z.extend(addressRequest, {
  is_default_shipping: checkbox,
  is_default_billing: checkbox,
});

export const addressIntent = z.discriminatedUnion("intent", [
  z.strictObject({ intent: z.literal("add-address"), address: addressFields }),
  z.strictObject({ intent: z.literal("update-address"), address_id: addressId, address: addressFields }),
  z.strictObject({ intent: z.literal("delete-address"), address_id: addressId }),
  z.strictObject({ intent: z.literal("set-default"), address_id: addressId, kind: z.enum(["shipping", "billing"], { error: "Choose shipping or billing." }) }),
]);
export type AddressIntent = z.infer<typeof addressIntent>;
