import { defineConfig, loadEnv, Modules } from "@medusajs/framework/utils"

loadEnv(process.env.NODE_ENV || "development", process.cwd())

// Any localhost/127.0.0.1 origin, any port, http or https (the storefront's dev server,
// tests and browsers). Medusa turns "/.../" entries into RegExps; entries are split on ",".
const LOCALHOST_ORIGINS = String.raw`/^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/`

const stripeOptions = {
  apiKey: process.env.STRIPE_SECRET_KEY || "sk_test_simulator",
  webhookSecret: process.env.STRIPE_WEBHOOK_SECRET || "whsec_simulator_dev_secret",
  // Manual capture (Medusa's default): PaymentIntents end in `requires_capture`.
  capture: false,
}

// With STRIPE_API_HOST set (dev and tests) the provider talks to the local Stripe simulator
// through a subclass that only swaps the Stripe client; otherwise the stock provider is used,
// as in production. Both register as id "stripe", so the provider id is `pp_stripe_stripe`.
const stripeProvider = process.env.STRIPE_API_HOST
  ? {
      resolve: "./src/modules/stripe-simulated",
      id: "stripe",
      options: {
        ...stripeOptions,
        apiHost: process.env.STRIPE_API_HOST,
        apiPort: Number(process.env.STRIPE_API_PORT || 12111),
        apiProtocol: process.env.STRIPE_API_PROTOCOL || "http",
      },
    }
  : {
      resolve: "@medusajs/medusa/payment-stripe",
      id: "stripe",
      options: stripeOptions,
    }

// Order mail (src/subscribers, src/lib/order-mail.ts) goes out over SMTP when SMTP_HOST is
// set: the local stack points it at its mail catcher (maildev); production at any SMTP
// server, SendGrid's relay included (README, "Order email").
const mailModules = process.env.SMTP_HOST
  ? [
      {
        resolve: "@medusajs/medusa/notification",
        key: Modules.NOTIFICATION,
        options: {
          providers: [
            {
              resolve: "./src/modules/smtp-notification",
              id: "smtp",
              options: {
                channels: ["email"],
                host: process.env.SMTP_HOST,
                port: Number(process.env.SMTP_PORT || 587),
                secure: process.env.SMTP_SECURE === "true",
                user: process.env.SMTP_USER || undefined,
                pass: process.env.SMTP_PASS || undefined,
                from: process.env.MAIL_FROM || "Harbor & Pine <orders@harbor-and-pine.local>",
              },
            },
          ],
        },
      },
    ]
  : []

// The production profile (dev/medusa.ts, profile "production"; README of dev/medusa) sets
// REDIS_URL: server and worker are separate processes, so events, workflow state, locks and
// the cache must live in Redis, not in each process's memory. Without it (development, tests)
// Medusa keeps its in-memory defaults. A merchant's production Medusa needs the same modules.
const REDIS_URL = process.env.REDIS_URL
const redisModules = REDIS_URL
  ? [
      {
        // Events emitted by the server are queued in Redis (BullMQ) and handled by the worker.
        resolve: "@medusajs/medusa/event-bus-redis",
        key: Modules.EVENT_BUS,
        options: { redisUrl: REDIS_URL },
      },
      {
        // Workflow executions, their retries, step timeouts and scheduled workflows.
        resolve: "@medusajs/medusa/workflow-engine-redis",
        key: Modules.WORKFLOW_ENGINE,
        options: { redis: { redisUrl: REDIS_URL } },
      },
      {
        // One lock across processes (cart completion takes the cart's lock).
        resolve: "@medusajs/medusa/locking",
        key: Modules.LOCKING,
        options: {
          providers: [
            { resolve: "@medusajs/medusa/locking-redis", id: "locking-redis", is_default: true, options: { redisUrl: REDIS_URL } },
          ],
        },
      },
      {
        // Used by Medusa's core only with its `caching` feature flag on (MEDUSA_FF_CACHING=true,
        // off by default in 2.21); registered so that turning the flag on needs nothing else.
        resolve: "@medusajs/medusa/caching",
        key: Modules.CACHING,
        options: {
          providers: [
            { resolve: "@medusajs/medusa/caching-redis", id: "caching-redis", is_default: true, options: { redisUrl: REDIS_URL } },
          ],
        },
      },
    ]
  : []

module.exports = defineConfig({
  projectConfig: {
    databaseUrl: process.env.DATABASE_URL,
    databaseLogging: false,
    // Also where admin sessions are kept (express-session's Redis store), shared by processes.
    ...(REDIS_URL ? { redisUrl: REDIS_URL } : {}),
    http: {
      storeCors: process.env.STORE_CORS || LOCALHOST_ORIGINS,
      adminCors: process.env.ADMIN_CORS || LOCALHOST_ORIGINS,
      authCors: process.env.AUTH_CORS || LOCALHOST_ORIGINS,
      jwtSecret: process.env.JWT_SECRET || "dev-only-jwt-secret",
      cookieSecret: process.env.COOKIE_SECRET || "dev-only-cookie-secret",
    },
  },
  // The dashboard only where asked (`npm run dev` sets MEDUSA_ADMIN): tests use the Admin API.
  admin: {
    disable: process.env.MEDUSA_ADMIN !== "true",
  },
  modules: [
    {
      resolve: "@medusajs/medusa/payment",
      key: Modules.PAYMENT,
      options: {
        providers: [stripeProvider],
      },
    },
    ...mailModules,
    ...redisModules,
  ],
})
