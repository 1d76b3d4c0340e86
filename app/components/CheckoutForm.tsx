import type { Stripe } from "@stripe/stripe-js";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { useFetcher } from "react-router";
import * as z from "zod/mini";
import type { PublicConfig } from "~/lib/config.server";
import type { CheckoutSummary, ShippingOptionView } from "~/lib/checkout/contract";
import type { Address } from "~/lib/medusa/schemas";
import { currencyExponent, formatMoney, toMinorUnits } from "~/lib/money";
import { loadStripeFor } from "~/lib/stripe.client";
import type { action as checkoutAction } from "~/routes/checkout";
import { AddressFields, emptyAddress, type AddressField, type AddressForm, type Country } from "./checkout/AddressFields";
import { FieldError, fieldId, invalidProps } from "./checkout/FieldError";
import { OrderSummary } from "./checkout/OrderSummary";
import { PaymentSection, type StripeHandles } from "./checkout/PaymentSection";
import { ShippingOptions } from "./checkout/ShippingOptions";

type Props = {
  summary: CheckoutSummary;
  shippingOptions: ShippingOptionView[];
  countries: Country[];
  email: string | null;
  shippingAddress: Address | null;
  billingAddress: Address | null;
  stripe: PublicConfig;
  /** Why the last payment failed, when the return page sent the shopper back. */
  paymentError: string | null;
};

/** Address parts that decide shipping options, prices and tax: changing one refreshes them. */
const SELECTS_REFRESH: AddressField[] = ["country_code", "province"];
const TYPING_REFRESHES: AddressField[] = ["postal_code", "city"];
const REFRESH_DELAY_MS = 500;

// What prepare-for-payment answers (checkout contract, section 2), checked before use.
const prepared = z.object({
  client_secret: z.string(),
  checkout_attempt_id: z.string(),
  payment_intent_id: z.string(),
  amount: z.number(),
  currency_code: z.string(),
});
const refused = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    fields: z.optional(z.record(z.string(), z.string())),
    amount: z.optional(z.number()),
  }),
  trace_id: z.optional(z.string()),
});

type Problem = { message: string; reference?: string };
/** The last submission sent: its key is reused only to retry the very same body after no answer came. */
type Attempt = { fingerprint: string; key: string; answered: boolean };

