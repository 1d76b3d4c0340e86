import { handlePrepare } from "~/lib/checkout/prepare/pipeline.server";
import type { Route } from "./+types/api.prepare-for-payment";

/**
 * POST /api/carts/:id/prepare-for-payment (checkout contract, section 2). Every gate and
 * step, in order, is in app/lib/checkout/prepare/pipeline.server.ts.
 */
export async function action({ request, params, context }: Route.ActionArgs) {
  return handlePrepare(request, params.id, context);
}
