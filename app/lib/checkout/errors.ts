/**
 * The error answers of the checkout API (checkout contract, section 2), also used by every
 * other state-changing request (the cart actions, the request guard): one shape, one status
 * per code. Business outcomes are values of this type, not exceptions that escape.
 */
export type CheckoutErrorCode =
  | "invalid_request"
  | "forbidden"
  | "cart_not_found"
  | "cart_completed"
  | "total_changed"
  | "cart_changed"
  | "idempotency_key_reused"
  | "in_progress"
  | "shipping_option_unavailable"
  | "backend_error"
  | "backend_timeout"
  | "payload_too_large"
  | "rate_limited"
  | "item_not_found"
  | "out_of_stock"
  | "cart_update_refused"
  | "backend_unavailable";

export const STATUS: Record<CheckoutErrorCode, number> = {
  invalid_request: 400,
  forbidden: 403,
  cart_not_found: 404,
  cart_completed: 409,
  total_changed: 409,
  cart_changed: 409,
  idempotency_key_reused: 409,
  in_progress: 409,
  shipping_option_unavailable: 422,
  backend_error: 502,
  backend_timeout: 504,
  payload_too_large: 413,
  rate_limited: 429,
  item_not_found: 404,
  out_of_stock: 409,
  cart_update_refused: 409,
  backend_unavailable: 503,
};

export type CheckoutErrorBody = {
  error: {
    code: CheckoutErrorCode;
    message: string;
    step?: string;
    fields?: Record<string, string>;
    rolled_back?: boolean;
    /** Cart fields that still differ from before the request (see docs/decisions/0002). */
    left_changed?: string[];
    /** For `total_changed`: the fresh total in minor units. */
    amount?: number;
  };
  trace_id: string;
};

export type CheckoutSuccessBody = {
  client_secret: string;
  checkout_attempt_id: string;
  payment_intent_id: string;
  amount: number;
  currency_code: string;
  trace_id: string;
};

/** A complete answer, serializable across the Durable Object boundary. */
export type CheckoutAnswer = {
  status: number;
  body: CheckoutErrorBody | CheckoutSuccessBody;
  headers?: Record<string, string>;
};

/** A refusal: a CheckoutAnswer whose body is always the error shape. */
export type ErrorAnswer = CheckoutAnswer & { body: CheckoutErrorBody };

export function errorAnswer(
  code: CheckoutErrorCode,
  message: string,
  traceId: string,
  extra: Omit<CheckoutErrorBody["error"], "code" | "message"> = {},
  headers?: Record<string, string>,
): ErrorAnswer {
  return { status: STATUS[code], body: { error: { code, message, ...extra }, trace_id: traceId }, headers };
}

export function toResponse(answer: CheckoutAnswer, traceId: string): Response {
  return Response.json(answer.body, {
    status: answer.status,
    headers: { "cache-control": "no-store", "x-trace-id": traceId, ...answer.headers },
  });
}
