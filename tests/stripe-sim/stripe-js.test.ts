// The Stripe.js stand-in in a real browser (Debian's Chromium via playwright-core), driven
// through a page built with the real @stripe/stripe-js and @stripe/react-stripe-js, on
// another origin than the simulator, as the storefront will be.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { Browser, Page } from "playwright-core";
import Stripe from "stripe";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { PUBLISHABLE_KEY, admin, launchChromium, startTestSim, stripeClient, type TestSim } from "./support.ts";

let sim: TestSim;
let stripe: Stripe;
let browser: Browser;
let shop: Server;
let shopUrl: string;
let bundle: string;
let page: Page;
let consoleMessages: string[];
// How the shop creates its PaymentIntents (Medusa's provider default: manual capture).
let intentCaptureMethod: "manual" | "automatic" = "manual";

const APP = fileURLToPath(new URL("./fixtures/checkout-app.ts", import.meta.url));

beforeAll(async () => {
  sim = await startTestSim();
  stripe = stripeClient(sim);
  const built = await build({
    entryPoints: [APP],
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    define: { "process.env.NODE_ENV": '"development"' },
    logLevel: "silent",
  });
  bundle = built.outputFiles[0]!.text;
  shop = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://shop");
    if (url.pathname === "/app.js") {
      res.writeHead(200, { "content-type": "application/javascript" }).end(bundle);
    } else if (url.pathname === "/create-intent" && req.method === "POST") {
      stripe.paymentIntents
        .create({ amount: 1999, currency: "usd", capture_method: intentCaptureMethod, metadata: { checkout_attempt_id: "ca_browser" } })
        .then((pi) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ clientSecret: pi.client_secret, id: pi.id })));
    } else if (url.pathname === "/complete") {
      res.writeHead(200, { "content-type": "text/html" }).end(`<!doctype html><title>Complete</title><h1>Order complete</h1>`);
    } else {
      const config = {
        publishableKey: PUBLISHABLE_KEY,
        captureMethod: url.searchParams.get("captureMethod") ?? "manual",
        redirect: url.searchParams.get("redirect") ?? "if_required",
        amount: 1999,
      };
      res.writeHead(200, { "content-type": "text/html" }).end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Checkout</title>
<script src="${sim.url}/js/stripe.js"></script>
<script>window.__CHECKOUT__ = ${JSON.stringify(config)};</script>
</head><body><main id="root"></main><script type="module" src="/app.js"></script></body></html>`);
    }
  });
  await new Promise<void>((resolve) => shop.listen(0, "127.0.0.1", resolve));
  // "localhost" vs the simulator's "127.0.0.1": a different origin, like storefront vs Stripe.
  shopUrl = `http://localhost:${(shop.address() as AddressInfo).port}`;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => shop.close(() => resolve()));
  await sim.close();
});

beforeEach(async () => {
  intentCaptureMethod = "manual";
  await admin(sim, "POST", "/_sim/reset");
  page = await browser.newPage();
  consoleMessages = [];
  page.on("console", (message) => consoleMessages.push(`${message.type()}: ${message.text()}`));
  page.on("pageerror", (error) => consoleMessages.push(`pageerror: ${error.message}`));
});
afterEach(() => page.close());

async function openCheckout(query = ""): Promise<void> {
  await page.goto(`${shopUrl}/${query}`);
  await page.getByText("Payment form ready").waitFor();
}

async function useTestCard(label: "success" | "decline" | "3D Secure"): Promise<void> {
  await page.getByRole("button", { name: new RegExp(`^Use ${label} test card`) }).click();
}

async function onlyIntent(): Promise<Stripe.PaymentIntent> {
  const { data } = await admin<{ data: Stripe.PaymentIntent[] }>(sim, "GET", "/_sim/payment_intents");
  expect(data).toHaveLength(1);
  return data[0]!;
}

