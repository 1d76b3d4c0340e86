import { Elements, useStripe } from "@stripe/react-stripe-js";
import type { Stripe, StripeElementsOptionsMode } from "@stripe/stripe-js";
import { useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import type { CheckoutSummary, ShippingOptionView } from "~/lib/checkout/contract";
import type { PublicConfig } from "~/lib/config.server";
import type { Address, AddressKey } from "~/lib/medusa/schemas";
import { formatMinorUnits, formatMoney, toMinorUnits } from "~/lib/money";
import { loadStripeFor } from "~/lib/stripe.client";
import { addressForm, filled, requireAddress } from "./address-form";
import { AddressFields, BillingFieldset, type Country } from "./AddressFields";
import { FieldError, fieldId, invalidProps } from "./FieldError";
import { OrderSummary } from "./OrderSummary";
import { ShippingOptions } from "./ShippingOptions";
import { usePrepareAndPay } from "./usePrepareAndPay";
import { AddressBook, CustomerPayment } from "./SavedChoices";
import { useCustomerChoices, type CheckoutAccount } from "./useCustomerChoices";
import type { CustomerAddress } from "~/lib/medusa/customer.server";
import { useShippingRefresh } from "./useShippingRefresh";

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
  /** The signed-in customer's saved addresses and cards; null for a guest. */
  account: CheckoutAccount | null;
};

/**
 * The checkout page's form. This outer part loads Stripe.js (only in the browser, only on
 * this page) and puts <Elements> around the whole form. Its options must agree with the
 * PaymentIntent Medusa's provider creates (contract section 5): the shown total, same
 * currency, manual capture, Stripe's automatic payment methods (so no
 * paymentMethodTypes). <Elements> passes a changed `amount` on to `elements.update()`.
 */
export function CheckoutForm(props: Props) {
  const [summary, setSummary] = useState(props.summary);
  const [stripePromise, setStripePromise] = useState<Promise<Stripe | null> | null>(null);
  const [stripeLoadError, setStripeLoadError] = useState<string | null>(null);
  useEffect(() => {
    setStripePromise(
      loadStripeFor(props.stripe).catch(() => {
        setStripeLoadError("The payment form couldn't load. Check your connection and reload the page.");
        return null;
      }),
    );
  }, [props.stripe]);

  const amount = toMinorUnits(summary.total, summary.currency);
  const options = useMemo<StripeElementsOptionsMode>(
    () => ({ mode: "payment", amount, currency: summary.currency.toLowerCase(), captureMethod: "manual" }),
    [amount, summary.currency],
  );
  return (
    <Elements stripe={stripePromise} options={options}>
      <CheckoutFields {...props} summary={summary} setSummary={setSummary} stripeLoadError={stripeLoadError} />
    </Elements>
  );
}

/** Address parts that decide shipping options, prices and tax: changing one refreshes them. */
const SELECTS_REFRESH: AddressKey[] = ["country_code", "province"];
const TYPING_REFRESHES: AddressKey[] = ["postal_code", "city"];

type FieldsProps = Props & { setSummary: (summary: CheckoutSummary) => void; stripeLoadError: string | null };

