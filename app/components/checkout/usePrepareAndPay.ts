import { useElements, useStripe } from "@stripe/react-stripe-js";
import { useRef, useState, type RefObject } from "react";
import { errorBody, preparedBody, type PrepareRequest } from "~/lib/checkout/contract";
import { fieldId } from "./FieldError";
import { refusalEffect } from "./refusals";

export type Problem = { message: string; reference?: string };
/** The body the form sends, without the idempotency key. */
export type PrepareBody = Omit<PrepareRequest, "idempotency_key" | "shipping_address" | "billing_address"> & {
  shipping_address: Record<string, string>;
  billing_address?: Record<string, string>;
};
/** The last submission sent: its key is reused only to retry the very same body after no answer came. */
type Sent = { fingerprint: string; key: string; answered: boolean };

type Options = {
  cartId: string;
  /** The form's details as the API takes them. */
  requestBody: (expectedTotal: number) => PrepareBody;
  /** Required fields left empty, checked before anything is sent. */
  missingFields: () => Record<string, string>;
  setFieldErrors: (errors: Record<string, string>) => void;
  requestFocus: () => void;
  announce: (status: string) => void;
  /** Shared with the shipping refresh, which waits while a submission runs. */
  submitting: RefObject<boolean>;
  shipping: { refreshNow: () => void; cancelPending: () => void; catchUp: () => void; setNotice: (notice: string | null) => void };
  initialPaymentError: string | null;
  /** The signed-in customer's saved card chosen to pay with, or null for a card typed in the Payment Element. */
  savedCardId: string | null;
};

/**
 * The one submission (checkout contract, sections 2 and 5): Stripe's own checks of the
 * Payment Element, then `POST /api/carts/:id/prepare-for-payment`, then
 * `stripe.confirmPayment` with the client secret it returned, then the return page. Runs
 * inside <Elements>, so it reaches Stripe with useStripe()/useElements().
 */
const CANCELED_MEANWHILE =
  "This payment was canceled before it went through, perhaps because your cart changed in another tab. Nothing was charged. Check your order summary and press Pay again.";

