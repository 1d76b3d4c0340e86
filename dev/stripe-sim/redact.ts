// What may appear in log lines and the request journal: never a full client secret, card
// number or CVC (the same rule the storefront follows for its own logs).

import type { Param, ParamObject } from "./form.ts";

const CLIENT_SECRET = /((?:pi|seti)_[A-Za-z0-9]+_secret_)[A-Za-z0-9]+/g;

export function redactSecrets(text: string): string {
  return text.replace(CLIENT_SECRET, "$1[redacted]");
}

function redactValue(key: string, value: Param): Param {
  if (typeof value === "string") {
    if (key === "number") return value.length > 4 ? `…${value.slice(-4)}` : "[redacted]";
    if (key === "cvc") return "[redacted]";
    return redactSecrets(value);
  }
  if (Array.isArray(value)) return value.map((v) => redactValue("", v));
  return redactParams(value);
}

export function redactParams(params: ParamObject): ParamObject {
  const out: ParamObject = {};
  for (const [key, value] of Object.entries(params)) {
    if (key === "client_secret") continue;
    out[key] = redactValue(key, value);
  }
  return out;
}
