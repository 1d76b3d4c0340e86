import { STATUS, type CheckoutErrorBody, type CheckoutErrorCode, type CheckoutSuccessBody } from "../checkout/contract";

/**
 * Answers of the JSON routes in the contract's shapes (app/lib/checkout/contract.ts).
 * Business outcomes are values of these types, not exceptions that escape. An answer is
 * plain data, so it crosses the Durable Object boundary and can be stored for replay.
 */
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
