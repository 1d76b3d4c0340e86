import { data } from "react-router";
import * as z from "zod/mini";
import { STATUS, type ActionFailureBody, type CheckoutErrorCode } from "../checkout/contract";
import type { ShopContext } from "../context.server";
import { fieldErrors } from "./field-errors";
import { noStoreHeaders } from "./headers";
import type { BodyRead } from "./request-body.server";
import type { CartProblem } from "../medusa/cart.server";

/**
 * Refusals of the page actions (add to cart, change or remove a line, the checkout's
 * shipping refresh) in the contract's error shape, `{ error: { code, message, fields? },
 * trace_id }`, with `ok: false` so a component can tell them from a success. The same
 * body reaches the page as action data with or without JavaScript.
 */

export function actionFailure(
  shop: ShopContext,
  code: CheckoutErrorCode,
  message: string,
  options: { fields?: Record<string, string>; headers?: HeadersInit; setCookie?: string } = {},
) {
  const body: ActionFailureBody = { ok: false, error: { code, message, ...(options.fields ? { fields: options.fields } : {}) }, trace_id: shop.traceId };
  const headers = noStoreHeaders(options.setCookie);
  for (const [name, value] of new Headers(options.headers)) headers.set(name, value);
  return data(body, { status: STATUS[code], headers });
}

const PROBLEM_CODES: Record<CartProblem["code"], CheckoutErrorCode> = {
  out_of_stock: "out_of_stock",
  cart_completed: "cart_completed",
  not_found: "cart_not_found",
  invalid: "cart_update_refused",
  payment_in_progress: "payment_in_progress",
};

/** Medusa's refusal of a cart change, with `message` replacing Medusa's own when given. */
export function cartProblemFailure(shop: ShopContext, problem: CartProblem, options: { message?: string; setCookie?: string } = {}) {
  return actionFailure(shop, PROBLEM_CODES[problem.code], options.message ?? problem.message, { setCookie: options.setCookie });
}

/**
 * A page action's input: the body read (`read`: form fields or JSON) and parsed with
 * `schema`; or the refusal to return, with the fields at fault. `message` words the
 * refusal from the first problem found.
 */
export async function actionInput<S extends z.core.$ZodType>(
  shop: ShopContext,
  request: Request,
  schema: S,
  options: { read: (request: Request) => Promise<BodyRead>; message: (firstProblem: string | undefined) => string },
): Promise<{ value: z.output<S>; failure?: undefined } | { value?: undefined; failure: ReturnType<typeof actionFailure> }> {
  const body = await options.read(request);
  if ("problem" in body) return { failure: actionFailure(shop, body.code, body.problem) };
  const parsed = z.safeParse(schema, body.value);
  if (parsed.success) return { value: parsed.data };
  return { failure: actionFailure(shop, "invalid_request", options.message(parsed.error.issues[0]?.message), { fields: fieldErrors(parsed.error) }) };
}
