/**
 * The shape shared by the account mails (password reset, order transfer): a heading or
 * greeting, a few paragraphs, one link, the shop's name; as text and as escaped HTML.
 */
export type LinkMail = { subject: string; text: string; html: string }

export function linkMail(parts: { subject: string; heading: { text: string; asTitle: boolean }; lines: string[]; linkText: string; link: string; shopName: string }): LinkMail {
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

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!)
}
