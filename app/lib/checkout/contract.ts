import * as z from "zod/mini";

/**
 * The checkout's JSON contract (checkout contract, section 2) as zod schemas: the
 * prepare-for-payment request, its success, the error shape shared by every
 * state-changing request, and the checkout page's shipping refresh. The server builds its
 * answers with these types, the browser parses answers with these schemas, tests type
 * their bodies with them. zod/mini, so the browser bundle stays small.
 */

// ---- errors: one shape, one status per code

export const ERROR_STATUS = {
  invalid_request: 400,
  /** Account routes: wrong email or password (one neutral message for both). */
  invalid_credentials: 401,
  /** Account routes: no session, or it ended or expired. */
  sign_in_required: 401,
  forbidden: 403,
  /** Account routes: an order or address that isn't the signed-in customer's (or doesn't exist). */
  not_found: 404,
  cart_not_found: 404,
  item_not_found: 404,
  cart_completed: 409,
  total_changed: 409,
  cart_changed: 409,
  idempotency_key_reused: 409,
  in_progress: 409,
  payment_in_progress: 409,
  out_of_stock: 409,
  cart_update_refused: 409,
  /** Account routes: registering an email that already has an account. */
  account_exists: 409,
  payload_too_large: 413,
  shipping_option_unavailable: 422,
  rate_limited: 429,
  backend_error: 502,
  backend_unavailable: 503,
  backend_timeout: 504,
} as const;

export type CheckoutErrorCode = keyof typeof ERROR_STATUS;
export const STATUS: Record<CheckoutErrorCode, number> = ERROR_STATUS;
export const errorCode = z.enum(Object.keys(ERROR_STATUS) as [CheckoutErrorCode, ...CheckoutErrorCode[]]);

const fieldMessages = z.record(z.string(), z.string());

export const errorBody = z.object({
  error: z.object({
    code: errorCode,
    message: z.string(),
    step: z.optional(z.string()),
    fields: z.optional(fieldMessages),
    rolled_back: z.optional(z.boolean()),
    /** Cart fields that still differ from before the request (see docs/decisions/0002). */
    left_changed: z.optional(z.array(z.string())),
    /** For `total_changed`: the fresh total in minor units. */
    amount: z.optional(z.number()),
    /** For `out_of_stock`: each variant short of stock, what the cart wants and what is left. */
    lines: z.optional(z.array(z.object({ variant_id: z.string(), title: z.nullable(z.string()), wanted: z.number(), available: z.number() }))),
  }),
  trace_id: z.string(),
});
export type CheckoutErrorBody = z.infer<typeof errorBody>;
export type CheckoutError = CheckoutErrorBody["error"];

/** A page action's refusal (add to cart, change a line, the shipping refresh): the error shape with `ok: false`. */
export const actionFailureBody = z.object({
  ok: z.literal(false),
  error: z.object({ code: errorCode, message: z.string(), fields: z.optional(fieldMessages) }),
  trace_id: z.string(),
});
export type ActionFailureBody = z.infer<typeof actionFailureBody>;

// ---- prepare-for-payment: success

export const preparedBody = z.object({
  client_secret: z.string(),
  checkout_attempt_id: z.string(),
  payment_intent_id: z.string(),
  /** Minor units: exactly what the PaymentIntent charges. */
  amount: z.number(),
  currency_code: z.string(),
  trace_id: z.string(),
});
export type CheckoutSuccessBody = z.infer<typeof preparedBody>;

// ---- the checkout page's summary and its shipping refresh (major units, as Medusa sends them)

export const checkoutSummaryBody = z.object({
  cartId: z.string(),
  currency: z.string(),
  items: z.array(
    /** `total`: the line before tax, so the lines add up to the subtotal. */
    z.object({ id: z.string(), title: z.string(), variant: z.nullable(z.string()), quantity: z.number(), total: z.number() }),
  ),
  /** null until a shipping method is chosen. */
  shipping: z.nullable(z.number()),
  discount: z.number(),
  /** False while Medusa has no address to tax by. The tax line is total − the others (app/lib/summary-lines.ts). */
  taxKnown: z.boolean(),
  total: z.number(),
  shippingOptionId: z.nullable(z.string()),
});
export type CheckoutSummary = z.infer<typeof checkoutSummaryBody>;

export const shippingOptionViewBody = z.object({
  id: z.string(),
  name: z.string(),
  /** null: a calculated price Medusa can't give yet. */
  amount: z.nullable(z.number()),
  available: z.boolean(),
});
export type ShippingOptionView = z.infer<typeof shippingOptionViewBody>;

export const shippingRefreshedBody = z.object({
  ok: z.literal(true),
  summary: checkoutSummaryBody,
  shippingOptions: z.array(shippingOptionViewBody),
  /** Why the chosen option could not be kept, when it couldn't. */
  message: z.nullable(z.string()),
});
export type ShippingRefreshedBody = z.infer<typeof shippingRefreshedBody>;
export const shippingRefreshAnswer = z.union([shippingRefreshedBody, actionFailureBody]);

/** Address parts as typed so far: any may be empty while the shopper fills the form. */
const part = (max: number) => z.optional(z.string().check(z.trim(), z.maxLength(max, `At most ${max} characters`)));

