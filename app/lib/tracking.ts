/** A parcel's tracking as the shopper sees it, on the order page and in the shipping email. */
export type Tracking = { number: string; url: string | null; carrier: string | null };

type Label = { tracking_number?: string | null; tracking_url?: string | null };

/**
 * The tracking of a fulfillment's labels: only http(s) links are links (a label is typed by
 * the merchant), and the carrier is the site the link goes to: Medusa's manual fulfillment
 * has no carrier of its own.
 */
export function trackingOf(labels: Label[]): Tracking[] {
  return labels
    .filter((label) => label.tracking_number || label.tracking_url)
    .map((label) => {
      let url: URL | null = null;
      try {
        url = label.tracking_url ? new URL(label.tracking_url) : null;
      } catch {}
      const safe = url && (url.protocol === "https:" || url.protocol === "http:") ? url : null;
      return { number: label.tracking_number ?? "", url: safe?.toString() ?? null, carrier: safe?.hostname.replace(/^www\./, "") ?? null };
    });
}
