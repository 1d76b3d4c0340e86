// What the global setup (tests/setup/stack.ts) tells every test project about the stack.
import type { Stack } from "../../dev/stack.ts";

export type StackInfo = {
  storefronts: Stack["storefronts"];
  medusaUrl: string;
  /** The fault proxy the storefronts use to reach Medusa (see dev/fault-proxy.ts). */
  medusaProxyUrl: string;
  stripeSimUrl: string;
  publishableKey: string;
  regionId: string;
};

declare module "vitest" {
  export interface ProvidedContext {
    stack: StackInfo;
  }
}