export function CheckoutForm(props: Props) {
  const { countries } = props;
  const defaultCountry = countries.length === 1 ? (countries[0]?.code ?? "") : "";
  const [email, setEmail] = useState(props.email ?? "");
  const [shipping, setShipping] = useState(() => addressForm(props.shippingAddress, countries, defaultCountry));
  const [billingSame, setBillingSame] = useState(true);
  const [billing, setBilling] = useState(() => addressForm(props.billingAddress, countries, defaultCountry));
  const [optionId, setOptionId] = useState(props.summary.shippingOptionId ?? "");

  const [summary, setSummary] = useState(props.summary);
  const [options, setOptions] = useState(props.shippingOptions);
  const [shippingNotice, setShippingNotice] = useState<string | null>(null);

  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [paymentError, setPaymentError] = useState<string | null>(props.paymentError);
  const [problem, setProblem] = useState<Problem | null>(null);
  /** The new total (minor units) the shopper must confirm after `total_changed`. */
  const [changedTotal, setChangedTotal] = useState<number | null>(null);
  const [processing, setProcessing] = useState(false);
  const [status, setStatus] = useState("");
  const [focusRequest, setFocusRequest] = useState(0);

  const [stripePromise, setStripePromise] = useState<Promise<Stripe | null> | null>(null);
  const [stripeLoadError, setStripeLoadError] = useState<string | null>(null);
  const [paymentReady, setPaymentReady] = useState(false);
  const handlesRef = useRef<StripeHandles | null>(null);

  const formRef = useRef<HTMLFormElement>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const submittingRef = useRef(false);
  const attemptRef = useRef<Attempt | null>(null);

  // Stripe.js only in the browser, only on this page.
  useEffect(() => {
    setStripePromise(
      loadStripeFor(props.stripe).catch(() => {
        setStripeLoadError("The payment form couldn't load. Check your connection and reload the page.");
        return null;
      }),
    );
  }, [props.stripe]);

  // ---- shipping options and totals, refreshed from the server as the address changes
  const fetcher = useFetcher<typeof checkoutAction>();
  const refreshTimer = useRef<number | undefined>(undefined);
  const [refreshPending, setRefreshPending] = useState(false);
  const latest = useRef({ shipping, optionId });
  latest.current = { shipping, optionId };
  const refreshWanted = useRef(false);
  const requestedOption = useRef<string>("");

  function refreshNow() {
    window.clearTimeout(refreshTimer.current);
    setRefreshPending(false);
    // Never while prepare-for-payment runs: it writes the same cart.
    if (submittingRef.current) {
      refreshWanted.current = true;
      return;
    }
    const { shipping: address, optionId: chosen } = latest.current;
    requestedOption.current = chosen;
    void fetcher.submit(
      { intent: "shipping-options", shipping_address: address, shipping_option_id: chosen || null },
      { method: "post", action: "/checkout", encType: "application/json" },
    );
  }
  function refreshSoon() {
    window.clearTimeout(refreshTimer.current);
    setRefreshPending(true);
    refreshTimer.current = window.setTimeout(refreshNow, REFRESH_DELAY_MS);
  }
  useEffect(() => () => window.clearTimeout(refreshTimer.current), []);

  useEffect(() => {
    const result = fetcher.data;
    if (!result) return;
    if (!result.ok) {
      setShippingNotice(result.error.message);
      setFieldErrors((errors) => ({ ...errors, ...result.error.fields }));
      return;
    }
    setSummary(result.summary);
    setOptions(result.shippingOptions);
    const kept = result.summary.shippingOptionId ?? "";
    const asked = requestedOption.current;
    const lost = asked && asked !== kept ? options.find((option) => option.id === asked)?.name : undefined;
    setOptionId(kept);
    setShippingNotice(lost ? `${lost} isn't available for this address. Choose another shipping method.` : result.message);
    // Announced only when something the shopper would notice changed, not on every refresh.
    const total = formatMoney(result.summary.total, result.summary.currency);
    if (lost) setStatus(`${lost} isn't available for this address. Total ${total}.`);
    else if (result.summary.total !== summary.total) setStatus(`Total updated: ${total}.`);
    // `options` and `summary` are read as they were before this answer: not reasons to rerun.
  }, [fetcher.data]);

  const updating = fetcher.state !== "idle" || refreshPending;

  // ---- form changes
  function edited(path: string) {
    // Anything changed makes a new attempt: a pending "pay the new total?" no longer applies.
    setChangedTotal(null);
    setFieldErrors((errors) => {
      if (!(path in errors)) return errors;
      const { [path]: _removed, ...rest } = errors;
      return rest;
    });
  }
  function changeShipping(field: AddressField, value: string) {
    const next = { ...shipping, [field]: value };
    // A state only means something in its country.
    if (field === "country_code") next.province = "";
    setShipping(next);
    latest.current = { ...latest.current, shipping: next };
    edited(`shipping_address.${field}`);
    if (SELECTS_REFRESH.includes(field)) refreshNow();
    else if (TYPING_REFRESHES.includes(field)) refreshSoon();
  }
  function changeBilling(field: AddressField, value: string) {
    setBilling((current) => ({ ...current, [field]: value, ...(field === "country_code" ? { province: "" } : {}) }));
    edited(`billing_address.${field}`);
  }
  function chooseOption(id: string) {
    setOptionId(id);
    latest.current = { ...latest.current, optionId: id };
    setShippingNotice(null);
    edited("shipping_option_id");
    refreshNow();
  }

  // ---- focus: the first invalid field after errors, the confirmation after a total change
  useEffect(() => {
    if (!focusRequest) return;
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [focusRequest]);
  useEffect(() => {
    if (changedTotal !== null) confirmRef.current?.focus();
  }, [changedTotal]);

  // ---- the one submission
  const currency = summary.currency;
  const shownTotal = toMinorUnits(summary.total, currency);

  async function pay(expectedTotal: number) {
    if (submittingRef.current) return;
    submittingRef.current = true;
    setProcessing(true);
    setProblem(null);
    setPaymentError(null);
    setShippingNotice(null);
    setStatus("Processing your payment…");
    let leaving = false;
    try {
      const handles = handlesRef.current;
      if (!handles) {
        setProblem({ message: "The payment form is still loading. Try again in a moment." });
        return;
      }
      const { stripe, elements } = handles;
      // Stripe wants elements.submit() first, before any other asynchronous work.
      const checked = await elements.submit();
      const missing = missingFields();
      setFieldErrors(missing);
      if (checked.error) setPaymentError(checked.error.message ?? "Check your payment details.");
      if (checked.error || Object.keys(missing).length) {
        setStatus("Some details need your attention.");
        if (Object.keys(missing).length) setFocusRequest((n) => n + 1);
        return;
      }
      window.clearTimeout(refreshTimer.current);
      setRefreshPending(false);

      const body = requestBody(expectedTotal);
      const fingerprint = JSON.stringify(body);
      const previous = attemptRef.current;
      const key = previous && !previous.answered && previous.fingerprint === fingerprint ? previous.key : crypto.randomUUID();
      attemptRef.current = { fingerprint, key, answered: false };

      let response: Response;
      try {
        response = await fetch(`/api/carts/${encodeURIComponent(summary.cartId)}/prepare-for-payment`, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json", "idempotency-key": key },
          body: JSON.stringify({ ...body, idempotency_key: key }),
          credentials: "same-origin",
        });
      } catch {
        // No answer: the server may or may not have prepared. The same key makes a retry safe.
        setProblem({ message: "We couldn't reach the shop. Check your connection and press Pay again; you won't be charged twice." });
        setStatus("Payment not started.");
        return;
      }
      attemptRef.current = { fingerprint, key, answered: true };
      const reference = response.headers.get("x-trace-id") ?? undefined;
      const json: unknown = await response.json().catch(() => null);

      if (!response.ok) {
        const failure = refused.safeParse(json);
        if (!failure.success) {
          setProblem({ message: "We couldn't prepare your payment. Nothing was charged; please try again.", reference });
        } else {
          handleRefusal(failure.data.error, response, failure.data.trace_id ?? reference);
        }
        setStatus("Payment not started.");
        return;
      }
      const attempt = prepared.safeParse(json);
      if (!attempt.success) {
        setProblem({ message: "We couldn't prepare your payment. Nothing was charged; please try again.", reference });
        return;
      }

      const returnUrl = `${window.location.origin}/checkout/complete?attempt=${encodeURIComponent(attempt.data.checkout_attempt_id)}`;
      const result = await stripe.confirmPayment({
        elements,
        clientSecret: attempt.data.client_secret,
        confirmParams: { return_url: returnUrl },
        redirect: "if_required",
      });
      if (result.error) {
        // A decline: same cart, another card; the next press is a new attempt with a new key.
        if (result.error.type === "card_error" || result.error.type === "validation_error") {
          setPaymentError(result.error.message ?? "Your payment was declined. Try another card.");
        } else {
          setProblem({ message: result.error.message ?? "We couldn't confirm your payment. Please try again.", reference });
        }
        setStatus("Payment not completed.");
        return;
      }
      if (!["requires_capture", "succeeded", "processing"].includes(result.paymentIntent.status)) {
        setProblem({ message: "Your payment wasn't completed. Please try again or use another card.", reference });
        return;
      }
      leaving = true;
      setStatus("Payment authorized. Finishing your order…");
      window.location.assign(returnUrl);
    } catch (error) {
      setProblem({ message: "Something went wrong while paying. Nothing was charged; please try again." });
      console.error(error);
    } finally {
      if (!leaving) {
        submittingRef.current = false;
        setProcessing(false);
        if (refreshWanted.current) {
          refreshWanted.current = false;
          refreshNow();
        }
      }
    }
  }

  function handleRefusal(error: z.infer<typeof refused>["error"], response: Response, reference: string | undefined) {
    switch (error.code) {
      case "invalid_request": {
        const fields = error.fields ?? {};
        setFieldErrors(fields);
        const shown = (path: string) => document.getElementById(fieldId(path)) !== null;
        const unplaced = Object.entries(fields).filter(([path]) => !shown(path));
        if (unplaced.length || !Object.keys(fields).length) {
          setProblem({ message: [error.message, ...unplaced.map(([, message]) => message)].join(" "), reference });
        }
        setFocusRequest((n) => n + 1);
        return;
      }
      case "total_changed":
        if (error.amount !== undefined) {
          setChangedTotal(error.amount);
          refreshNow();
          return;
        }
        break;
      case "shipping_option_unavailable":
        setFieldErrors({ shipping_option_id: error.message });
        setFocusRequest((n) => n + 1);
        refreshNow();
        return;
      case "cart_changed":
        refreshNow();
        break;
      case "in_progress": {
        const wait = Number(response.headers.get("retry-after"));
        const when = Number.isFinite(wait) && wait > 0 ? `about ${Math.ceil(wait)} second${wait > 1 ? "s" : ""}` : "a moment";
        setProblem({ message: `Your payment is already being prepared (perhaps in another tab). Wait ${when}, then press Pay again.`, reference });
        return;
      }
    }
    setProblem({ message: error.message, reference });
  }

  function missingFields(): Record<string, string> {
    const errors: Record<string, string> = {};
    if (!email.trim()) errors.email = "Enter your email address.";
    requireAddress("shipping_address", shipping, errors);
    if (!billingSame) requireAddress("billing_address", billing, errors);
    if (!optionId) errors.shipping_option_id = "Choose a shipping method.";
    return errors;
  }

  function requestBody(expectedTotal: number) {
    return {
      email: email.trim(),
      shipping_address: filled(shipping),
      ...(billingSame ? {} : { billing_address: filled(billing) }),
      shipping_option_id: optionId,
      expected_total: expectedTotal,
    };
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    void pay(shownTotal);
  }

  const busy = processing || updating;
  const totalText = formatMoney(summary.total, currency);
  return (
    // method="post": without JavaScript nothing here can pay, and a GET would put the address in the URL.
    <form ref={formRef} method="post" className="checkout" noValidate onSubmit={onSubmit} aria-describedby={problem ? "checkout-problem" : undefined}>
      <div className="checkout-main">
        <noscript>
          <p className="checkout-problem">Paying by card needs JavaScript: Stripe's secure payment form runs in your browser. Please turn it on to check out.</p>
        </noscript>
        <fieldset>
          <legend>Contact</legend>
          <div className="field">
            <label htmlFor={fieldId("email")}>Email</label>
            <input
              id={fieldId("email")}
              name="email"
              type="email"
              autoComplete="email"
              inputMode="email"
              required
              value={email}
              onChange={(event) => {
                setEmail(event.target.value);
                edited("email");
              }}
              {...invalidProps("email", fieldErrors)}
            />
            <FieldError path="email" errors={fieldErrors} />
          </div>
        </fieldset>

        <AddressFields
          legend="Shipping address"
          prefix="shipping_address"
          value={shipping}
          countries={countries}
          errors={fieldErrors}
          onChange={changeShipping}
        />

        <ShippingOptions
          options={options}
          selectedId={optionId}
          currency={currency}
          errors={fieldErrors}
          notice={shippingNotice}
          updating={fetcher.state !== "idle"}
          onSelect={chooseOption}
        />

        <fieldset className="billing">
          <legend>Billing address</legend>
          <label className="checkbox">
            <input
              type="checkbox"
              checked={billingSame}
              onChange={(event) => {
                setBillingSame(event.target.checked);
                setChangedTotal(null);
              }}
            />
            <span>Same as shipping address</span>
          </label>
          {billingSame ? null : (
            <AddressFields
              legend="Billing address details"
              prefix="billing_address"
              value={billing}
              countries={countries}
              errors={fieldErrors}
              onChange={changeBilling}
            />
          )}
        </fieldset>

        <PaymentSection
          stripePromise={stripePromise}
          amount={shownTotal}
          currency={currency}
          error={paymentError}
          loadError={stripeLoadError}
          handlesRef={handlesRef}
          onReady={() => setPaymentReady(true)}
        />

        {problem ? (
          <div id="checkout-problem" className="checkout-problem" role="alert">
            <p>{problem.message}</p>
            {problem.reference ? (
              <p className="muted">
                Reference: <code>{problem.reference}</code>
              </p>
            ) : null}
          </div>
        ) : null}

        {changedTotal !== null ? (
          <div className="total-changed" role="alert">
            <p>
              The total changed to <strong>{formatMinor(changedTotal, currency)}</strong>. Pay {formatMinor(changedTotal, currency)}?
            </p>
            <button
              ref={confirmRef}
              type="button"
              className="button primary pay-button"
              disabled={processing}
              aria-busy={processing}
              onClick={() => void pay(changedTotal)}
            >
              {processing ? "Processing…" : `Pay ${formatMinor(changedTotal, currency)}`}
            </button>
          </div>
        ) : (
          <button type="submit" className="button primary pay-button" disabled={busy || !paymentReady} aria-busy={processing}>
            {processing ? "Processing…" : `Pay ${totalText}`}
          </button>
        )}
        <p className="visually-hidden" role="status" aria-live="polite">
          {status}
        </p>
      </div>

      <OrderSummary summary={summary} updating={updating} />
    </form>
  );
}

