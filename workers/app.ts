import { createRequestHandler } from "react-router";
import { ConfigError } from "../app/lib/config.server";
import { createShopContext, type ShopContext } from "../app/lib/context.server";
import { originHost } from "../app/lib/http/origin.server";
import { discardBody } from "../app/lib/http/request-body.server";
import { guardStateChange } from "../app/lib/http/request-guard.server";
import { applySecurityHeaders } from "../app/lib/http/security-headers.server";

declare module "react-router" {
  export interface AppLoadContext {
    cloudflare: { env: Env; ctx: ExecutionContext };
    shop: ShopContext;
  }
}

import { createLogger, newTraceId } from "../app/lib/log.server";
import { handleReconcileRequest, RECONCILE_ROUTE, runSweep } from "./reconcile";
import { handleStripeWebhook } from "./stripe-webhook";

export { AttemptIndex } from "./attempt-index";
export { CartCoordinator } from "./cart-coordinator";
export { CustomerCoordinator } from "./customer-coordinator";

/**
 * React Router's own CSRF check compares `Origin` with `request.url`, which loses its port
 * under `vite dev --https` and differs behind proxies. Our guard (request-guard.server.ts)
 * has already checked the origin, so React Router is told to accept the one it approved.
 * (React Router derives its handler per request when given a function, so this costs
 * nothing extra.)
 */
function handlerFor(request: Request) {
  const approved = originHost(request);
  return createRequestHandler(
    async () => ({ ...(await import("virtual:react-router/server-build")), allowedActionOrigins: approved ? [approved] : [] }),
    import.meta.env.MODE,
  );
}

export default {
  async fetch(request, env, ctx) {
    let shop: ShopContext;
    try {
      shop = createShopContext(request, env, (promise) => ctx.waitUntil(promise));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      console.error(JSON.stringify({ level: "error", msg: error.message, step: "config" }));
      const detail = String(env.ENVIRONMENT) === "development" ? `\n\n${error.message}` : "";
      return new Response(`The shop is not configured correctly.${detail}`, { status: 500 });
    }

    const url = new URL(request.url);
    let response: Response;
    if (url.pathname === "/webhooks/stripe") {
      // Answered here, before React Router: its signature is its authentication.
      response = await handleStripeWebhook(request, env, shop);
    } else if (url.pathname === RECONCILE_ROUTE) {
      // An operator's door, not a shopper's: its bearer token is its authentication.
      response = await handleReconcileRequest(request, env, shop.config, shop.logger);
    } else {
      response = (await guardStateChange(request, shop)) ?? (await handlerFor(request)(request, { cloudflare: { env, ctx }, shop }));
      // A POST to a page without an action is answered (405) with its body unread, which
      // the local runtime's proxy doesn't survive; drain what nobody read.
      await discardBody(request);
    }
    const headers = new Headers(response.headers);
    headers.set("x-trace-id", shop.traceId);
    applySecurityHeaders(headers, shop.config, shop.cspNonce, { devServer: import.meta.env.DEV });
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  },

  /** The Cron Trigger (wrangler.jsonc `triggers.crons`): one reconciler sweep. */
  async scheduled(controller, env) {
    // The sweep's clock is the real one (scheduledTime may be set by a local test trigger).
    const logger = createLogger(newTraceId(), `scheduled ${controller.cron}`);
    await runSweep(env, logger, { asOf: new Date() });
  },
} satisfies ExportedHandler<Env>;
