// Wire shapes of the Stripe objects the simulator hands out. Fields follow the API reference
// for API version 2026-10-28.endive (what stripe-node 23.1.0 sends); fields the simulator
// has no behaviour for are present with Stripe's "nothing here" value so clients that read
// them (or snapshot whole objects) see the same structure as against Stripe.

export type PaymentIntentStatus =
  | "requires_payment_method"
  | "requires_confirmation"
  | "requires_action"
  | "processing"
  | "requires_capture"
  | "canceled"
  | "succeeded";

export type CaptureMethod = "automatic" | "automatic_async" | "manual";

export type PaymentError = {
  type: string;
  code: string;
  message: string;
  decline_code?: string;
  doc_url?: string;
  charge?: string;
  payment_method?: PaymentMethod;
  advice_code?: string;
};

export type NextAction =
  | {
      type: "use_stripe_sdk";
      use_stripe_sdk: { type: "three_d_secure_redirect"; stripe_js: string; source: string };
    }
  | { type: "redirect_to_url"; redirect_to_url: { url: string; return_url: string } };

export type PaymentIntent = {
  id: string;
  object: "payment_intent";
  allowed_payment_method_types: string[] | null;
  amount: number;
  amount_capturable: number;
  amount_details: { tip: Record<string, never> };
  amount_received: number;
  application: null;
  application_fee_amount: number | null;
  automatic_payment_methods: { allow_redirects?: "always" | "never"; enabled: boolean } | null;
  canceled_at: number | null;
  cancellation_reason: string | null;
  capture_method: CaptureMethod;
  client_secret: string;
  confirmation_method: "automatic" | "manual";
  created: number;
  currency: string;
  customer: string | null;
  customer_account: null;
  description: string | null;
  excluded_payment_method_types: string[] | null;
  last_payment_error: PaymentError | null;
  latest_charge: string | null;
  livemode: false;
  managed_payments: null;
  metadata: Record<string, string>;
  next_action: NextAction | null;
  on_behalf_of: null;
  payment_method: string | null;
  payment_method_configuration_details: { id: string; parent: null } | null;
  payment_method_options: Record<string, unknown>;
  payment_method_types: string[];
  payment_record: null;
  processing: null;
  receipt_email: string | null;
  review: null;
  setup_future_usage: "off_session" | "on_session" | null;
  shipping: unknown;
  source: null;
  statement_descriptor: string | null;
  statement_descriptor_suffix: string | null;
  status: PaymentIntentStatus;
  transfer_data: null;
  transfer_group: string | null;
};

export type CardBrand = "visa" | "mastercard" | "amex" | "discover" | "unknown";

export type PaymentMethod = {
  id: string;
  object: "payment_method";
  allow_redisplay: "always" | "limited" | "unspecified";
  billing_details: {
    address: Record<string, string | null>;
    email: string | null;
    name: string | null;
    phone: string | null;
    tax_id: null;
  };
  card: {
    brand: CardBrand;
    checks: { address_line1_check: null; address_postal_code_check: null; cvc_check: string | null };
    country: string;
    display_brand: string;
    exp_month: number;
    exp_year: number;
    fingerprint: string;
    funding: "credit" | "debit";
    generated_from: null;
    last4: string;
    networks: { available: string[]; preferred: null };
    regulated_status: "unregulated";
    three_d_secure_usage: { supported: boolean };
    wallet: null;
  };
  created: number;
  customer: string | null;
  livemode: false;
  metadata: Record<string, string>;
  type: "card";
};

export type Charge = {
  id: string;
  object: "charge";
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  captured: boolean;
  created: number;
  currency: string;
  customer: string | null;
  description: string | null;
  failure_code: string | null;
  failure_message: string | null;
  livemode: false;
  metadata: Record<string, string>;
  outcome: {
    network_status: string;
    reason: string | null;
    risk_level: string;
    seller_message: string;
    type: string;
  };
  paid: boolean;
  payment_intent: string;
  payment_method: string;
  refunded: boolean;
  status: "succeeded" | "failed" | "pending";
};

export type Refund = {
  id: string;
  object: "refund";
  amount: number;
  charge: string;
  created: number;
  currency: string;
  metadata: Record<string, string>;
  payment_intent: string;
  reason: string | null;
  status: "succeeded";
};

export type Customer = {
  id: string;
  object: "customer";
  address: Record<string, string | null> | null;
  balance: number;
  created: number;
  currency: string | null;
  default_source: null;
  delinquent: boolean;
  description: string | null;
  discount: null;
  email: string | null;
  invoice_prefix: string;
  invoice_settings: {
    custom_fields: null;
    default_payment_method: string | null;
    footer: null;
    rendering_options: null;
  };
  livemode: false;
  metadata: Record<string, string>;
  name: string | null;
  next_invoice_sequence: number;
  phone: string | null;
  preferred_locales: string[];
  shipping: unknown;
  tax_exempt: "none";
  test_clock: null;
};

export type SetupIntentStatus =
  | "requires_payment_method"
  | "requires_confirmation"
  | "requires_action"
  | "processing"
  | "canceled"
  | "succeeded";

export type SetupError = {
  type: string;
  code: string;
  message: string;
  decline_code?: string;
  doc_url?: string;
  payment_method?: PaymentMethod;
};

// https://docs.stripe.com/api/setup_intents/object (cards only).
export type SetupIntent = {
  id: string;
  object: "setup_intent";
  allowed_payment_method_types: string[] | null;
  application: null;
  automatic_payment_methods: { allow_redirects?: "always" | "never"; enabled: boolean } | null;
  cancellation_reason: string | null;
  client_secret: string;
  created: number;
  customer: string | null;
  customer_account: null;
  description: string | null;
  excluded_payment_method_types: string[] | null;
  flow_directions: null;
  last_setup_error: SetupError | null;
  latest_attempt: string | null;
  livemode: false;
  managed_payments: null;
  mandate: null;
  metadata: Record<string, string>;
  next_action: NextAction | null;
  on_behalf_of: null;
  payment_method: string | null;
  payment_method_configuration_details: { id: string; parent: null } | null;
  payment_method_options: Record<string, unknown>;
  payment_method_types: string[];
  single_use_mandate: null;
  status: SetupIntentStatus;
  usage: "off_session" | "on_session";
};

export type StripeEvent = {
  id: string;
  object: "event";
  api_version: string;
  created: number;
  // `previous_attributes`: on `*.updated` events (and `payment_method.detached`), the old
  // values of the fields that changed.
  data: { object: Record<string, unknown>; previous_attributes?: Record<string, unknown> };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
};

export type ListObject<T> = { object: "list"; data: T[]; has_more: boolean; url: string };
