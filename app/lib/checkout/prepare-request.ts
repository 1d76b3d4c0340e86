import { z } from "zod";

/**
 * The body of `POST /api/carts/:id/prepare-for-payment` (checkout contract, section 2),
 * as JSON or as form fields with dotted names (`shipping_address.city`). Messages are
 * written for the shopper: they appear beside the field.
 */
const text = (label: string, max: number) =>
  z
    .string({ error: `Enter your ${label}.` })
    .trim()
    .min(1, `Enter your ${label}.`)
    .max(max, `Your ${label} is too long (at most ${max} characters).`)
    .refine((value) => !/[\u0000-\u001f\u007f]/.test(value), `Your ${label} contains characters we can't use.`);

const optionalText = (label: string, max: number) =>
  z
    .string()
    .trim()
    .max(max, `Your ${label} is too long (at most ${max} characters).`)
    .refine((value) => !/[\u0000-\u001f\u007f]/.test(value), `Your ${label} contains characters we can't use.`)
    .optional()
    .transform((value) => (value ? value : null));

const US_ZIP = /^\d{5}(-\d{4})?$/;

export const addressSchema = z
  .strictObject({
    first_name: text("first name", 100),
    last_name: text("last name", 100),
    company: optionalText("company", 200),
    address_1: text("street address", 200),
    address_2: optionalText("apartment or suite", 200),
    city: text("city", 100),
    postal_code: text("postal code", 20),
    province: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[a-z]{2}-[a-z0-9]{1,3}$/, "Choose a state or province from the list.")
      .optional()
      .transform((value) => value ?? null),
    country_code: z
      .string({ error: "Choose a country." })
      .trim()
      .toLowerCase()
      .regex(/^[a-z]{2}$/, "Choose a country from the list."),
    phone: optionalText("phone number", 40).refine((value) => value === null || /^[+()\d\s.-]{5,40}$/.test(value), "Enter a phone number with digits only."),
  })
  .superRefine((address, ctx) => {
    if (address.country_code === "us") {
      if (!US_ZIP.test(address.postal_code)) {
        ctx.addIssue({ code: "custom", path: ["postal_code"], message: "Enter a 5-digit ZIP code, like 78701." });
      }
      if (!address.province) {
        ctx.addIssue({ code: "custom", path: ["province"], message: "Choose a state." });
      } else if (!address.province.startsWith("us-")) {
        ctx.addIssue({ code: "custom", path: ["province"], message: "Choose a US state." });
      }
    }
  });
export type AddressFields = z.infer<typeof addressSchema>;

const email = z
  .string({ error: "Enter your email address." })
  .trim()
  .max(254, "That email address is too long.")
  .pipe(z.email({ error: "Enter an email address like name@example.com." }))
  // Domains are case-insensitive; the local part may not be, so only the domain is lowered.
  .transform((value) => {
    const at = value.lastIndexOf("@");
    return value.slice(0, at + 1) + value.slice(at + 1).toLowerCase();
  });

/** An idempotency key, in the body or as the `Idempotency-Key` header. */
export const idempotencyKey = z.string().regex(/^[\x21-\x7e]{8,255}$/, "The idempotency key must be 8-255 printable characters.");

export const prepareRequestSchema = z.strictObject({
  email,
  shipping_address: addressSchema,
  billing_address: addressSchema.optional(),
  shipping_option_id: z
    .string({ error: "Choose a shipping option." })
    .trim()
    .regex(/^so_[A-Za-z0-9]{1,64}$/, "Choose a shipping option."),
  payment_collection_id: z
    .string()
    .regex(/^pay_col_[A-Za-z0-9]{1,64}$/, "This payment is not for this cart.")
    .optional(),
  expected_total: z.coerce
    .number({ error: "The total must be a whole number of cents." })
    .int("The total must be a whole number of cents.")
    .min(0)
    .max(100_000_000)
    .optional(),
  idempotency_key: idempotencyKey.optional(),
});
export type PrepareRequest = z.infer<typeof prepareRequestSchema>;

/** Form fields with dotted names become the nested object the schema reads. */
export function formToObject(form: Iterable<[string, unknown]>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [name, value] of form) {
    if (typeof value !== "string") continue;
    const path = name.split(".");
    if (path.length > 2 || path.some((part) => !/^[a-z0-9_]{1,40}$/.test(part))) {
      result[name] = value; // kept, so the strict schema names it as unknown
      continue;
    }
    const [head, leaf] = path as [string, string | undefined];
    if (leaf === undefined) {
      result[head] = value;
    } else {
      const nested = result[head];
      const target: Record<string, unknown> = typeof nested === "object" && nested !== null ? (nested as Record<string, unknown>) : {};
      target[leaf] = value;
      result[head] = target;
    }
  }
  // An unchecked "billing same as shipping" checkbox sends nothing; empty billing fields mean "same".
  if (typeof result.billing_address === "object" && result.billing_address !== null) {
    const billing = result.billing_address as Record<string, unknown>;
    if (Object.values(billing).every((value) => value === "")) delete result.billing_address;
  }
  return result;
}

/** zod issues as `{ "shipping_address.city": "Enter your city." }`, first message per field. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const path = issue.path.join(".") || "body";
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) fields[[...issue.path, key].join(".")] ??= "This field is not accepted.";
      continue;
    }
    fields[path] ??= issue.message;
  }
  return fields;
}

/** JSON with object keys sorted, so equal bodies hash equal whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, entry]) => entry !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${canonicalJson(entry)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}
