import type { Stripe } from "@stripe/stripe-js";
// `/pure` injects Stripe.js only when loadStripe() is called (the main entry injects it on
// import), so only the checkout loads it, and never when a stand-in is configured.
import { loadStripe } from "@stripe/stripe-js/pure";
import type { PublicConfig } from "./config.server";

/**
 * Stripe.js for the checkout page. With `stripeJsUrl` (development and tests: the
 * simulator's stand-in at `<sim>/js/stripe.js`) that script is loaded first; loadStripe()
 * then finds `window.Stripe` and never adds the real https://js.stripe.com tag. Without it,
 * loadStripe() loads the real Stripe.js.
 */
const loads = new Map<string, Promise<Stripe | null>>();

export function loadStripeFor(config: PublicConfig): Promise<Stripe | null> {
  const cacheKey = `${config.stripeJsUrl ?? ""}|${config.stripePublishableKey}`;
  let load = loads.get(cacheKey);
  if (!load) {
    load = (async () => {
      if (config.stripeJsUrl) await injectScript(config.stripeJsUrl);
      return loadStripe(config.stripePublishableKey);
    })();
    // A failed load (offline, blocked) may be retried by the next call.
    load.catch(() => loads.delete(cacheKey));
    loads.set(cacheKey, load);
  }
  return load;
}

function injectScript(src: string): Promise<void> {
  if (window.Stripe) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const existing = document.querySelector<HTMLScriptElement>(`script[data-stripe-stand-in]`);
    const script = existing ?? document.createElement("script");
    const fail = () => {
      script.remove();
      reject(new Error(`Stripe.js could not be loaded from ${src}`));
    };
    script.addEventListener("load", () => (window.Stripe ? resolve() : fail()), { once: true });
    script.addEventListener("error", fail, { once: true });
    if (!existing) {
      script.src = src;
      script.async = true;
      script.dataset.stripeStandIn = "";
      document.head.appendChild(script);
    }
  });
}
