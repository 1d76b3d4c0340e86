import { z } from "zod";

/**
 * The parts of Medusa's Store API answers the storefront reads. Unknown fields are dropped;
 * a missing required field makes the call a `bad_response` (see client.server.ts).
 * Money is in major units and unrounded, exactly as Medusa sends it (medusa-facts.md).
 */
const money = z.number();
const nullableString = z.string().nullish().transform((value) => value ?? null);

export const medusaErrorBody = z
  .object({ message: z.string(), type: z.string(), code: z.string() })
  .partial()
  .catch({});

export const region = z.object({
  id: z.string(),
  name: z.string(),
  currency_code: z.string(),
  countries: z
    .array(z.object({ iso_2: z.string(), display_name: nullableString, name: nullableString }))
    .nullish()
    .transform((value) => value ?? []),
});
export type Region = z.infer<typeof region>;
export const regionList = z.object({ regions: z.array(region) });

const variantOption = z.object({
  value: z.string(),
  option_id: nullableString,
  option: z.object({ title: z.string() }).nullish(),
});

export const variant = z.object({
  id: z.string(),
  title: nullableString,
  sku: nullableString,
  inventory_quantity: z.number().nullish().transform((value) => value ?? null),
  manage_inventory: z.boolean().nullish().transform((value) => value ?? true),
  allow_backorder: z.boolean().nullish().transform((value) => value ?? false),
  options: z.array(variantOption).nullish().transform((value) => value ?? []),
  calculated_price: z
    .object({ calculated_amount: money.nullable(), currency_code: nullableString })
    .nullish()
    .transform((value) => value ?? null),
});
export type Variant = z.infer<typeof variant>;

export const product = z.object({
  id: z.string(),
  title: z.string(),
  handle: z.string(),
  subtitle: nullableString,
  description: nullableString,
  thumbnail: nullableString,
  images: z
    .array(z.object({ id: z.string(), url: z.string() }))
    .nullish()
    .transform((value) => value ?? []),
  options: z
    .array(z.object({ id: z.string(), title: z.string(), values: z.array(z.object({ value: z.string() })).nullish() }))
    .nullish()
    .transform((value) => value ?? []),
  variants: z
    .array(variant)
    .nullish()
    .transform((value) => value ?? []),
});
export type Product = z.infer<typeof product>;
export const productList = z.object({ products: z.array(product), count: z.number() });

export const address = z.object({
  first_name: nullableString,
  last_name: nullableString,
  company: nullableString,
  address_1: nullableString,
  address_2: nullableString,
  city: nullableString,
  province: nullableString,
  postal_code: nullableString,
  country_code: nullableString,
  phone: nullableString,
});
export type Address = z.infer<typeof address>;
export type AddressKey = keyof Address;
export const ADDRESS_KEYS = Object.keys(address.shape) as AddressKey[];
/** An address as a form holds it while the shopper types: every part a string, "" while empty. */
export type AddressDraft = Record<AddressKey, string>;

export const lineItem = z.object({
  id: z.string(),
  title: nullableString,
  product_title: nullableString,
  product_handle: nullableString,
  variant_title: nullableString,
  variant_id: nullableString,
  product_id: nullableString,
  thumbnail: nullableString,
  quantity: z.number(),
  unit_price: money,
  subtotal: money.nullish(),
  total: money.nullish(),
});
export type LineItem = z.infer<typeof lineItem>;

export const cart = z.object({
  id: z.string(),
  email: nullableString,
  /** Set once the cart belongs to a customer (a guest's too: Medusa makes a guest customer per email). */
  customer_id: z.string().nullish().transform((value) => value ?? null),
  region_id: nullableString,
  currency_code: z.string(),
  completed_at: nullableString,
  metadata: z.record(z.string(), z.unknown()).nullish(),
  items: z
    .array(lineItem)
    .nullish()
    .transform((value) => value ?? []),
  shipping_methods: z
    .array(z.object({ id: z.string(), shipping_option_id: nullableString, name: nullableString, amount: money }))
    .nullish()
    .transform((value) => value ?? []),
  shipping_address: address.nullish().transform((value) => value ?? null),
  billing_address: address.nullish().transform((value) => value ?? null),
  item_subtotal: money.nullish(),
  item_total: money.nullish(),
  subtotal: money.nullish(),
  shipping_total: money.nullish(),
  // `shipping_total` includes the tax on shipping, which `tax_total` counts too: the
  // checkout summary shows the pre-tax `shipping_subtotal` so its lines add up to the total.
  shipping_subtotal: money.nullish(),
  tax_total: money.nullish(),
  discount_total: money.nullish(),
  total: money,
});
export type Cart = z.infer<typeof cart>;
export const cartResponse = z.object({ cart });

