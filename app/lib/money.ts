/**
 * Money as the shopper sees it and as Stripe charges it. Medusa keeps amounts in major units
 * without rounding (21.639175); Stripe wants integers in the currency's minor unit. We
 * convert exactly as Medusa's Stripe provider does (`getSmallestUnit` in
 * @medusajs/payment-stripe 2.21): exact decimal multiplication by 10^exponent, round half up,
 * and for three-decimal currencies round UP to a multiple of 10 (Stripe accepts only those).
 * Any difference here would make `amount` disagree with the PaymentIntent by a cent.
 */
const ZERO_DECIMAL = new Set([
  "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF",
]);
const THREE_DECIMAL = new Set(["BHD", "IQD", "JOD", "KWD", "OMR", "TND"]);

export function currencyExponent(currency: string): number {
  const code = currency.toUpperCase();
  if (ZERO_DECIMAL.has(code)) return 0;
  if (THREE_DECIMAL.has(code)) return 3;
  return 2;
}

/**
 * `amount * 10^places` computed on the decimal digits JavaScript prints for `amount`
 * (as bignumber.js does), so 1.005 * 100 is 100.5 and not 100.49999999999999.
 */
function shiftDecimal(amount: number, places: number): number {
  const [mantissa = "0", exponentPart = "0"] = String(amount).toLowerCase().split("e");
  const negative = mantissa.startsWith("-");
  const [whole = "0", fraction = ""] = mantissa.replace("-", "").split(".");
  const digits = whole + fraction;
  const point = whole.length + Number(exponentPart) + places;
  const padded = point >= digits.length ? digits.padEnd(point, "0") : digits;
  const shifted =
    point <= 0 ? `0.${"0".repeat(-point)}${digits}` : `${padded.slice(0, point)}.${padded.slice(point) || "0"}`;
  return (negative ? -1 : 1) * Number(shifted);
}

export function toMinorUnits(amount: number, currency: string): number {
  const exponent = currencyExponent(currency);
  let minor = Math.round(shiftDecimal(amount, exponent));
  if (exponent === 3) minor = Math.ceil(minor / 10) * 10;
  return minor;
}

export function formatMoney(amount: number, currency: string, locale = "en-US"): string {
  return formatMinorUnits(toMinorUnits(amount, currency), currency, locale);
}

/** An amount already in the currency's minor unit (as Stripe charges it), for people. */
export function formatMinorUnits(minor: number, currency: string, locale = "en-US"): string {
  const exponent = currencyExponent(currency);
  return new Intl.NumberFormat(locale, {
    style: "currency",
    currency: currency.toUpperCase(),
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  }).format(minor / 10 ** exponent);
}
