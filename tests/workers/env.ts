// The Workers tests' bindings, typed as tests/workers/vitest.config.ts sets them: the ones
// wrangler.jsonc declares (as `wrangler types` generates `Env`), its vars with the tests'
// values (ENVIRONMENT "development", the stack's URLs), and the secrets wrangler.jsonc
// leaves to `.dev.vars` and the dashboard.
import { env as workerEnv } from "cloudflare:test";

/** wrangler.jsonc's vars as any string (it types them as its literal production values). */
type Vars<E> = { [K in keyof E]: E[K] extends string ? string : E[K] };

export type TestEnv = Vars<Env> & {
  ENVIRONMENT: "development" | "production";
  STRIPE_SECRET_KEY: string;
  STRIPE_WEBHOOK_SECRET: string;
  SESSION_SECRET: string;
  STRIPE_API_URL: string;
  STRIPE_JS_URL: string;
};

export const env = workerEnv as TestEnv;