export const shippingOption = z.object({
  id: z.string(),
  name: z.string(),
  price_type: z.string().nullish(),
  amount: z.number().nullish(),
  calculated_amount: z.number().nullish(),
  insufficient_inventory: z.boolean().nullish(),
});
export type ShippingOption = z.infer<typeof shippingOption>;
export const shippingOptionList = z.object({ shipping_options: z.array(shippingOption) });

/** The Stripe PaymentIntent as Medusa's Stripe provider stores it in the session's `data`. */
export const stripeSessionData = z.object({
  id: z.string(),
  client_secret: z.string().nullish(),
  amount: z.number().int(),
  currency: z.string(),
  status: z.string().nullish(),
  /** The Stripe customer (Medusa's account holder) when the session was made for a signed-in customer. */
  customer: z.string().nullish(),
});

export const paymentSession = z.object({
  id: z.string(),
  provider_id: z.string(),
  amount: money,
  currency_code: z.string(),
  data: z.record(z.string(), z.unknown()).nullish(),
});

export const paymentCollection = z.object({
  id: z.string(),
  amount: money,
  currency_code: z.string(),
  payment_sessions: z
    .array(paymentSession)
    .nullish()
    .transform((value) => value ?? []),
});
export type PaymentCollection = z.infer<typeof paymentCollection>;
export const paymentCollectionResponse = z.object({ payment_collection: paymentCollection });

/** A cart as checkout reads it: the cart plus its payment collection id. */
export const checkoutCart = cart.extend({
  payment_collection: z
    .object({
      id: z.string(),
      payment_sessions: z
        .array(z.object({ id: z.string(), provider_id: z.string(), data: z.record(z.string(), z.unknown()).nullish() }))
        .nullish()
        .transform((value) => value ?? []),
    })
    .nullish()
    .transform((value) => value ?? null),
  region: z.object({ id: z.string(), countries: region.shape.countries }).nullish(),
});
export type CheckoutCart = z.infer<typeof checkoutCart>;
export const checkoutCartResponse = z.object({ cart: checkoutCart });

export const order = z.object({
  id: z.string(),
  customer_id: z.string().nullish().transform((value) => value ?? null),
  display_id: z.number().nullish(),
  status: z.string().nullish(),
  payment_status: z.string().nullish(),
  fulfillment_status: z.string().nullish(),
  created_at: nullableString,
  email: nullableString,
  currency_code: z.string(),
  items: z
    .array(
      z.object({
        id: z.string(),
        title: nullableString,
        product_title: nullableString,
        variant_title: nullableString,
        thumbnail: nullableString,
        quantity: z.number(),
        unit_price: money,
        subtotal: money.nullish(),
        total: money.nullish(),
      }),
    )
    .nullish()
    .transform((value) => value ?? []),
  shipping_methods: z
    .array(z.object({ name: nullableString, amount: money }))
    .nullish()
    .transform((value) => value ?? []),
  shipping_address: address.nullish().transform((value) => value ?? null),
  item_subtotal: money.nullish(),
  subtotal: money.nullish(),
  shipping_total: money.nullish(),
  // Before tax, like the cart's: the confirmation's lines add up to the total.
  shipping_subtotal: money.nullish(),
  tax_total: money.nullish(),
  discount_total: money.nullish(),
  total: money,
  /** Refunds Medusa took off `total` (it records each as a credit line): see orderSummaryLines. */
  credit_line_total: money.nullish(),
  /** What Medusa has captured and refunded (major units); never its payments' `data` (the PaymentIntent with its client secret). */
  payment_collections: z
    .array(z.object({ captured_amount: money.nullish(), refunded_amount: money.nullish() }))
    .nullish()
    .transform((value) => value ?? []),
});
export type Order = z.infer<typeof order>;
export const orderResponse = z.object({ order });

/**
 * A fulfillment as `GET /store/orders/:id/shipments` gives it (a route of ours in the
 * merchant's Medusa, dev/medusa/src/api/store/orders/[id]/shipments: Medusa's own store
 * order route leaves out the tracking labels).
 */
export const shipment = z.object({
  id: z.string(),
  created_at: nullableString,
  packed_at: nullableString,
  shipped_at: nullableString,
  delivered_at: nullableString,
  canceled_at: nullableString,
  labels: z
    .array(z.object({ tracking_number: nullableString, tracking_url: nullableString }))
    .nullish()
    .transform((value) => value ?? []),
});
export type Shipment = z.infer<typeof shipment>;
export const shipmentsResponse = z.object({ shipments: z.array(shipment) });

/** `POST /store/carts/:id/complete`: an order, or the cart back with why it wasn't completed. */
export const completeCartResponse = z.union([
  z.object({ type: z.literal("order"), order: order.pick({ id: true, display_id: true }) }),
  z.object({ type: z.literal("cart"), error: z.object({ message: z.string().nullish(), name: z.string().nullish() }).nullish() }),
]);
