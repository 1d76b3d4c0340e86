// Reading answers of page actions: `.data` requests answer in React Router's single-fetch
// stream (turbo-stream), everything else here in JSON.
import { UNSAFE_decodeViaTurboStream as decodeTurboStream } from "react-router";
import type { CheckoutError, CheckoutSuccessBody, ShippingRefreshedBody } from "../../app/lib/checkout/contract.ts";
import type { WebhookAnswer } from "./webhook-answer.ts";

/**
 * Any answer of the shop's state-changing requests, every field optional: the contract's
 * bodies (prepare-for-payment, page actions, the shipping refresh) and the webhook's, for
 * tests that send anything anywhere and read whichever fields the answer has. Error codes
 * are strings, as the webhook's own codes are not the contract's.
 */
export type AnswerBody = Partial<Omit<CheckoutSuccessBody, "trace_id">> &
  Partial<Omit<ShippingRefreshedBody, "ok">> &
  Partial<Omit<WebhookAnswer, "error" | "trace_id">> & {
    ok?: boolean;
    trace_id?: string;
    error?: Omit<CheckoutError, "code"> & { code: string };
  };

/** The body of an answer: JSON, or an action's data from a single-fetch stream. */
export async function answerBody(answer: { text: string; headers: Headers }, url: string): Promise<AnswerBody> {
  if (!url.endsWith(".data") || answer.headers.get("content-type")?.includes("application/json")) return JSON.parse(answer.text) as AnswerBody;
  const { value } = await decodeTurboStream(new Response(answer.text).body!, globalThis);
  // An action's data arrives as { data } (or { error } when it threw).
  const result = value as { data?: unknown; error?: unknown };
  return ("data" in result ? result.data : result.error) as AnswerBody;
}
