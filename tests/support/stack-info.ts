// What the global setup (tests/setup/stack.ts) tells every test project about the stack.
import type { Stack } from "../../dev/stack.ts";

/** The test stack's ALLOWED_ORIGINS: a partner site allowed to post (README, "Origin policy"). */
export const PARTNER_ORIGIN = "https://partner.example";

export type StackInfo = {
  storefronts: Stack["storefronts"];
  medusaUrl: string;
  /** The fault proxy the storefronts use to reach Medusa (see dev/fault-proxy.ts). */
  medusaProxyUrl: string;
  stripeSimUrl: string;
  /** The mail catcher (MailDev): its inbox, REST API under /api. */
  mailUrl: string;
  publishableKey: string;
  regionId: string;
  /** The stack's generated Worker config, for a storefront a test starts itself. */
  workerConfig: string;
  /** The production profile's Redis (the production project restarts it); null in development. */
  redisUrl: string | null;
};

/** What a global setup provides to its projects about the stack it started. */
export function stackInfo(stack: Stack): StackInfo {
  return {
    storefronts: stack.storefronts,
    medusaUrl: stack.medusaUrl,
    medusaProxyUrl: stack.storefrontMedusaUrl,
    stripeSimUrl: stack.stripeSimUrl,
    mailUrl: stack.mailUrl,
    publishableKey: stack.publishableKey,
    regionId: stack.regionId,
    workerConfig: stack.workerConfig,
    redisUrl: stack.redisUrl,
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    stack: StackInfo;
  }
}
