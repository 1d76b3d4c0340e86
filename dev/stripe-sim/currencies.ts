// Currency checks Stripe applies when an amount is set: a known currency, Stripe's minimum
// charge amount (https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts),
// and the eight-digit maximum. Amounts are integers in the currency's minor unit.

import { paramError } from "./errors.ts";

const ZERO_DECIMAL = ["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"];
const THREE_DECIMAL = ["bhd", "jod", "kwd", "omr", "tnd"];
const OTHERS = [
  "usd", "aed", "all", "amd", "ars", "aud", "azn", "bam", "bdt", "bgn", "bnd", "bob", "brl", "bwp",
  "cad", "chf", "cny", "cop", "crc", "czk", "dkk", "dop", "dzd", "egp", "etb", "eur", "fjd", "gbp",
  "gel", "ghs", "gtq", "hkd", "hnl", "huf", "idr", "ils", "inr", "isk", "jmd", "kes", "kzt", "lkr",
  "mad", "mdl", "mkd", "mnt", "mur", "mxn", "myr", "mzn", "nad", "ngn", "nok", "npr", "nzd", "pen",
  "php", "pkr", "pln", "qar", "ron", "rsd", "sar", "sek", "sgd", "thb", "try", "ttd", "twd", "tzs",
  "uah", "uyu", "uzs", "zar", "zmw",
];

// Minimums in minor units, for the currencies Stripe documents one for.
const MINIMUMS: Record<string, number> = {
  usd: 50, aed: 200, aud: 50, bgn: 100, brl: 50, cad: 50, chf: 50, czk: 1500, dkk: 250, eur: 50,
  gbp: 30, hkd: 400, huf: 17500, inr: 50, jpy: 50, mxn: 1000, myr: 200, nok: 300, nzd: 50, pln: 200,
  ron: 200, sek: 300, sgd: 50, thb: 1000,
};

const SYMBOLS: Record<string, string> = { usd: "$", eur: "€", gbp: "£", jpy: "¥", cad: "$", aud: "$" };

export function exponent(currency: string): number {
  if (ZERO_DECIMAL.includes(currency)) return 0;
  if (THREE_DECIMAL.includes(currency)) return 3;
  return 2;
}

function format(amount: number, currency: string): string {
  const exp = exponent(currency);
  return `${SYMBOLS[currency] ?? ""}${(amount / 10 ** exp).toFixed(exp)} ${currency}`;
}

// Stripe accepts any case and answers in lower case.
export function parseCurrency(raw: string, param = "currency"): string {
  const currency = raw.toLowerCase();
  if (![...ZERO_DECIMAL, ...THREE_DECIMAL, ...OTHERS].includes(currency)) {
    throw paramError(`Invalid currency: ${raw}. Stripe currently supports these currencies: ${OTHERS.slice(0, 12).join(", ")}, ...`, param);
  }
  return currency;
}

export function checkAmount(amount: number, currency: string, param = "amount"): void {
  const minimum = MINIMUMS[currency];
  if (minimum !== undefined && amount < minimum) {
    throw paramError(`Amount must be at least ${format(minimum, currency)}`, param, "amount_too_small");
  }
  if (amount > 99_999_999) {
    throw paramError(`Amount must be no more than ${format(99_999_999, currency)}`, param, "amount_too_large");
  }
}
