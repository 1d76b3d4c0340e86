// `.dev.vars` for the local stack. `npm run dev` and `npm test` write it from what the stack
// actually runs (Medusa's publishable key, the simulator's URLs), so nobody copies keys by
// hand. A `.dev.vars` the developer wrote (for `npm run dev:storefront` against their own
// backends) is never overwritten.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ROOT } from "./processes.ts";

export const DEV_VARS = path.join(ROOT, ".dev.vars");
const MARKER = "# Written by the local stack (dev/stack.ts). Edits are overwritten on the next start.";

export function readDevVars(file = DEV_VARS): Record<string, string> {
  if (!existsSync(file)) return {};
  const vars: Record<string, string> = {};
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const match = /^\s*([A-Z0-9_]+)\s*=\s*(.*)\s*$/.exec(line);
    if (match?.[1]) vars[match[1]] = (match[2] ?? "").replace(/^(['"])(.*)\1$/, "$2");
  }
  return vars;
}

export function writeStackDevVars(values: Record<string, string>): void {
  if (existsSync(DEV_VARS) && !readFileSync(DEV_VARS, "utf8").startsWith(MARKER)) {
    throw new Error(
      ".dev.vars exists and was not written by the local stack (it points the storefront at your own backends). " +
        "Move it aside (mv .dev.vars .dev.vars.mine) and start again; use `npm run dev:storefront` for your own backends.",
    );
  }
  const body = Object.entries(values)
    .map(([key, value]) => `${key}=${value}`)
    .join("\n");
  writeFileSync(DEV_VARS, `${MARKER}\n${body}\n`);
}

/** The cart-cookie secret survives restarts so a shopper's cart does too. */
export function stackSessionSecret(): string {
  const existing = readDevVars().SESSION_SECRET;
  return existing && existing.length >= 32 ? existing : randomBytes(32).toString("hex");
}
