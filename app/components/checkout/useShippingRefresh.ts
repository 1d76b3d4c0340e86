import { useEffect, useRef, useState, type RefObject } from "react";
import { useFetcher } from "react-router";
import { shippingRefreshAnswer, type CheckoutSummary, type ShippingOptionView } from "~/lib/checkout/contract";
import type { AddressDraft } from "~/lib/medusa/schemas";
import { formatMoney } from "~/lib/money";

const REFRESH_DELAY_MS = 500;

type Options = {
  initialOptions: ShippingOptionView[];
  summary: CheckoutSummary;
  setSummary: (summary: CheckoutSummary) => void;
  /** The address and chosen option as they stand now (read when a refresh is sent). */
  latest: RefObject<{ shipping: AddressDraft; optionId: string }>;
  setOptionId: (id: string) => void;
  /** True while prepare-for-payment runs: it writes the same cart, so refreshes wait. */
  submitting: RefObject<boolean>;
  addFieldErrors: (fields: Record<string, string>) => void;
  announce: (status: string) => void;
};

/**
 * Shipping options and totals, refreshed from the server (the checkout route's
 * `shipping-options` action) whenever the address or the option changes, so the summary
 * shows Medusa's own shipping, tax and total: the total prepare-for-payment will charge.
 */
export function useShippingRefresh({ initialOptions, summary, setSummary, latest, setOptionId, submitting, addFieldErrors, announce }: Options) {
  const fetcher = useFetcher();
  const [options, setOptions] = useState(initialOptions);
  const [notice, setNotice] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const timer = useRef<number | undefined>(undefined);
  const wanted = useRef(false);
  const requestedOption = useRef("");

  function cancelPending() {
    window.clearTimeout(timer.current);
    setPending(false);
  }
  function refreshNow() {
    cancelPending();
    if (submitting.current) {
      wanted.current = true;
      return;
    }
    const { shipping, optionId } = latest.current;
    requestedOption.current = optionId;
    void fetcher.submit(
      { intent: "shipping-options", shipping_address: shipping, shipping_option_id: optionId || null },
      { method: "post", action: "/checkout", encType: "application/json" },
    );
  }
  function refreshSoon() {
    window.clearTimeout(timer.current);
    setPending(true);
    timer.current = window.setTimeout(refreshNow, REFRESH_DELAY_MS);
  }
  /** After a submission: the refresh asked for while it ran. */
  function catchUp() {
    if (!wanted.current) return;
    wanted.current = false;
    refreshNow();
  }
  useEffect(() => () => window.clearTimeout(timer.current), []);

  useEffect(() => {
    const parsed = shippingRefreshAnswer.safeParse(fetcher.data);
    if (!parsed.success) return;
    const result = parsed.data;
    if (!result.ok) {
      setNotice(result.error.message);
      addFieldErrors(result.error.fields ?? {});
      return;
    }
    setSummary(result.summary);
    setOptions(result.shippingOptions);
    const kept = result.summary.shippingOptionId ?? "";
    const asked = requestedOption.current;
    const lost = asked && asked !== kept ? options.find((option) => option.id === asked)?.name : undefined;
    setOptionId(kept);
    setNotice(lost ? `${lost} isn't available for this address. Choose another shipping method.` : result.message);
    // Announced only when something the shopper would notice changed, not on every refresh.
    const total = formatMoney(result.summary.total, result.summary.currency);
    if (lost) announce(`${lost} isn't available for this address. Total ${total}.`);
    else if (result.summary.total !== summary.total) announce(`Total updated: ${total}.`);
    // `options` and `summary` are read as they were before this answer: not reasons to rerun.
  }, [fetcher.data]);

  return {
    options,
    notice,
    setNotice,
    /** A request in flight. */
    loading: fetcher.state !== "idle",
    /** A request in flight or about to be sent: totals may still change. */
    updating: fetcher.state !== "idle" || pending,
    refreshNow,
    refreshSoon,
    cancelPending,
    catchUp,
  };
}
