/**
 * Bounded, never-throwing body reading for every state-changing request. A malformed or
 * oversized body is an answer (`invalid_request` / `payload_too_large`), not an exception
 * that would surface as a 500.
 */
export const MAX_BODY_BYTES = 16 * 1024;

export type BodyRead = { value: unknown } | { problem: string; code: "invalid_request" | "payload_too_large" };

const TOO_LARGE = { problem: "The request is too large.", code: "payload_too_large" } as const;

/**
 * Reads and throws away a body that won't be used. The local runtime (wrangler dev's
 * proxy) fails, and can crash, when a request is answered while its body is unread or was
 * cancelled, so it is drained; Cloudflare itself caps request bodies (100 MB on most plans).
 */
export async function discardBody(request: Request): Promise<void> {
  if (!request.body || request.bodyUsed || request.body.locked) return;
  try {
    const reader = request.body.getReader();
    for (;;) if ((await reader.read()).done) return;
  } catch {
    // A client that went away: nothing left to drain.
  }
}

/** The body as text, or null when it is larger than `max` bytes (the rest is drained unread). */
export async function readBoundedText(request: Request, max = MAX_BODY_BYTES): Promise<string | null> {
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (!request.body) return "";
  if (declared > max) {
    await discardBody(request);
    return null;
  }
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      for (;;) if ((await reader.read()).done) break;
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

function mediaType(request: Request): string | undefined {
  return request.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
}

async function readForm(request: Request, text: string): Promise<Iterable<[string, FormDataEntryValue]> | null> {
  const type = mediaType(request);
  if (type === "application/x-www-form-urlencoded") return new URLSearchParams(text);
  if (type === "multipart/form-data") {
    try {
      return await new Request(request.url, { method: "POST", headers: { "content-type": request.headers.get("content-type")! }, body: text }).formData();
    } catch {
      return null;
    }
  }
  return null;
}

/** JSON or a form (dotted names nest: `shipping_address.city`), as prepare-for-payment accepts. */
export async function readJsonOrForm(request: Request): Promise<BodyRead> {
  const text = await readBoundedText(request);
  if (text === null) return TOO_LARGE;
  if (mediaType(request) === "application/json") return parseJson(text);
  const form = await readForm(request, text);
  if (!form) return { problem: "Send JSON (application/json) or a form.", code: "invalid_request" };
  return { value: formToObject(form) };
}

/** A flat form of text fields, as the page actions post them (with or without JavaScript). */
export async function readFormFields(request: Request): Promise<BodyRead> {
  const text = await readBoundedText(request);
  if (text === null) return TOO_LARGE;
  const form = await readForm(request, text);
  if (!form) return { problem: "Send the form as a browser does (form fields).", code: "invalid_request" };
  const fields: Record<string, string> = {};
  for (const [name, value] of form) {
    if (typeof value !== "string") return { problem: "Files can't be sent here.", code: "invalid_request" };
    fields[name] = value;
  }
  return { value: fields };
}

/** A JSON object, as the checkout page's background refresh sends. */
export async function readJson(request: Request): Promise<BodyRead> {
  const text = await readBoundedText(request);
  if (text === null) return TOO_LARGE;
  if (mediaType(request) !== "application/json") return { problem: "Send JSON (application/json).", code: "invalid_request" };
  return parseJson(text);
}

function parseJson(text: string): BodyRead {
  try {
    return { value: JSON.parse(text) };
  } catch {
    return { problem: "The request body is not valid JSON.", code: "invalid_request" };
  }
}

/** Form fields with dotted names become the nested object the schema reads. */
function formToObject(form: Iterable<[string, unknown]>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [name, value] of form) {
    if (typeof value !== "string") continue;
    const path = name.split(".");
    if (path.length > 2 || path.some((part) => !/^[a-z0-9_]{1,40}$/.test(part))) {
      result[name] = value; // kept, so the strict schema names it as unknown
      continue;
    }
    const [head, leaf] = path as [string, string | undefined];
    if (leaf === undefined) {
      result[head] = value;
    } else {
      const nested = result[head];
      const target: Record<string, unknown> = typeof nested === "object" && nested !== null ? (nested as Record<string, unknown>) : {};
      target[leaf] = value;
      result[head] = target;
    }
  }
  // An unchecked "billing same as shipping" checkbox sends nothing; empty billing fields mean "same".
  if (typeof result.billing_address === "object" && result.billing_address !== null) {
    const billing = result.billing_address as Record<string, unknown>;
    if (Object.values(billing).every((value) => value === "")) delete result.billing_address;
  }
  return result;
}
