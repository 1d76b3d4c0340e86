// Stripe's documented test cards (https://docs.stripe.com/testing) and the outcome each one
// produces when a PaymentIntent is confirmed with it. Both the `pm_card_*` test tokens
// (server-side tests) and the raw numbers (typed into the Payment Element stand-in) map here.

import type { CardBrand } from "./objects.ts";

export type Decline = { code: string; decline_code: string; message: string };

export type CardOutcome =
  | { kind: "succeed" }
  | { kind: "decline"; decline: Decline }
  // 3D Secure 2 challenge on every payment; off-session payments are declined.
  | { kind: "authenticate" };

export type TestCard = {
  number: string;
  brand: CardBrand;
  funding: "credit" | "debit";
  country: string;
  outcome: CardOutcome;
  tokens: string[];
};

const GENERIC: Decline = {
  code: "card_declined",
  decline_code: "generic_decline",
  message: "Your card was declined.",
};

const card = (
  number: string,
  brand: CardBrand,
  outcome: CardOutcome,
  tokens: string[],
  funding: "credit" | "debit" = "credit",
): TestCard => ({ number, brand, funding, country: "US", outcome, tokens });

const ok: CardOutcome = { kind: "succeed" };
const decline = (d: Decline): CardOutcome => ({ kind: "decline", decline: d });

export const TEST_CARDS: TestCard[] = [
  card("4242424242424242", "visa", ok, ["pm_card_visa", "tok_visa"]),
  card("4000056655665556", "visa", ok, ["pm_card_visa_debit", "tok_visa_debit"], "debit"),
  card("5555555555554444", "mastercard", ok, ["pm_card_mastercard", "tok_mastercard"]),
  card("378282246310005", "amex", ok, ["pm_card_amex", "tok_amex"]),
  card("4000000000000002", "visa", decline(GENERIC), [
    "pm_card_chargeDeclined",
    "pm_card_visa_chargeDeclined",
    "tok_chargeDeclined",
  ]),
  card(
    "4000000000009995",
    "visa",
    decline({
      code: "card_declined",
      decline_code: "insufficient_funds",
      message: "Your card has insufficient funds.",
    }),
    ["pm_card_chargeDeclinedInsufficientFunds", "pm_card_visa_chargeDeclinedInsufficientFunds"],
  ),
  card(
    "4000000000009987",
    "visa",
    decline({ ...GENERIC, decline_code: "lost_card" }),
    ["pm_card_chargeDeclinedLostCard", "pm_card_visa_chargeDeclinedLostCard"],
  ),
  card(
    "4000000000000069",
    "visa",
    decline({ code: "expired_card", decline_code: "expired_card", message: "Your card has expired." }),
    ["pm_card_chargeDeclinedExpiredCard", "pm_card_visa_chargeDeclinedExpiredCard"],
  ),
  card(
    "4000000000000127",
    "visa",
    decline({
      code: "incorrect_cvc",
      decline_code: "incorrect_cvc",
      message: "Your card's security code is incorrect.",
    }),
    ["pm_card_chargeDeclinedIncorrectCvc", "pm_card_visa_chargeDeclinedIncorrectCvc"],
  ),
  card(
    "4000000000000119",
    "visa",
    decline({
      code: "processing_error",
      decline_code: "processing_error",
      message: "An error occurred while processing your card. Try again in a little bit.",
    }),
    ["pm_card_chargeDeclinedProcessingError", "pm_card_visa_chargeDeclinedProcessingError"],
  ),
  card("4000002760003184", "visa", { kind: "authenticate" }, [
    "pm_card_authenticationRequired",
    "pm_card_threeDSecureRequired",
    "tok_threeDSecureRequired",
  ]),
  card("4000000000003220", "visa", { kind: "authenticate" }, ["pm_card_threeDSecure2Required"]),
];

export function testCardByToken(token: string): TestCard | undefined {
  return TEST_CARDS.find((c) => c.tokens.includes(token));
}

export function testCardByNumber(number: string): TestCard | undefined {
  return TEST_CARDS.find((c) => c.number === number);
}

export function luhnValid(number: string): boolean {
  if (!/^\d{12,19}$/.test(number)) return false;
  let sum = 0;
  for (let i = 0; i < number.length; i++) {
    let digit = Number(number[number.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

export function brandOf(number: string): CardBrand {
  if (/^4/.test(number)) return "visa";
  if (/^(5[1-5]|2[2-7])/.test(number)) return "mastercard";
  if (/^3[47]/.test(number)) return "amex";
  if (/^6(011|5)/.test(number)) return "discover";
  return "unknown";
}

// Any other valid number behaves like a plain successful card, as in Stripe test mode.
export function outcomeForNumber(number: string): CardOutcome {
  return testCardByNumber(number)?.outcome ?? ok;
}
