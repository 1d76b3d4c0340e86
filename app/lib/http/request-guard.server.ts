import { errorAnswer, toResponse } from "./answer";
import type { ShopContext } from "../context.server";
import { isAllowedOrigin } from "./origin.server";
import { MAX_BODY_BYTES } from "./request-body.server";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Runs in the Worker entry before React Router, for every state-changing request except
 * the Stripe webhook (its signature is its check): page actions, `.data` action requests
 * and resource routes alike, which React Router's built-in check doesn't all cover. A
 * refused request is answered here and reaches neither a loader/action nor Medusa (the
 * Worker entry drains its unread body before answering).
 */
export async function guardStateChange(request: Request, shop: ShopContext): Promise<Response | null> {
  if (SAFE_METHODS.has(request.method)) return null;
  if (!isAllowedOrigin(request, shop.config)) {
    shop.logger.log("warn", "cross-origin request refused", {
      step: "origin",
      outcome: "error",
      status: 403,
      origin: request.headers.get("origin") ?? "(none)",
      fetch_site: request.headers.get("sec-fetch-site") ?? "(none)",
    });
    return toResponse(errorAnswer("forbidden", "This request did not come from this shop.", shop.traceId), shop.traceId);
  }
  if (Number(request.headers.get("content-length") ?? 0) > MAX_BODY_BYTES) {
    shop.logger.log("warn", "oversized request refused", { step: "body_size", outcome: "error", status: 413 });
    return toResponse(errorAnswer("payload_too_large", `The request is too large (at most ${MAX_BODY_BYTES / 1024} KB).`, shop.traceId), shop.traceId);
  }
  return null;
}
