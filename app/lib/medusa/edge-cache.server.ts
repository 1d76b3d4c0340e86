import type { Logger } from "../log.server";

/**
 * Catalog reads cached at the edge with the Cache API: fresh for `ttlSeconds`, then served
 * stale for up to `swrSeconds` while one background refresh runs. Cart and checkout reads
 * never come here.
 */
export type EdgeCacheOptions = {
  ttlSeconds: number;
  swrSeconds: number;
  waitUntil: (promise: Promise<unknown>) => void;
  logger: Logger;
};

const STORED_AT = "x-storefront-stored-at";

export async function cachedJson<T>(key: string, options: EdgeCacheOptions, load: () => Promise<T>): Promise<T> {
  if (options.ttlSeconds === 0) return load();
  const cache = await caches.open("catalog");
  const request = new Request(`https://catalog.cache/${encodeURIComponent(key)}`);

  const store = async (value: T) => {
    const response = new Response(JSON.stringify(value), {
      headers: {
        "content-type": "application/json",
        "cache-control": `public, max-age=${options.ttlSeconds + options.swrSeconds}`,
        [STORED_AT]: String(Date.now()),
      },
    });
    await cache.put(request, response);
  };

  const cached = await cache.match(request);
  if (cached) {
    const ageSeconds = (Date.now() - Number(cached.headers.get(STORED_AT) ?? 0)) / 1000;
    if (ageSeconds < options.ttlSeconds + options.swrSeconds) {
      const value = (await cached.json()) as T;
      if (ageSeconds < options.ttlSeconds) {
        options.logger.log("debug", "catalog cache", { step: "catalog_cache", key, outcome: "hit" });
      } else {
        options.logger.log("debug", "catalog cache", { step: "catalog_cache", key, outcome: "stale" });
        options.waitUntil(
          load()
            .then(store)
            .catch((error: unknown) =>
              options.logger.log("warn", "catalog refresh failed", { step: "catalog_cache", key, error: String(error) }),
            ),
        );
      }
      return value;
    }
  }
  options.logger.log("debug", "catalog cache", { step: "catalog_cache", key, outcome: "miss" });
  const value = await load();
  options.waitUntil(store(value));
  return value;
}
