// Errors in Stripe's wire shape: `{"error": {type, code?, message, param?, decline_code?,
// payment_intent?, ...}}` with Stripe's HTTP statuses. stripe-node picks its error class from
// the status (400/404 invalid request, 401 authentication, 402 card, 403 permission,
// 409/5xx api), so the status matters as much as the body.

export type ErrorBody = {
  type: string;
  message: string;
  code?: string;
  param?: string;
  decline_code?: string;
  doc_url?: string;
  [extra: string]: unknown;
};

export class StripeApiError extends Error {
  status: number;
  body: ErrorBody;
  // Stripe's idempotency layer only saves results of requests that started executing:
  // parameter validation failures are not stored, so a corrected retry with the same key works.
  storeForIdempotency: boolean;
  headers: Record<string, string>;

  constructor(status: number, body: ErrorBody, storeForIdempotency = true) {
    super(body.message);
    this.status = status;
    this.body = body;
    this.storeForIdempotency = storeForIdempotency;
    this.headers = {};
  }
}

const DOCS = "https://docs.stripe.com/error-codes";

function docUrl(code: string): string {
  return `${DOCS}/${code.replaceAll("_", "-")}`;
}

export function invalidRequest(
  message: string,
  extra: Partial<ErrorBody> = {},
  status = 400,
): StripeApiError {
  const body: ErrorBody = { type: "invalid_request_error", message, ...extra };
  if (body.code && !body.doc_url) body.doc_url = docUrl(body.code);
  return new StripeApiError(status, body);
}

// Validation of incoming parameters: not stored by the idempotency layer.
export function paramError(message: string, param: string, code?: string): StripeApiError {
  const err = invalidRequest(message, code ? { code, param } : { param });
  err.storeForIdempotency = false;
  return err;
}

export function missingParam(param: string): StripeApiError {
  return paramError(`Missing required param: ${param}.`, param, "parameter_missing");
}

export function unknownParam(param: string): StripeApiError {
  return paramError(`Received unknown parameter: ${param}`, param, "parameter_unknown");
}

export function resourceMissing(kind: string, id: string, param = "id"): StripeApiError {
  return invalidRequest(
    `No such ${kind}: '${id}'`,
    { code: "resource_missing", param },
    404,
  );
}

export function unexpectedState(message: string, extra: Partial<ErrorBody> = {}): StripeApiError {
  return invalidRequest(message, { code: "payment_intent_unexpected_state", ...extra });
}

export function cardError(fields: {
  code: string;
  message: string;
  decline_code?: string;
  [extra: string]: unknown;
}): StripeApiError {
  return new StripeApiError(402, { type: "card_error", doc_url: docUrl(fields.code), ...fields });
}

export function unrecognizedUrl(method: string, path: string): StripeApiError {
  const err = invalidRequest(
    `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
    {},
    404,
  );
  err.storeForIdempotency = false;
  return err;
}

export function apiError(status: number): StripeApiError {
  return new StripeApiError(status, {
    type: "api_error",
    message: "An unknown error occurred while processing your request (simulated by stripe-sim).",
  });
}
