import { ModuleProvider, Modules } from "@medusajs/framework/utils"
import SmtpNotificationProviderService from "./service"

// The email channel of Medusa's Notification module over SMTP (nodemailer): any SMTP server,
// SendGrid's SMTP relay included. Registered in medusa-config.ts when SMTP_HOST is set.
export default ModuleProvider(Modules.NOTIFICATION, {
  services: [SmtpNotificationProviderService],
})
