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

module.exports = defineConfig({
  projectConfig: {
    databaseUrl: process.env.DATABASE_URL,
    databaseLogging: false,
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
  ],
})
