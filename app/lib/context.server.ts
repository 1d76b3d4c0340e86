import { readConfig, type AppConfig } from "./config.server";
import { createLogger, traceIdFor, type Logger } from "./log.server";
import { createMedusaClient, type MedusaClient } from "./medusa/client.server";

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
    cacheNamespace: `${config.MEDUSA_BACKEND_URL}|${config.MEDUSA_PUBLISHABLE_KEY}`,
    medusa: createMedusaClient({
      baseUrl: config.MEDUSA_BACKEND_URL,
      publishableKey: config.MEDUSA_PUBLISHABLE_KEY,
      timeoutMs: config.MEDUSA_TIMEOUT_MS,
      logger,
    }),
  };
}