function addressForm(address: Address | null, countries: Country[], defaultCountry: string): AddressForm {
  const form = emptyAddress(defaultCountry);
  if (!address) return form;
  for (const key of Object.keys(form) as AddressField[]) {
    const value = address[key];
    if (value) form[key] = value;
  }
  if (!countries.some((country) => country.code === form.country_code)) form.country_code = defaultCountry;
  return form;
}

const REQUIRED: [AddressField, string][] = [
  ["first_name", "Enter your first name."],
  ["last_name", "Enter your last name."],
  ["address_1", "Enter your street address."],
  ["city", "Enter your city."],
  ["postal_code", "Enter your postal code."],
  ["country_code", "Choose a country."],
];

function requireAddress(prefix: string, address: AddressForm, errors: Record<string, string>) {
  for (const [field, message] of REQUIRED) {
    if (!address[field].trim()) errors[`${prefix}.${field}`] = message;
  }
  if (address.country_code === "us") {
    if (!address.province) errors[`${prefix}.province`] = "Choose a state.";
    if (!address.postal_code.trim()) errors[`${prefix}.postal_code`] = "Enter your ZIP code.";
  }
}

/** The address as the API takes it: trimmed, empty optional parts left out. */
function filled(address: AddressForm): Partial<AddressForm> {
  return Object.fromEntries(
    Object.entries(address)
      .map(([key, value]) => [key, value.trim()] as const)
      .filter(([, value]) => value !== ""),
  );
}

function formatMinor(amount: number, currency: string): string {
  return formatMoney(amount / 10 ** currencyExponent(currency), currency);
}
