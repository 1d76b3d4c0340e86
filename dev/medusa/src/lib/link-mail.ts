// The storefront's own escaping and mail shape (see tsconfig.json "moduleTypes"), as the order mails use.
import { escapeHtml, type RenderedMail } from "../../../../app/lib/mail/order-mail"

/**
 * Settings of the account mails, from the environment: mail is on when SMTP_HOST is set
 * (registered in medusa-config.ts), and their links need STOREFRONT_URL.
 */
export function mailSettings(): { storefrontUrl: string; shopName: string } | null {
  const { SMTP_HOST, STOREFRONT_URL } = process.env
  if (!SMTP_HOST || !STOREFRONT_URL) return null
  return { storefrontUrl: STOREFRONT_URL, shopName: process.env.SHOP_NAME || "Harbor & Pine" }
}

/**
 * The shape shared by the account mails (password reset, order transfer): a heading or
 * greeting, a few paragraphs, one link, the shop's name; as text and as escaped HTML.
 */
export function linkMail(parts: { subject: string; heading: { text: string; asTitle: boolean }; lines: string[]; linkText: string; link: string; shopName: string }): RenderedMail {
  const { heading, lines, linkText, link, shopName } = parts
  const text = [heading.text, "", ...lines, "", `${linkText}: ${link}`, "", shopName].join("\n")
  const head = heading.asTitle ? `<h1 style="font-size:20px">${escapeHtml(heading.text)}</h1>` : `<p>${escapeHtml(heading.text)}</p>`
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#1c2420;max-width:560px">
${head}
${lines.map((line) => `<p>${escapeHtml(line)}</p>`).join("\n")}
<p><a href="${escapeHtml(link)}">${escapeHtml(linkText)}</a></p>
<p>${escapeHtml(shopName)}</p>
</body></html>`
  return { subject: parts.subject, text, html }
}

/** `<storefront>/<path>?<params>`, under the storefront's own path if it has one. */
export function storefrontLink(storefrontUrl: string, path: string, params: Record<string, string>): string {
  const base = storefrontUrl.endsWith("/") ? storefrontUrl : `${storefrontUrl}/`
  const url = new URL(path, base)
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value)
  return url.toString()
}