export const addressDraftRequest = z.strictObject({
  first_name: part(100),
  last_name: part(100),
  company: part(200),
  address_1: part(200),
  address_2: part(200),
  city: part(100),
  postal_code: part(20),
  // Medusa's province codes are lower-case ISO 3166-2 (`us-tx`): "US-TX" matches no tax rate or zone.
  province: z.pipe(part(100), z.transform((value) => (value && /^[a-z]{2}-[a-z0-9]{1,3}$/i.test(value) ? value.toLowerCase() : value))),
  country_code: z.optional(z.string().check(z.trim(), z.toLowerCase(), z.regex(/^([a-z]{2})?$/, "Choose a country from the list."))),
  phone: part(40),
});

/** The checkout page's background refresh: the address as it stands, and the chosen option. */
export const shippingRefreshRequest = z.strictObject({
  intent: z.literal("shipping-options"),
  shipping_address: addressDraftRequest,
  shipping_option_id: z.nullish(z.string().check(z.regex(/^so_[A-Za-z0-9]{1,64}$/, "Choose a shipping option."))),
});

// ---- prepare-for-payment: the request, as JSON or as form fields with dotted names
// (`shipping_address.city`). Messages are written for the shopper: they appear beside the field.

const noControlCharacters = (label: string) =>
  z.refine<string>((value) => !/[\u0000-\u001f\u007f]/.test(value), `Your ${label} contains characters we can't use.`);

const text = (label: string, max: number) =>
  z
    .string({ error: `Enter your ${label}.` })
    .check(
      z.trim(),
      z.minLength(1, `Enter your ${label}.`),
      z.maxLength(max, `Your ${label} is too long (at most ${max} characters).`),
      noControlCharacters(label),
    );

const optionalText = (label: string, max: number) =>
  z.pipe(
    z.optional(z.string().check(z.trim(), z.maxLength(max, `Your ${label} is too long (at most ${max} characters).`), noControlCharacters(label))),
    z.transform((value) => (value ? value : null)),
  );

const US_ZIP = /^\d{5}(-\d{4})?$/;

export const addressRequest = z
  .strictObject({
    first_name: text("first name", 100),
    last_name: text("last name", 100),
    company: optionalText("company", 200),
    address_1: text("street address", 200),
    address_2: optionalText("apartment or suite", 200),
    city: text("city", 100),
    postal_code: text("postal code", 20),
    province: z.pipe(
      z.optional(z.string().check(z.trim(), z.toLowerCase(), z.regex(/^[a-z]{2}-[a-z0-9]{1,3}$/, "Choose a state or province from the list."))),
      z.transform((value) => value ?? null),
    ),
    country_code: z.string({ error: "Choose a country." }).check(z.trim(), z.toLowerCase(), z.regex(/^[a-z]{2}$/, "Choose a country from the list.")),
    phone: optionalText("phone number", 40).check(
      z.refine((value) => value === null || /^[+()\d\s.-]{5,40}$/.test(value), "Enter a phone number with digits only."),
    ),
  })
  .check(
    z.superRefine((address, ctx) => {
      if (address.country_code !== "us") return;
      if (!US_ZIP.test(address.postal_code)) {
        ctx.addIssue({ code: "custom", path: ["postal_code"], message: "Enter a 5-digit ZIP code, like 78701." });
      }
      if (!address.province) {
        ctx.addIssue({ code: "custom", path: ["province"], message: "Choose a state." });
      } else if (!address.province.startsWith("us-")) {
        ctx.addIssue({ code: "custom", path: ["province"], message: "Choose a US state." });
      }
    }),
  );

const email = z.pipe(
  z.pipe(z.string({ error: "Enter your email address." }).check(z.trim(), z.maxLength(254, "That email address is too long.")), z.email({ error: "Enter an email address like name@example.com." })),
  // Domains are case-insensitive; the local part may not be, so only the domain is lowered.
  z.transform((value: string) => {
    const at = value.lastIndexOf("@");
    return value.slice(0, at + 1) + value.slice(at + 1).toLowerCase();
  }),
);

/** An idempotency key, in the body or as the `Idempotency-Key` header. */
export const idempotencyKey = z.string().check(z.regex(/^[\x21-\x7e]{8,255}$/, "The idempotency key must be 8-255 printable characters."));

export const prepareRequest = z.strictObject({
  email,
  shipping_address: addressRequest,
  billing_address: z.optional(addressRequest),
  shipping_option_id: z.string({ error: "Choose a shipping option." }).check(z.trim(), z.regex(/^so_[A-Za-z0-9]{1,64}$/, "Choose a shipping option.")),
  payment_collection_id: z.optional(z.string().check(z.regex(/^pay_col_[A-Za-z0-9]{1,64}$/, "This payment is not for this cart."))),
  expected_total: z.optional(
    z.coerce.number({ error: "The total must be a whole number of cents." }).check(z.int("The total must be a whole number of cents."), z.gte(0), z.lte(100_000_000)),
  ),
  idempotency_key: z.optional(idempotencyKey),
  // Signed-in customers only (README, "Customer accounts"): a card saved to their account
  // to pay with, saving the new card for next time, saving the shipping address.
  payment_method_id: z.optional(z.string().check(z.regex(/^pm_[A-Za-z0-9_]{1,100}$/, "Choose one of your saved cards."))),
  save_card: z.optional(z.boolean("Tick the box or leave it.")),
  save_address: z.optional(z.boolean("Tick the box or leave it.")),
});
export type PrepareRequest = z.infer<typeof prepareRequest>;
