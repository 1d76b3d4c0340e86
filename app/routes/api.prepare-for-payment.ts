import { readCartId } from "~/lib/cart-cookie.server";
import { errorAnswer, toResponse } from "~/lib/checkout/errors";
import { canonicalJson, fieldErrors, idempotencyKey, prepareRequestSchema, sha256Hex } from "~/lib/checkout/prepare-request";
import { checkLimits, clientKey } from "~/lib/rate-limit.server";
import { readJsonOrForm } from "~/lib/request-body.server";
import type { Route } from "./+types/api.prepare-for-payment";

/**
 * POST /api/carts/:id/prepare-for-payment (checkout contract, section 2). The Worker entry
 * has already checked the origin and the body's size (request-guard.server.ts). This action
 * checks what needs no backend (cart ownership, the body, the client's rate limit), works
 * out the idempotency key, and hands the rest to the cart's Durable Object, which
 * serializes submissions for the cart, applies the per-cart limit and runs
 * prepare-for-payment.server.ts.
 */

export async function action({ request, params, context }: Route.ActionArgs) {
  const { shop, cloudflare } = context;
  const traceId = shop.traceId;
  const answer = (...args: Parameters<typeof errorAnswer>) => toResponse(errorAnswer(...args), traceId);

  if (request.method !== "POST") return answer("invalid_request", "Use POST.", traceId, {}, { allow: "POST" });
  // Read the (bounded) body before any early answer: the local runtime's proxy fails a
  // request whose body was never consumed.
  const raw = await readJsonOrForm(request);
  const ownCartId = await readCartId(shop.config, request);
  if (!ownCartId || ownCartId !== params.id) {
    shop.logger.log("warn", "prepare for a cart that is not this session's", { step: "ownership", outcome: "error", status: 403 });
    return answer("forbidden", "This cart doesn't belong to your session.", traceId);
  }

  if ("problem" in raw) return answer(raw.code, raw.problem, traceId);
  const parsed = prepareRequestSchema.safeParse(raw.value);
  if (!parsed.success) {
    return answer("invalid_request", "Some details need your attention.", traceId, { fields: fieldErrors(parsed.error) });
  }
  const { idempotency_key: bodyKey, ...body } = parsed.data;
  const headerKey = request.headers.get("idempotency-key") ?? undefined;
  if (headerKey !== undefined && !idempotencyKey.safeParse(headerKey).success) {
    return answer("invalid_request", "The Idempotency-Key header must be 8-255 printable characters.", traceId, {
      fields: { idempotency_key: "Must be 8-255 printable characters." },
    });
  }
  if (bodyKey && headerKey && bodyKey !== headerKey) {
    return answer("invalid_request", "The idempotency key in the header and in the body differ.", traceId, {
      fields: { idempotency_key: "Differs from the Idempotency-Key header." },
    });
  }
  const limited = await checkLimits(
    [{ limiter: cloudflare.env.RATE_LIMIT_PREPARE_PER_CLIENT, key: clientKey(request), what: "from your connection" }],
    shop.logger,
    traceId,
  );
  if (limited) return toResponse(limited, traceId);
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
