// The webhook part of `npm run bench`: how long from a successful payment until the order
// is visible in Medusa, through the storefront's webhook and through Medusa's own Stripe
// webhook (measured in the same run), and how fast the storefront acknowledges new and
// duplicate events. Figures only; nothing here asserts a time.
import { newClientIp, newTrace, shippingOptionId, Shopper, TEXAS_ADDRESS, variantId, type Shop } from "./shopper.ts";
import { SIMULATOR_KEYS } from "./stack.ts";
import { percentile, round } from "./stats.ts";

type Endpoint = { id: string; url: string };
type Delivery = { endpoint_url: string; duration_ms: number; status: number | null; reason: string; event_type: string };

const summary = (values: number[]) => ({ samples: values.length, p50_ms: round(percentile(values, 50)), p99_ms: round(percentile(values, 99)) });

async function simAdmin<T>(simUrl: string, path: string, method = "GET", body?: unknown): Promise<T> {
  const response = await fetch(`${simUrl}/_sim/${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`simulator ${method} ${path}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

async function endpoints(simUrl: string): Promise<Endpoint[]> {
  return (await simAdmin<{ data: Endpoint[] }>(simUrl, "webhook_endpoints")).data;
}

/** Leaves only the endpoints whose path matches `keep`, returns the removed ones. */
async function keepOnly(simUrl: string, keep: RegExp): Promise<Endpoint[]> {
  const removed: Endpoint[] = [];
  for (const endpoint of await endpoints(simUrl)) {
    if (keep.test(new URL(endpoint.url).pathname)) continue;
    await simAdmin(simUrl, `webhook_endpoints/${endpoint.id}`, "DELETE");
    removed.push(endpoint);
  }
  return removed;
}

async function restore(simUrl: string, removed: Endpoint[]) {
  for (const endpoint of removed) {
    await simAdmin(simUrl, "webhook_endpoints", "POST", { url: endpoint.url, secret: SIMULATOR_KEYS.webhookSecret });
  }
}

/** One paid checkout; resolves with ms from the payment's answer to the order in Medusa. */
async function paidCheckoutToOrder(shop: Shop, simUrl: string): Promise<{ ms: number; paymentIntentId: string }> {
  // Each bench shopper is its own client to the rate limits: 10.30.x.y.
  const shopper = new Shopper(shop, { clientIp: newClientIp(30) });
  await shopper.addVariant("canvas-tote-bag", await variantId(shop, "canvas-tote-bag", "Natural"));
  const prepared = await shopper.prepare(
    { email: "bench@example.com", shipping_address: TEXAS_ADDRESS, shipping_option_id: await shippingOptionId(shop, shopper.cartId, "Standard") },
    { traceparent: newTrace().traceparent },
  );
  if (prepared.status !== 200 || prepared.body.client_secret === undefined) throw new Error(`prepare answered ${prepared.status}`);
  const { client_secret: clientSecret, payment_intent_id: paymentIntentId } = prepared.body;
  const confirmed = await fetch(`${simUrl}/v1/payment_intents/${paymentIntentId}/confirm`, {
    method: "POST",
    headers: { authorization: `Bearer ${SIMULATOR_KEYS.publishableKey}`, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ client_secret: clientSecret, payment_method: "pm_card_visa", return_url: "http://localhost/return" }),
  });
  await confirmed.arrayBuffer();
  const paidAt = performance.now();
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const response = await fetch(`${shop.medusaUrl}/store/carts/${shopper.cartId}?fields=completed_at`, {
      headers: { "x-publishable-api-key": shop.publishableKey },
    });
    const { cart } = (await response.json()) as { cart: { completed_at: string | null } };
    if (cart.completed_at) return { ms: performance.now() - paidAt, paymentIntentId };
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no order within 30 s for ${shopper.cartId}`);
}

export async function benchWebhooks(shop: Shop, simUrl: string, log: (line: string) => void) {
  const ours = /^\/webhooks\/stripe$/;
  const medusas = /^\/hooks\/payment\/stripe_stripe$/;
  const storefrontSamples = Number(process.env.BENCH_WEBHOOK_SAMPLES ?? 8);
  const medusaSamples = Number(process.env.BENCH_MEDUSA_WEBHOOK_SAMPLES ?? 3);

  log("webhooks: payment to order through the storefront's webhook");
  let removed = await keepOnly(simUrl, ours);
  const throughStorefront: number[] = [];
  const intents: string[] = [];
  try {
    for (let i = 0; i < storefrontSamples; i++) {
      const { ms, paymentIntentId } = await paidCheckoutToOrder(shop, simUrl);
      throughStorefront.push(ms);
      intents.push(paymentIntentId);
    }
  } finally {
    await restore(simUrl, removed);
  }

  log("webhooks: payment to order through Medusa's own Stripe webhook");
  removed = await keepOnly(simUrl, medusas);
  const throughMedusa: number[] = [];
  try {
    for (let i = 0; i < medusaSamples; i++) throughMedusa.push((await paidCheckoutToOrder(shop, simUrl)).ms);
  } finally {
    await restore(simUrl, removed);
  }

  log("webhooks: acknowledge times of new and duplicate events");
  const storefrontDeliveries = (await simAdmin<{ data: Delivery[] }>(simUrl, "deliveries")).data.filter(
    (delivery) => ours.test(new URL(delivery.endpoint_url).pathname) && delivery.status === 200,
  );
  const newEvents = storefrontDeliveries.filter((delivery) => delivery.reason === "event").map((delivery) => delivery.duration_ms);
  const duplicates: number[] = [];
  const storefrontEndpoint = (await endpoints(simUrl)).find((endpoint) => ours.test(new URL(endpoint.url).pathname));
  for (const intent of intents) {
    const events = (await simAdmin<{ data: { id: string; type: string }[] }>(simUrl, `events?payment_intent=${intent}`)).data;
    const paid = events.find((event) => event.type === "payment_intent.amount_capturable_updated" || event.type === "payment_intent.succeeded");
    if (!paid || !storefrontEndpoint) continue;
    for (let i = 0; i < 5; i++) {
      const { data: attempts } = await simAdmin<{ data: Delivery[] }>(simUrl, `events/${paid.id}/redeliver`, "POST", { endpoint_id: storefrontEndpoint.id });
      for (const attempt of attempts) duplicates.push(attempt.duration_ms);
    }
  }

  const storefront = summary(throughStorefront);
  const medusa = summary(throughMedusa);
  return {
    payment_to_order_ms: {
      storefront_webhook: storefront,
      medusa_own_webhook: medusa,
      speedup_p50: round(medusa.p50_ms / storefront.p50_ms),
    },
    webhook_ack_ms: { new_events: summary(newEvents), duplicate_events: summary(duplicates) },
  };
}
