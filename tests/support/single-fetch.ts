// Reading answers of page actions: `.data` requests answer in React Router's single-fetch
// stream (turbo-stream), everything else here in JSON.
import { UNSAFE_decodeViaTurboStream as decodeTurboStream } from "react-router";

/** The body of an answer: JSON, or an action's data from a single-fetch stream. */
export async function answerBody(answer: { text: string; headers: Headers }, url: string): Promise<any> {
  if (!url.endsWith(".data") || answer.headers.get("content-type")?.includes("application/json")) return JSON.parse(answer.text);
  const { value } = await decodeTurboStream(new Response(answer.text).body!, globalThis);
  // An action's data arrives as { data } (or { error } when it threw).
  const result = value as { data?: unknown; error?: unknown };
  return "data" in result ? result.data : result.error;
}
