// Minimal Customers: Medusa's account-holder hooks (create, update, delete, list payment
// methods) for logged-in shoppers, with Stripe's `customer.created` / `.updated` (with
// `previous_attributes`) / `.deleted` events. No invoices, sources or balances.

import type { ParamObject } from "./form.ts";
import type { Customer } from "./objects.ts";
import { resourceMissing } from "./errors.ts";
import { previousAttributes } from "./events.ts";
import { alnum, newId } from "./ids.ts";
import { LIST_PARAMS } from "./lists.ts";
import { listCustomerPaymentMethods } from "./payment-methods.ts";
import {
  applyMetadata,
  assertKnownParams,
  metadataParam,
  optionalObject,
  optionalString,
} from "./params.ts";
import { eventRequest, nowSeconds, type ApiContext, type ApiResult } from "./sim.ts";

const WRITABLE = ["email", "name", "phone", "description", "address", "shipping", "metadata", "expand"];

function address(value: ParamObject | undefined): Customer["address"] {
  if (!value) return null;
  const field = (name: string) => optionalString(value, name) ?? null;
  return {
    city: field("city"),
    country: field("country"),
    line1: field("line1"),
    line2: field("line2"),
    postal_code: field("postal_code"),
    state: field("state"),
  };
}

function applyWritable(ctx: ApiContext, customer: Customer): void {
  const p = ctx.params;
  if (p.email !== undefined) customer.email = optionalString(p, "email") ?? null;
  if (p.name !== undefined) customer.name = optionalString(p, "name") ?? null;
  if (p.phone !== undefined) customer.phone = optionalString(p, "phone") ?? null;
  if (p.description !== undefined) customer.description = optionalString(p, "description") ?? null;
  if (p.address !== undefined) customer.address = address(optionalObject(p, "address"));
  if (p.shipping !== undefined) {
    const shipping = optionalObject(p, "shipping");
    customer.shipping = shipping
      ? { address: address(optionalObject(shipping, "address")), name: optionalString(shipping, "name") ?? null, phone: optionalString(shipping, "phone") ?? null }
      : null;
  }
  customer.metadata = applyMetadata(customer.metadata, metadataParam(p));
}

function find(ctx: ApiContext): Customer {
  const customer = ctx.sim.store.customers.get(ctx.id);
  if (!customer) throw resourceMissing("customer", ctx.id, "id");
  return customer;
}

export function handleCreateCustomer(ctx: ApiContext): ApiResult {
  assertKnownParams(ctx.params, WRITABLE);
  const customer: Customer = {
    id: newId("cus"),
    object: "customer",
    address: null,
    balance: 0,
    created: nowSeconds(ctx.sim),
    currency: null,
    default_source: null,
    delinquent: false,
    description: null,
    discount: null,
    email: null,
    invoice_prefix: alnum(8).toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: {},
    name: null,
    next_invoice_sequence: 1,
    phone: null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: "none",
    test_clock: null,
  };
  applyWritable(ctx, customer);
  ctx.sim.store.customers.set(customer.id, customer);
  ctx.sim.emit("customer.created", customer, eventRequest(ctx));
  return { status: 200, body: customer };
}

// A deleted customer still answers a retrieve, with only `deleted: true` (API reference,
// "Retrieve a customer"); every other call treats it as missing.
export function handleRetrieveCustomer(ctx: ApiContext): ApiResult {
  assertKnownParams(ctx.params, ["expand"]);
  if (ctx.sim.store.deletedCustomers.has(ctx.id)) {
    return { status: 200, body: { id: ctx.id, object: "customer", deleted: true } };
  }
  return { status: 200, body: find(ctx) };
}

export function handleUpdateCustomer(ctx: ApiContext): ApiResult {
  assertKnownParams(ctx.params, WRITABLE);
  const customer = find(ctx);
  const before = structuredClone(customer);
  applyWritable(ctx, customer);
  const previous = previousAttributes(before, customer);
  if (previous) ctx.sim.emit("customer.updated", customer, eventRequest(ctx), previous);
  return { status: 200, body: customer };
}

export function handleDeleteCustomer(ctx: ApiContext): ApiResult {
  assertKnownParams(ctx.params, []);
  const customer = find(ctx);
  ctx.sim.store.customers.delete(customer.id);
  ctx.sim.store.deletedCustomers.add(customer.id);
  for (const pm of ctx.sim.store.paymentMethods.values()) {
    if (pm.customer === customer.id) pm.customer = null;
  }
  ctx.sim.emit("customer.deleted", customer, eventRequest(ctx));
  return { status: 200, body: { id: customer.id, object: "customer", deleted: true } };
}

export function handleListCustomerPaymentMethods(ctx: ApiContext): ApiResult {
  assertKnownParams(ctx.params, [...LIST_PARAMS, "type", "allow_redisplay"]);
  const customer = find(ctx);
  return listCustomerPaymentMethods(ctx, customer.id, `/v1/customers/${customer.id}/payment_methods`);
}
