import type { SubscriberArgs, SubscriberConfig } from "@medusajs/framework"
import { sendPasswordResetMail } from "../lib/reset-mail"

/**
 * `auth.password_reset`, emitted by Medusa's reset-password route for an email that has an
 * identity (never for an unknown one): `{ entity_id: <email as sent>, actor_type, token }`.
 * Only customers get the storefront's link; an admin user's reset (actor_type "user")
 * belongs to the admin dashboard.
 */
export default async function passwordReset({ event, container }: SubscriberArgs<{ entity_id: string; actor_type: string; token: string }>) {
  if (event.data.actor_type !== "customer") return
  await sendPasswordResetMail(container, event.data.entity_id, event.data.token)
}

export const config: SubscriberConfig = { event: "auth.password_reset" }