function CheckoutFields(props: FieldsProps) {
  const { countries, summary } = props;
  const defaultCountry = countries.length === 1 ? (countries[0]?.code ?? "") : "";
  const customer = useCustomerChoices(props.account, props.shippingAddress);
  const { account, savedCardId } = customer;
  const [email, setEmail] = useState(props.email ?? account?.email ?? "");
  const [shipping, setShipping] = useState(() => addressForm(customer.prefilled ?? props.shippingAddress, countries, defaultCountry));
  const [billingSame, setBillingSame] = useState(true);
  const [billing, setBilling] = useState(() => addressForm(props.billingAddress, countries, defaultCountry));
  const [optionId, setOptionId] = useState(props.summary.shippingOptionId ?? "");
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [status, setStatus] = useState("");
  const [focusRequest, setFocusRequest] = useState(0);
  const [paymentReady, setPaymentReady] = useState(false);
  const stripeReady = useStripe() !== null; // a saved card's Pay waits for Stripe.js (and hydration)
  const formRef = useRef<HTMLFormElement>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const submitting = useRef(false);
  const latest = useRef({ shipping, optionId });
  latest.current = { shipping, optionId };

  const refresh = useShippingRefresh({
    initialOptions: props.shippingOptions,
    summary,
    setSummary: props.setSummary,
    latest,
    setOptionId,
    submitting,
    addFieldErrors: (fields) => setFieldErrors((errors) => ({ ...errors, ...fields })),
    announce: setStatus,
  });
  const payment = usePrepareAndPay({
    cartId: summary.cartId,
    requestBody: (expectedTotal) => ({
      email: email.trim(),
      shipping_address: filled(shipping),
      ...(billingSame ? {} : { billing_address: filled(billing) }),
      shipping_option_id: optionId,
      expected_total: expectedTotal,
      ...customer.requestFields(shipping),
    }),
    missingFields,
    setFieldErrors,
    requestFocus: () => setFocusRequest((n) => n + 1),
    announce: setStatus,
    submitting,
    shipping: refresh,
    initialPaymentError: props.paymentError,
    savedCardId,
  });

  // ---- form changes
  function edited(path: string) {
    // Anything changed makes a new attempt: a pending "pay the new total?" no longer applies.
    payment.setChangedTotal(null);
    setFieldErrors((errors) => {
      if (!(path in errors)) return errors;
      const { [path]: _removed, ...rest } = errors;
      return rest;
    });
  }
  function changeShipping(field: AddressKey, value: string) {
    const next = { ...shipping, [field]: value };
    // A state only means something in its country.
    if (field === "country_code") next.province = "";
    setShipping(next);
    latest.current = { ...latest.current, shipping: next };
    edited(`shipping_address.${field}`);
    if (SELECTS_REFRESH.includes(field)) refresh.refreshNow();
    else if (TYPING_REFRESHES.includes(field)) refresh.refreshSoon();
  }
  /** One click on a saved address: the whole shipping address at once, then shipping and tax for it. */
  function shipTo(address: CustomerAddress) {
    const next = addressForm(address, countries, defaultCountry);
    setShipping(next);
    latest.current = { ...latest.current, shipping: next };
    payment.setChangedTotal(null);
    setFieldErrors((errors) => Object.fromEntries(Object.entries(errors).filter(([path]) => !path.startsWith("shipping_address."))));
    refresh.refreshNow();
  }
  function changeBilling(field: AddressKey, value: string) {
    setBilling((current) => ({ ...current, [field]: value, ...(field === "country_code" ? { province: "" } : {}) }));
    edited(`billing_address.${field}`);
  }
  function chooseOption(id: string) {
    setOptionId(id);
    latest.current = { ...latest.current, optionId: id };
    refresh.setNotice(null);
    edited("shipping_option_id");
    refresh.refreshNow();
  }
  function missingFields(): Record<string, string> {
    const errors: Record<string, string> = {};
    if (!email.trim()) errors.email = "Enter your email address.";
    requireAddress("shipping_address", shipping, errors);
    if (!billingSame) requireAddress("billing_address", billing, errors);
    if (!optionId) errors.shipping_option_id = "Choose a shipping method.";
    return errors;
  }

  // A saved address filled in for the customer isn't on the cart yet: shipping and tax for it now.
  useEffect(() => {
    if (customer.prefilled) refresh.refreshNow();
    // Once, on arrival (the refresh reads the address as it then stands).
  }, []);

  // ---- focus: the first invalid field after errors, the confirmation after a total change
  useEffect(() => {
    if (!focusRequest) return;
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [focusRequest]);
  useEffect(() => {
    if (payment.changedTotal !== null) confirmRef.current?.focus();
  }, [payment.changedTotal]);

  const currency = summary.currency;
  const shownTotal = toMinorUnits(summary.total, currency);
  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    void payment.pay(shownTotal);
  }

  const { processing, problem, changedTotal } = payment;
  const busy = processing || refresh.updating;
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

        <AddressBook customer={customer} shipping={shipping} onChoose={shipTo}>
          <AddressFields legend="Shipping address" prefix="shipping_address" value={shipping} countries={countries} errors={fieldErrors} onChange={changeShipping} />
        </AddressBook>

        <ShippingOptions
          options={refresh.options}
          selectedId={optionId}
          currency={currency}
          errors={fieldErrors}
          notice={refresh.notice}
          updating={refresh.loading}
          onSelect={chooseOption}
        />

        <BillingFieldset
          same={billingSame}
          onSameChange={(same) => {
            setBillingSame(same);
            payment.setChangedTotal(null);
          }}
          value={billing}
          countries={countries}
          errors={fieldErrors}
          onChange={changeBilling}
        />

        <CustomerPayment
          customer={customer}
          paymentError={payment.paymentError}
          loadError={props.stripeLoadError}
          onReady={() => setPaymentReady(true)}
          onChange={() => payment.setChangedTotal(null)}
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
              The total changed to <strong>{formatMinorUnits(changedTotal, currency)}</strong>. Pay {formatMinorUnits(changedTotal, currency)}?
            </p>
            <button
              ref={confirmRef}
              type="button"
              className="button primary pay-button"
              disabled={processing}
              aria-busy={processing}
              onClick={() => void payment.pay(changedTotal)}
            >
              {processing ? "Processing…" : `Pay ${formatMinorUnits(changedTotal, currency)}`}
            </button>
          </div>
        ) : (
          <button type="submit" className="button primary pay-button" disabled={busy || !(savedCardId ? stripeReady : paymentReady)} aria-busy={processing}>
            {processing ? "Processing…" : `Pay ${formatMoney(summary.total, currency)}`}
          </button>
        )}
        <p className="visually-hidden" role="status" aria-live="polite">
          {status}
        </p>
      </div>

      <OrderSummary summary={summary} updating={refresh.updating} />
    </form>
  );
}
