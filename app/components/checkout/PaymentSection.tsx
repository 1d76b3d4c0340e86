import { PaymentElement } from "@stripe/react-stripe-js";

type Props = {
  error: string | null;
  loadError: string | null;
  onReady: () => void;
};

/**
 * Stripe's Payment Element. It sits inside the <Elements> that CheckoutForm puts around
 * the whole form, so the form's submission reaches Stripe through useStripe().
 */
export function PaymentSection({ error, loadError, onReady }: Props) {
  return (
    <section className="payment-section" aria-labelledby="payment-heading">
      <h2 id="payment-heading">Payment</h2>
      {loadError ? (
        <p className="form-error" role="alert">
          {loadError}
        </p>
      ) : (
        <PaymentElement id="payment-element" onReady={onReady} />
      )}
      {error ? (
        <p id="payment-error" className="field-error payment-error" role="alert">
          {error}
        </p>
      ) : null}
    </section>
  );
}
