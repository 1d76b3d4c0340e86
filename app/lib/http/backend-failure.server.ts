import { data } from "react-router";
import type { ShopContext } from "../context.server";
import { MedusaError } from "../medusa/client.server";

export type ShopErrorData = { message: string; traceId: string };

/**
 * Turns a backend failure in a loader or action into a friendly error page (503 with a
 * trace id to quote), never a stack trace. Other errors are rethrown untouched.
 */
export function backendFailure(shop: ShopContext, error: unknown): unknown {
  if (!(error instanceof MedusaError)) return error;
  shop.logger.log("error", "backend unavailable", {
    step: "medusa",
    outcome: "error",
    status: error.status,
    kind: error.kind,
    path: error.details.path,
  });
  return data<ShopErrorData>(
    { message: "Our shop is having trouble reaching its catalog right now. Please try again in a minute.", traceId: shop.traceId },
    { status: 503 },
  );
}

export async function orBackendFailure<T>(shop: ShopContext, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw backendFailure(shop, error);
  }
}
