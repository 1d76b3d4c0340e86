import { Elements, PaymentElement, useElements, useStripe } from "@stripe/react-stripe-js";
import type { Stripe, StripeElements, StripeElementsOptionsMode } from "@stripe/stripe-js";
import { useEffect, useMemo, type RefObject } from "react";

export type StripeHandles = { stripe: Stripe; elements: StripeElements };

type Props = {
  /** null until the page runs in the browser (Stripe.js is never loaded on the server). */
  stripePromise: Promise<Stripe | null> | null;
  /** The cart total shown, in minor units: the Element must show what will be charged. */
  amount: number;
  currency: string;
  error: string | null;
  loadError: string | null;
  handlesRef: RefObject<StripeHandles | null>;
  onReady: () => void;
};

/**
 * Stripe's Payment Element, created before any PaymentIntent exists (contract section 5):
 * its options must agree with the intent Medusa's provider creates: same currency, manual
 * capture, and Stripe's automatic payment methods (so no paymentMethodTypes here).
 * <Elements> passes a changed `amount` on to `elements.update()` itself.
 */
export function PaymentSection({ stripePromise, amount, currency, error, loadError, handlesRef, onReady }: Props) {
  const options = useMemo<StripeElementsOptionsMode>(
    () => ({ mode: "payment", amount, currency: currency.toLowerCase(), captureMethod: "manual" }),
    [amount, currency],
  );
  return (
    <section className="payment-section" aria-labelledby="payment-heading">
      <h2 id="payment-heading">Payment</h2>
      {loadError ? (
        <p className="form-error" role="alert">
          {loadError}
        </p>
      ) : (
        <Elements stripe={stripePromise} options={options}>
          <HandlesBridge handlesRef={handlesRef} />
          <PaymentElement id="payment-element" onReady={onReady} />
        </Elements>
      )}
      {error ? (
        <p id="payment-error" className="field-error payment-error" role="alert">
          {error}
        </p>
      ) : null}
    </section>
  );
}

/** Hands Stripe and Elements to the form, which runs the one submission. */
function HandlesBridge({ handlesRef }: { handlesRef: RefObject<StripeHandles | null> }) {
  const stripe = useStripe();
  const elements = useElements();
  useEffect(() => {
    handlesRef.current = stripe && elements ? { stripe, elements } : null;
  }, [stripe, elements, handlesRef]);
  return null;
}
