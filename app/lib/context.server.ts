import { readConfig, type AppConfig } from "./config.server";
import { createLogger, traceIdFor, type Logger } from "./log.server";
import { medusaClientFor, type MedusaClient } from "./medusa/client.server";
import { newNonce } from "./http/security-headers.server";

/**
 * Everything a loader or action needs for one request, built once by the Worker entry:
 * parsed configuration, a logger carrying the trace id, and the Medusa client.
 */
export type ShopContext = {
  config: AppConfig;
  logger: Logger;
  medusa: MedusaClient;
  traceId: string;
  /** Keeps catalog cache entries of different backends or keys apart. */
  cacheNamespace: string;
  waitUntil: (promise: Promise<unknown>) => void;
  /** This response's Content-Security-Policy nonce, for React Router's inline scripts. */
  cspNonce: string;
  /**
   * The cart this request made for the shopper (its cookie is in this response, not in
   * the request). Without JavaScript, the loaders run in the same request as the action,
   * and read it here: the header then counts the item just added to a new cart.
   */
  cartMadeNow?: string;
};

export function createShopContext(request: Request, env: object, waitUntil: ShopContext["waitUntil"]): ShopContext {
  const config = readConfig(env);
  const traceId = traceIdFor(request);
  const logger = createLogger(traceId, new URL(request.url).pathname);
  return {
    config,
    logger,
    traceId,
    waitUntil,
    cspNonce: newNonce(),
    cacheNamespace: `${config.MEDUSA_BACKEND_URL}|${config.MEDUSA_PUBLISHABLE_KEY}`,
    medusa: medusaClientFor(config, logger),
  };
}