describe("Stripe.js stand-in", () => {
  test("is served as JavaScript to any origin", async () => {
    const response = await fetch(`${sim.url}/js/stripe.js`);
    expect(response.headers.get("content-type")).toMatch(/^application\/javascript/);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
  });

  test("loadStripe and <Elements> accept it without warnings, and the version is what @stripe/stripe-js expects", async () => {
    await openCheckout();
    expect(await page.evaluate(() => (window as unknown as { Stripe: { version: string } }).Stripe.version)).toBe("endive");
    expect(consoleMessages.filter((m) => /^(warning|error|pageerror)/.test(m))).toEqual([]);
  });

  test("the Payment Element is a labelled card form whose change events report completeness", async () => {
    await openCheckout();
    await expect(page.getByLabel("Card number").isVisible()).resolves.toBe(true);
    await expect(page.getByLabel("Expiration date").isVisible()).resolves.toBe(true);
    await expect(page.getByLabel("Security code").isVisible()).resolves.toBe(true);
    await page.getByText("Card details incomplete").waitFor();
    await page.getByLabel("Card number").fill("4242 4242 4242 4242");
    await page.getByLabel("Expiration date").fill("12 / 40");
    await page.getByText("Payment form focused").waitFor();
    await page.getByLabel("Security code").fill("123");
    await page.getByText("Card details complete").waitFor();
    await page.getByRole("button", { name: "Pay" }).focus();
    await page.getByText("Payment form not focused").waitFor();
  });

  test("submitting an incomplete form shows the field error and creates no payment", async () => {
    await openCheckout();
    await page.getByLabel("Card number").fill("4242");
    await page.getByRole("button", { name: "Pay" }).click();
    await page.getByRole("status").getByText("Not submitted: Your card number is incomplete.").waitFor();
    await page.getByRole("alert").filter({ hasText: "Your card number is incomplete." }).waitFor();
    expect(await page.getByLabel("Card number").getAttribute("aria-invalid")).toBe("true");
    expect((await admin<{ data: unknown[] }>(sim, "GET", "/_sim/payment_intents")).data).toEqual([]);
  });

  test("the success card authorises the payment and resolves { paymentIntent } with redirect: if_required", async () => {
    await openCheckout();
    await useTestCard("success");
    await page.getByRole("button", { name: "Pay" }).click();
    await page.getByRole("status").getByText(/^Payment requires_capture pi_/).waitFor();
    const pi = await onlyIntent();
    expect(pi).toMatchObject({ status: "requires_capture", amount_capturable: 1999 });
    const requests = await admin<{ data: { path: string; key_type: string }[] }>(sim, "GET", "/_sim/requests?path_prefix=/v1/payment_intents/");
    expect(requests.data.at(-1)).toMatchObject({ path: `/v1/payment_intents/${pi.id}/confirm`, key_type: "publishable" });
  });

  test("the decline card resolves card_declined and the intent waits for another payment method", async () => {
    await openCheckout();
    await useTestCard("decline");
    await page.getByRole("button", { name: "Pay" }).click();
    await page.getByRole("status").getByText("Error card_declined: Your card was declined.").waitFor();
    expect(await onlyIntent()).toMatchObject({ status: "requires_payment_method", last_payment_error: { decline_code: "generic_decline" } });
  });

  test("the 3D Secure card opens an authentication dialog; completing it authorises the payment", async () => {
    await openCheckout();
    await useTestCard("3D Secure");
    await page.getByRole("button", { name: "Pay" }).click();
    const dialog = page.getByRole("dialog", { name: "Authentication required" });
    await dialog.waitFor();
    expect((await onlyIntent()).status).toBe("requires_action");
    await dialog.getByRole("button", { name: "Complete authentication" }).click();
    await page.getByRole("status").getByText(/^Payment requires_capture pi_/).waitFor();
    expect(await dialog.count()).toBe(0);
  });

  test("failing 3D Secure reports payment_intent_authentication_failure in Stripe.js's words", async () => {
    await openCheckout();
    await useTestCard("3D Secure");
    await page.getByRole("button", { name: "Pay" }).click();
    await page.getByRole("dialog", { name: "Authentication required" }).getByRole("button", { name: "Fail authentication" }).click();
    await page
      .getByRole("status")
      .getByText(
        "Error payment_intent_authentication_failure: We are unable to authenticate your payment method. Please choose a different payment method and try again.",
      )
      .waitFor();
    expect(await onlyIntent()).toMatchObject({ status: "requires_payment_method", last_payment_error: { code: "payment_intent_authentication_failure" } });
  });

  test("without redirect: if_required a successful payment navigates to return_url with Stripe's query parameters", async () => {
    await openCheckout("?redirect=always");
    await useTestCard("success");
    await page.getByRole("button", { name: "Pay" }).click();
    await page.getByRole("heading", { name: "Order complete" }).waitFor();
    const pi = await onlyIntent();
    const landed = new URL(page.url());
    expect(landed.pathname).toBe("/complete");
    expect(Object.fromEntries(landed.searchParams)).toEqual({
      payment_intent: pi.id,
      payment_intent_client_secret: pi.client_secret,
      redirect_status: "succeeded",
    });
  });

  test("an Elements captureMethod that differs from the PaymentIntent's is refused", async () => {
    await openCheckout("?captureMethod=automatic");
    await useTestCard("success");
    await page.getByRole("button", { name: "Pay" }).click();
    await page.getByRole("status").getByText(/^Error .*captureMethod provided to Elements \(automatic\) does not match/).waitFor();
    expect((await onlyIntent()).status).toBe("requires_payment_method");
  });

  test("automatic capture on both sides pays at once", async () => {
    intentCaptureMethod = "automatic";
    await openCheckout("?captureMethod=automatic");
    await useTestCard("success");
    await page.getByRole("button", { name: "Pay" }).click();
    await page.getByRole("status").getByText(/^Payment succeeded pi_/).waitFor();
  });
});

