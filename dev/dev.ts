// `npm run dev` (vite dev) and `npm run preview` (the production build under wrangler dev):
// starts the whole local stack, prints what runs where, and stops it all on Ctrl-C.
// `-- --medusa production` runs Medusa as merchants do (built, a server and a worker process,
// Redis; its own database and storefront state), without the admin dashboard.
import { parseArgs } from "node:util";
import { medusaProfileOption } from "./medusa.ts";
import { startStack, type StorefrontMode } from "./stack.ts";

const { values, positionals } = parseArgs({ options: { medusa: { type: "string" } }, allowPositionals: true });
const mode: StorefrontMode = positionals[0] === "preview" ? "preview" : "dev";
const log = (line: string) => console.log(`[stack] ${line}`);

try {
  const started = Date.now();
  const medusaProfile = medusaProfileOption(values.medusa, "development");
  // The production profile's build has no dashboard.
  const medusaAdmin = medusaProfile === "development" && process.env.MEDUSA_ADMIN !== "false";
  const stack = await startStack([mode], log, { name: "dev", medusaAdmin, medusaProfile });
  // The seed's local merchant (dev/medusa/src/scripts/seed.ts); never a real shop's.
  const admin = {
    email: process.env.MEDUSA_DEV_ADMIN_EMAIL ?? "admin@harbor-and-pine.local",
    password: process.env.MEDUSA_DEV_ADMIN_PASSWORD ?? "local-stack-only",
  };
  console.log(`
  Storefront     ${stack.storefronts[mode]}   <- open this to shop
  Medusa admin   ${stack.adminUrl ?? (medusaProfile === "production" ? "off (the production profile is built without it)" : "off (MEDUSA_ADMIN=false)")}${stack.adminUrl ? `   (log in: ${admin.email} / ${admin.password}; its first load takes about 15 s)` : ""}
  Mail inbox     ${stack.mailUrl}   (order, shipping, password-reset and order-claim emails land here)
  Medusa API     ${stack.medusaUrl}   (${medusaProfile} profile${stack.redisUrl ? `: a server and a worker process, Redis on ${stack.redisUrl}` : ""})
  Stripe (sim)   ${stack.stripeSimUrl}   (test cards: 4242 4242 4242 4242 pays, 4000 0000 0000 0002 declines)
  Ready in ${((Date.now() - started) / 1000).toFixed(1)} s. Ctrl-C stops everything.
`);
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    log("stopping...");
    await stack.stop();
    process.exit(0);
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
} catch (error) {
  console.error(`\n[stack] could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
