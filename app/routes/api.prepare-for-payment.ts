import { readCartId } from "~/lib/cart-cookie.server";
import { errorAnswer, toResponse } from "~/lib/checkout/errors";
import { canonicalJson, fieldErrors, formToObject, prepareRequestSchema, sha256Hex } from "~/lib/checkout/prepare-request";
import { isAllowedOrigin } from "~/lib/origin.server";
import type { Route } from "./+types/api.prepare-for-payment";

/**
 * POST /api/carts/:id/prepare-for-payment (checkout contract, section 2). This action
 * checks what needs no backend (origin, cart ownership, the body), works out the
 * idempotency key, and hands the rest to the cart's Durable Object, which serializes
 * submissions for the cart and runs prepare-for-payment.server.ts.
 */
const MAX_BODY_BYTES = 16 * 1024;

export async function action({ request, params, context }: Route.ActionArgs) {
  const { shop, cloudflare } = context;
  const traceId = shop.traceId;
  const answer = (...args: Parameters<typeof errorAnswer>) => toResponse(errorAnswer(...args), traceId);

  if (request.method !== "POST") return answer("invalid_request", "Use POST.", traceId, {}, { allow: "POST" });
  // Read the (bounded) body before any early answer: the local runtime's proxy fails a
  // request whose body was never consumed.
  const raw = await readBody(request);
  if (!isAllowedOrigin(request, shop.config)) {
    shop.logger.log("warn", "cross-origin prepare refused", { step: "origin", outcome: "error", status: 403 });
    return answer("forbidden", "This request did not come from this shop.", traceId);
  }
  const ownCartId = await readCartId(shop.config, request);
  if (!ownCartId || ownCartId !== params.id) {
    shop.logger.log("warn", "prepare for a cart that is not this session's", { step: "ownership", outcome: "error", status: 403 });
    return answer("forbidden", "This cart doesn't belong to your session.", traceId);
  }

  if ("problem" in raw) return answer("invalid_request", raw.problem, traceId);
  const parsed = prepareRequestSchema.safeParse(raw.value);
  if (!parsed.success) {
    return answer("invalid_request", "Some details need your attention.", traceId, { fields: fieldErrors(parsed.error) });
  }
  const { idempotency_key: bodyKey, ...body } = parsed.data;
  const headerKey = request.headers.get("idempotency-key") ?? undefined;
  if (headerKey !== undefined && !/^[\x21-\x7e]{8,255}$/.test(headerKey)) {
    return answer("invalid_request", "The Idempotency-Key header must be 8-255 printable characters.", traceId, {
      fields: { idempotency_key: "Must be 8-255 printable characters." },
    });
  }
  if (bodyKey && headerKey && bodyKey !== headerKey) {
    return answer("invalid_request", "The idempotency key in the header and in the body differ.", traceId, {
      fields: { idempotency_key: "Differs from the Idempotency-Key header." },
    });
  }
  const canonical = canonicalJson(body);
  const bodyHash = await sha256Hex(canonical);
  // Without a key, the same cart and the same details are the same submission, so a blind
  // retry is still recognised.
  const key = bodyKey ?? headerKey ?? `derived:${await sha256Hex(`${params.id}\n${canonical}`)}`;

  try {
    const coordinator = cloudflare.env.CART_COORDINATOR.getByName(params.id);
    const result = await coordinator.prepare({ cartId: params.id, key, derivedKey: !bodyKey && !headerKey, bodyHash, body, traceId, route: "/api/carts/:id/prepare-for-payment" });
    return toResponse(result, traceId);
  } catch (error) {
    shop.logger.log("error", "cart coordinator failed", { step: "coordinator", outcome: "error", cart_id: params.id, error: String(error) });
    return answer("backend_error", "We couldn't prepare your payment. Nothing was charged; please try again.", traceId);
  }
}

async function readBody(request: Request): Promise<{ value: unknown } | { problem: string }> {
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > MAX_BODY_BYTES) return { problem: "The request is too large." };
  const type = request.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
  const text = await request.text();
  if (new TextEncoder().encode(text).length > MAX_BODY_BYTES) return { problem: "The request is too large." };
  if (type === "application/json") {
    try {
      return { value: JSON.parse(text) };
    } catch {
      return { problem: "The request body is not valid JSON." };
    }
  }
  if (type === "application/x-www-form-urlencoded") {
    return { value: formToObject(new URLSearchParams(text)) };
  }
  if (type === "multipart/form-data") {
    try {
      return { value: formToObject(await new Request(request.url, { method: "POST", headers: request.headers, body: text }).formData()) };
    } catch {
      return { problem: "The form could not be read." };
    }
  }
  return { problem: "Send JSON (application/json) or a form." };
}
