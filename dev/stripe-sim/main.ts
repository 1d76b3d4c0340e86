// Runs the Stripe simulator on its own: `npm exec -- node dev/stripe-sim/main.ts`.
//
//   STRIPE_SIM_PORT         port (default 12111)
//   STRIPE_SIM_HOST         interface (default 127.0.0.1; the admin API has no auth)
//   STRIPE_SECRET_KEY       secret key clients must present (default sk_test_simulator)
//   STRIPE_PUBLISHABLE_KEY  publishable key for Stripe.js (default pk_test_simulator)
//   STRIPE_SIM_WEBHOOKS     webhook endpoints, comma-separated `url|whsec_secret` pairs
//
// Prints one JSON line per request and delivery, and {"msg":"stripe-sim ready",...} once
// listening.

import { startStripeSim } from "./server.ts";
import type { EndpointConfig } from "./webhooks.ts";

function fail(message: string): never {
  console.error(JSON.stringify({ level: "error", msg: message }));
  process.exit(1);
}

function parsePort(raw: string | undefined): number {
  if (raw === undefined || raw === "") return 12111;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    fail(`STRIPE_SIM_PORT=${raw} is not a port number (0-65535).`);
  }
  return port;
}

function parseWebhooks(raw: string | undefined): EndpointConfig[] {
  if (!raw) return [];
  return raw
    .split(",")
    .map((pair) => pair.trim())
    .filter(Boolean)
    .map((pair) => {
      const [url = "", secret = ""] = pair.split("|");
      if (!/^https?:\/\//.test(url) || !secret.startsWith("whsec_")) {
        fail(`STRIPE_SIM_WEBHOOKS: "${pair}" is not a \`url|whsec_secret\` pair.`);
      }
      return { url, secret };
    });
}

const port = parsePort(process.env.STRIPE_SIM_PORT);
const host = process.env.STRIPE_SIM_HOST || "127.0.0.1";
const log = (line: object) => console.log(JSON.stringify({ time: new Date().toISOString(), ...line }));

try {
  const sim = await startStripeSim({
    port,
    host,
    secretKey: process.env.STRIPE_SECRET_KEY || "sk_test_simulator",
    publishableKey: process.env.STRIPE_PUBLISHABLE_KEY || "pk_test_simulator",
    webhookEndpoints: parseWebhooks(process.env.STRIPE_SIM_WEBHOOKS),
    log,
  });
  if (!["127.0.0.1", "::1", "localhost"].includes(host)) {
    log({ level: "warn", msg: `stripe-sim listens on ${host}: its /_sim/ admin API has no authentication.` });
  }
  log({ msg: "stripe-sim ready", url: sim.url, stripe_js: `${sim.url}/js/stripe.js` });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "EADDRINUSE") {
    fail(`stripe-sim: port ${port} on ${host} is already in use. Stop whatever uses it, or set STRIPE_SIM_PORT to another port.`);
  }
  if (code === "EACCES") fail(`stripe-sim: not allowed to listen on ${host}:${port}. Set STRIPE_SIM_PORT to a port above 1024.`);
  fail(`stripe-sim failed to start: ${String(error)}`);
}
