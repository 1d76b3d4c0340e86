// Minimal Customers: Medusa's account-holder hooks (create, update, delete, list payment
// methods) for logged-in shoppers. No invoices, sources or balances.

import type { ParamObject } from "./form.ts";
import type { Customer } from "./objects.ts";
import { resourceMissing } from "./errors.ts";
import { newId } from "./ids.ts";
import {
  applyMetadata,
  assertKnownParams,
  metadataParam,
  optionalInteger,
  optionalObject,
  optionalString,
} from "./params.ts";
import { newestFirst } from "./store.ts";
import { nowSeconds, type ApiContext, type ApiResult } from "./sim.ts";

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
    created: nowSeconds(ctx.sim),
    description: null,
    email: null,
    invoice_settings: { default_payment_method: null },
    livemode: false,
    metadata: {},
    name: null,
    phone: null,
    shipping: null,
  };
  applyWritable(ctx, customer);
  ctx.sim.store.customers.set(customer.id, customer);
  return { status: 200, body: customer };
}

export function handleRetrieveCustomer(ctx: ApiContext): ApiResult {
  assertKnownParams(ctx.params, ["expand"]);
  return { status: 200, body: find(ctx) };
}

export function handleUpdateCustomer(ctx: ApiContext): ApiResult {
  assertKnownParams(ctx.params, WRITABLE);
  const customer = find(ctx);
  applyWritable(ctx, customer);
  return { status: 200, body: customer };
}

export function handleDeleteCustomer(ctx: ApiContext): ApiResult {
  const customer = find(ctx);
  ctx.sim.store.customers.delete(customer.id);
  for (const pm of ctx.sim.store.paymentMethods.values()) {
    if (pm.customer === customer.id) pm.customer = null;
  }
  return { status: 200, body: { id: customer.id, object: "customer", deleted: true } };
}

export function handleListCustomerPaymentMethods(ctx: ApiContext): ApiResult {
  assertKnownParams(ctx.params, ["limit", "type", "expand", "starting_after", "ending_before", "allow_redisplay"]);
  const customer = find(ctx);
  const limit = optionalInteger(ctx.params, "limit", 1) ?? 10;
  const all = newestFirst(
    [...ctx.sim.store.paymentMethods.values()].filter((pm) => pm.customer === customer.id),
  );
  return {
    status: 200,
    body: {
      object: "list",
      data: all.slice(0, Math.min(limit, 100)),
      has_more: all.length > limit,
      url: `/v1/customers/${customer.id}/payment_methods`,
    },
  };
}
