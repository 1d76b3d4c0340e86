// The mail catcher's inbox (MailDev's REST API), as a test reads what Medusa sent.
import { inject } from "vitest";
import { eventually } from "./poll.ts";

export type CaughtMail = { id: string; subject: string; text: string; html: string; to: { address: string }[] };

export async function mailsTo(address: string): Promise<CaughtMail[]> {
  const response = await fetch(`${inject("stack").mailUrl}/api/email`);
  if (!response.ok) throw new Error(`mail catcher: HTTP ${response.status}`);
  const all = (await response.json()) as CaughtMail[];
  return all.filter((mail) => mail.to.some((to) => to.address === address));
}

/** Waits for a mail to `address` whose subject matches, and returns it. */
export async function awaitMail(address: string, subject: RegExp, timeoutMs = 30_000): Promise<CaughtMail> {
  const found = await eventually(
    async () => (await mailsTo(address)).filter((mail) => subject.test(mail.subject)),
    (mails) => mails.length > 0,
    timeoutMs,
  );
  if (!found[0]) throw new Error(`no mail to ${address} with a subject like ${subject} within ${timeoutMs} ms`);
  return found[0];
}

/** "Subtotal   $25.50" and the like, from a mail's text, in cents. */
export function mailAmounts(text: string): Record<string, number> {
  const amounts: Record<string, number> = {};
  for (const match of text.matchAll(/^(Subtotal|Discount|Shipping|Tax|Total)\s+−?\$([\d,]+\.\d{2})$/gm)) {
    amounts[match[1]!.toLowerCase()] = Math.round(Number(match[2]!.replace(/,/g, "")) * 100);
  }
  return amounts;
}