export function usePrepareAndPay(options: Options) {
  const stripe = useStripe();
  const elements = useElements();
  const [processing, setProcessing] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [paymentError, setPaymentError] = useState<string | null>(options.initialPaymentError);
  /** The new total (minor units) the shopper must confirm after `total_changed`. */
  const [changedTotal, setChangedTotal] = useState<number | null>(null);
  const sent = useRef<Sent | null>(null);

  async function pay(expectedTotal: number) {
    const { submitting, shipping, announce } = options;
    if (submitting.current) return;
    submitting.current = true;
    setProcessing(true);
    setProblem(null);
    setPaymentError(null);
    shipping.setNotice(null);
    announce("Processing your payment…");
    let leaving = false;
    try {
      if (!stripe || !elements) {
        setProblem({ message: "The payment form is still loading. Try again in a moment." });
        return;
      }
      // Stripe wants elements.submit() first, before any other asynchronous work (a saved
      // card has no Payment Element to check).
      const savedCard = options.savedCardId;
      const checked = savedCard ? { error: undefined } : await elements.submit();
      const missing = options.missingFields();
      options.setFieldErrors(missing);
      if (checked.error) setPaymentError(checked.error.message ?? "Check your payment details.");
      if (checked.error || Object.keys(missing).length) {
        announce("Some details need your attention.");
        if (Object.keys(missing).length) options.requestFocus();
        return;
      }
      shipping.cancelPending();

      const body = options.requestBody(expectedTotal);
      const fingerprint = JSON.stringify(body);
      const previous = sent.current;
      const key = previous && !previous.answered && previous.fingerprint === fingerprint ? previous.key : crypto.randomUUID();
      sent.current = { fingerprint, key, answered: false };

      let response: Response;
      try {
        response = await fetch(`/api/carts/${encodeURIComponent(options.cartId)}/prepare-for-payment`, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json", "idempotency-key": key },
          body: JSON.stringify({ ...body, idempotency_key: key }),
          credentials: "same-origin",
        });
      } catch {
        // No answer: the server may or may not have prepared. The same key makes a retry safe.
        setProblem({ message: "We couldn't reach the shop. Check your connection and press Pay again; you won't be charged twice." });
        announce("Payment not started.");
        return;
      }
      sent.current = { fingerprint, key, answered: true };
      const reference = response.headers.get("x-trace-id") ?? undefined;
      const json: unknown = await response.json().catch(() => null);

      if (!response.ok) {
        const refusal = errorBody.safeParse(json);
        if (refusal.success) {
          refused(refusal.data.error, response.headers.get("retry-after"), refusal.data.trace_id ?? reference);
        } else {
          setProblem({ message: "We couldn't prepare your payment. Nothing was charged; please try again.", reference });
        }
        announce("Payment not started.");
        return;
      }
      const attempt = preparedBody.safeParse(json);
      if (!attempt.success) {
        setProblem({ message: "We couldn't prepare your payment. Nothing was charged; please try again.", reference });
        return;
      }

      const returnUrl = `${window.location.origin}/checkout/complete?attempt=${encodeURIComponent(attempt.data.checkout_attempt_id)}`;
      // A saved card is already on the PaymentIntent; Stripe.js still asks for 3D Secure when the card wants it.
      const result = savedCard
        ? await stripe.confirmPayment({
            clientSecret: attempt.data.client_secret,
            confirmParams: { return_url: returnUrl, payment_method: savedCard },
            redirect: "if_required",
          })
        : await stripe.confirmPayment({
            elements,
            clientSecret: attempt.data.client_secret,
            confirmParams: { return_url: returnUrl },
            redirect: "if_required",
          });
      if (result.error) {
        // The payment was canceled meanwhile (the cart changed in another tab, or the checkout
        // expired): nothing was charged; show the cart as it is now, and pay again.
        if (result.error.code === "payment_intent_unexpected_state" && result.error.payment_intent?.status === "canceled") {
          setProblem({ message: CANCELED_MEANWHILE, reference });
          options.shipping.refreshNow();
        } else if (result.error.type === "card_error" || result.error.type === "validation_error") {
          // A decline: same cart, another card; the next press is a new attempt with a new key.
          setPaymentError(result.error.message ?? "Your payment was declined. Try another card.");
        } else {
          setProblem({ message: result.error.message ?? "We couldn't confirm your payment. Please try again.", reference });
        }
        announce("Payment not completed.");
        return;
      }
      if (!["requires_capture", "succeeded", "processing"].includes(result.paymentIntent.status)) {
        setProblem({ message: "Your payment wasn't completed. Please try again or use another card.", reference });
        return;
      }
      leaving = true;
      announce("Payment authorized. Finishing your order…");
      window.location.assign(returnUrl);
    } catch (error) {
      setProblem({ message: "Something went wrong while paying. Nothing was charged; please try again." });
      console.error(error);
    } finally {
      if (!leaving) {
        submitting.current = false;
        setProcessing(false);
        shipping.catchUp();
      }
    }
  }

  function refused(error: Parameters<typeof refusalEffect>[0], retryAfter: string | null, reference: string | undefined) {
    const effect = refusalEffect(error, { retryAfter, isFieldShown: (path) => document.getElementById(fieldId(path)) !== null });
    if (effect.fieldErrors) options.setFieldErrors(effect.fieldErrors);
    if (effect.changedTotal !== undefined) setChangedTotal(effect.changedTotal);
    if (effect.problem) setProblem({ message: effect.problem, reference });
    if (effect.focus) options.requestFocus();
    if (effect.refresh) options.shipping.refreshNow();
  }

  return { pay, processing, problem, paymentError, changedTotal, setChangedTotal };
}
