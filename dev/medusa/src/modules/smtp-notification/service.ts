import { AbstractNotificationProviderService, MedusaError } from "@medusajs/framework/utils"
import type { Logger, ProviderSendNotificationDTO, ProviderSendNotificationResultsDTO } from "@medusajs/framework/types"
import nodemailer, { type Transporter } from "nodemailer"

export type SmtpOptions = {
  host: string
  port: number
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  secure?: boolean
  user?: string
  pass?: string
  /** The sender, e.g. "Harbor & Pine <orders@example.com>". */
  from: string
}

/**
 * Sends the notifications Medusa gives the "email" channel. The content (subject, text,
 * html) is rendered by the caller (src/subscribers), so this provider knows no templates.
 * A refused or unreachable server throws: Medusa marks the notification failed, and the
 * same idempotency key may be sent again.
 */
export default class SmtpNotificationProviderService extends AbstractNotificationProviderService {
  static identifier = "smtp"
  private readonly transporter: Transporter
  private readonly from: string
  private readonly logger: Logger

  static validateOptions(options: Record<string, unknown>): void {
    if (!options.host) throw new MedusaError(MedusaError.Types.INVALID_DATA, "SMTP notification provider: set SMTP_HOST")
    if (!options.from) throw new MedusaError(MedusaError.Types.INVALID_DATA, "SMTP notification provider: set MAIL_FROM")
  }

  constructor({ logger }: { logger: Logger }, options: SmtpOptions) {
    super()
    this.logger = logger
    this.from = options.from
    this.transporter = nodemailer.createTransport({
      host: options.host,
      port: options.port,
      secure: options.secure ?? false,
      auth: options.user ? { user: options.user, pass: options.pass ?? "" } : undefined,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    })
  }

  async send(notification: ProviderSendNotificationDTO): Promise<ProviderSendNotificationResultsDTO> {
    const content = notification.content
    if (!content?.subject || !(content.text || content.html)) {
      throw new MedusaError(MedusaError.Types.INVALID_DATA, `notification "${notification.template}" has no rendered content`)
    }
    const info = await this.transporter.sendMail({
      from: notification.from || this.from,
      to: notification.to,
      subject: content.subject,
      text: content.text ?? undefined,
      html: content.html ?? undefined,
    })
    // The recipient stays out of the log: a template name and the server's message id suffice.
    this.logger.info(`mail "${notification.template}" accepted by the SMTP server (${info.messageId})`)
    return { id: info.messageId }
  }
}