// Saved cards (issue 11): Stripe.js called directly on a plain page, as an account page or a
// one-click checkout would.
describe("Stripe.js stand-in with saved cards", () => {
  type StripeJs = (key: string) => Record<string, (...args: unknown[]) => Promise<Record<string, unknown>>> & {
    elements(options: object): { create(type: string): { mount(selector: string): void } };
  };
  type SimWindow = { Stripe: StripeJs; __elements?: unknown; __stripe?: unknown };

  async function openPlainPage(): Promise<void> {
    await page.goto(`${shopUrl}/complete`);
    await page.addScriptTag({ url: `${sim.url}/js/stripe.js` });
  }

  async function savedCard(card: string): Promise<{ customer: string; pm: string }> {
    const customer = await stripe.customers.create({ email: "ada@example.com" });
    const si = await stripe.setupIntents.create({ customer: customer.id, payment_method: card, confirm: true, use_stripe_sdk: true, return_url: "https://shop.test/r" });
    if (si.status === "requires_action") {
      await fetch(`${sim.url}/v1/setup_intents/${si.id}/_authenticate`, {
        method: "POST",
        headers: { authorization: "Bearer sk_test_simulator", "content-type": "application/x-www-form-urlencoded" },
        body: "result=approve",
      });
    }
    return { customer: customer.id, pm: String(si.payment_method) };
  }

  async function authenticate(answer: "Complete authentication" | "Fail authentication"): Promise<void> {
    await page.getByRole("dialog", { name: "Authentication required" }).getByRole("button", { name: answer }).click();
  }

  test("confirmCardPayment(clientSecret, {payment_method: saved 3DS card}) asks for authentication again on-session, then authorises", async () => {
    const { customer, pm } = await savedCard("pm_card_threeDSecureRequired");
    const pi = await stripe.paymentIntents.create({ amount: 1999, currency: "usd", customer, capture_method: "manual" });
    await openPlainPage();
    const result = page.evaluate(
      ([pk, clientSecret, paymentMethod]) => (window as unknown as SimWindow).Stripe(pk!).confirmCardPayment!(clientSecret, { payment_method: paymentMethod }),
      [PUBLISHABLE_KEY, pi.client_secret, pm],
    );
    await authenticate("Complete authentication");
    expect(await result).toMatchObject({ paymentIntent: { id: pi.id, status: "requires_capture", payment_method: pm } });
  });

  test("confirmPayment({clientSecret, confirmParams: {payment_method}, redirect: 'if_required'}) pays with a saved card; another customer's card is refused", async () => {
    const { customer, pm } = await savedCard("pm_card_visa");
    const mine = await stripe.paymentIntents.create({ amount: 1999, currency: "usd", customer, capture_method: "manual" });
    const stranger = await stripe.paymentIntents.create({ amount: 1999, currency: "usd", capture_method: "manual", customer: (await stripe.customers.create({})).id });
    await openPlainPage();
    const confirm = (clientSecret: string | null) =>
      page.evaluate(
        ([pk, cs, paymentMethod]) =>
          (window as unknown as SimWindow).Stripe(pk!).confirmPayment!({ clientSecret: cs, confirmParams: { payment_method: paymentMethod }, redirect: "if_required" }),
        [PUBLISHABLE_KEY, clientSecret, pm],
      );
    expect(await confirm(mine.client_secret)).toMatchObject({ paymentIntent: { id: mine.id, status: "requires_capture", payment_method: pm } });
    expect(await confirm(stranger.client_secret)).toMatchObject({
      error: { type: "invalid_request_error", param: "payment_method", message: expect.stringMatching(/belongs to the Customer/) },
    });
    expect((await stripe.paymentIntents.retrieve(stranger.id)).status).toBe("requires_payment_method");
  });

  test("confirmSetup with the Payment Element saves the card typed in to the SetupIntent's customer", async () => {
    const customer = await stripe.customers.create({});
    const si = await stripe.setupIntents.create({ customer: customer.id });
    await openPlainPage();
    await page.evaluate(([pk, clientSecret]) => {
      const w = window as unknown as SimWindow;
      const node = document.createElement("div");
      node.id = "card";
      document.body.appendChild(node);
      const elements = w.Stripe(pk!).elements({ clientSecret });
      elements.create("payment").mount("#card");
      w.__elements = elements;
    }, [PUBLISHABLE_KEY, si.client_secret]);
    await page.getByRole("button", { name: /^Use success test card/ }).click();
    const result = await page.evaluate(([pk]) => {
      const w = window as unknown as SimWindow;
      return w.Stripe(pk!).confirmSetup!({ elements: w.__elements, redirect: "if_required" });
    }, [PUBLISHABLE_KEY]);
    expect(result).toMatchObject({ setupIntent: { id: si.id, status: "succeeded" } });
    const [saved] = (await stripe.customers.listPaymentMethods(customer.id)).data;
    expect(saved?.card).toMatchObject({ brand: "visa", last4: "4242" });
  });

  test("confirmCardSetup with a 3D Secure card shows the challenge; failing it leaves nothing saved and answers setup_intent_authentication_failure", async () => {
    const customer = await stripe.customers.create({});
    const si = await stripe.setupIntents.create({ customer: customer.id });
    await openPlainPage();
    const result = page.evaluate(
      ([pk, clientSecret]) => (window as unknown as SimWindow).Stripe(pk!).confirmCardSetup!(clientSecret, { payment_method: "pm_card_threeDSecureRequired" }),
      [PUBLISHABLE_KEY, si.client_secret],
    );
    await page.getByText("Simulated 3D Secure challenge for saving a card for later payments.").waitFor();
    await authenticate("Fail authentication");
    expect(await result).toMatchObject({ error: { code: "setup_intent_authentication_failure", setup_intent: { id: si.id, status: "requires_payment_method" } } });
    expect((await stripe.customers.listPaymentMethods(customer.id)).data).toEqual([]);
  });
});
