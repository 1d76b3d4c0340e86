import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys, Modules } from "@medusajs/framework/utils"
import { createHash } from "node:crypto"
import { linkMail, mailSettings, storefrontLink } from "./link-mail"

/**
 * The password reset mail (README, "Password reset"). Medusa's
 * `POST /auth/customer/emailpass/reset-password` answers 201 whatever the email, and for an
 * email that has an identity it emits `auth.password_reset` with a single-use JWT (15
 * minutes, `purpose: "reset"`); sending it is ours. The link opens the storefront's
 * /account/reset-password, which spends the token at `POST /auth/customer/emailpass/update`.
 *
 * The token is a credential: it goes into the mail and nowhere else. It travels as the
 * notification's `content`, which the Notification module hands to the provider but has
 * no column for (2.21's `notification` model stores `data`, none here); no log names it,
 * except a development Medusa's when mail is off (the link is then the only way to it).
 */

/** `<storefront>/account/reset-password?token=…&email=…`. */
export function resetLink(storefrontUrl: string, token: string, email: string): string {
  return storefrontLink(storefrontUrl, "account/reset-password", { token, email })
}

/** What the shopper reads: who asked (maybe not them), what the link does, how long it works. */
export function resetMail(context: { shopName: string; link: string; firstName: string | null }) {
  return linkMail({
    subject: `Choose a new password for ${context.shopName}`,
    heading: { text: context.firstName ? `Hello ${context.firstName},` : "Hello,", asTitle: false },
    lines: [
      `Someone asked to choose a new password for your ${context.shopName} account. If it was you, open the link below within 15 minutes; it works once.`,
      "If it wasn't you, ignore this email: your password stays as it is.",
    ],
    linkText: "Choose a new password",
    link: context.link,
    shopName: context.shopName,
  })
}

/**
 * Sends the reset mail for a customer identity, once per token (its SHA-256 is the
 * idempotency key: a retried event sends nothing twice, and the key is no credential).
 * Only to an email with a registered customer: an identity that is only an admin user's,
 * or a sign-up that stopped before its customer was made, gets no storefront mail.
 */
export async function sendPasswordResetMail(container: MedusaContainer, email: string, token: string): Promise<void> {
  const logger = container.resolve(ContainerRegistrationKeys.LOGGER)
  const settings = mailSettings()
  if (!settings) {
    logger.info("password reset mail not sent: mail is off (set SMTP_HOST and STOREFRONT_URL)")
    // A developer without a mail server still needs the link; a production log never gets it.
    if (process.env.NODE_ENV === "development") {
      logger.info(`password reset link (development only): ${resetLink(process.env.STOREFRONT_URL || "http://localhost:5173", token, email)}`)
    }
    return
  }
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const { data } = await query.graph({ entity: "customer", fields: ["id", "first_name"], filters: { email, has_account: true } })
  const customer = data[0] as { id: string; first_name?: string | null } | undefined
  if (!customer) {
    logger.info("password reset mail not sent: no customer account has this identity's email")
    return
  }
  const content = resetMail({ shopName: settings.shopName, link: resetLink(settings.storefrontUrl, token, email), firstName: customer.first_name || null })
  const notifications = container.resolve(Modules.NOTIFICATION)
  await notifications.createNotifications({
    to: email,
    channel: "email",
    template: "password-reset",
    content,
    resource_id: customer.id,
    resource_type: "customer",
    idempotency_key: `password-reset:${createHash("sha256").update(token).digest("hex")}`,
  })
}
