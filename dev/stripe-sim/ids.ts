import { randomInt } from "node:crypto";

const ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

export function alnum(length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += ALNUM[randomInt(ALNUM.length)];
  return out;
}

// Lengths follow what Stripe hands out today, so code that validates ids by shape
// (e.g. /^pi_[A-Za-z0-9]{24}$/) behaves the same against the simulator.
const LENGTHS: Record<string, number> = {
  pi: 24,
  pm: 24,
  ch: 24,
  re: 24,
  evt: 24,
  we: 24,
  cus: 14,
  req: 14,
  src: 24,
  seti: 24,
  setatt: 24,
};

export function newId(prefix: string): string {
  return `${prefix}_${alnum(LENGTHS[prefix] ?? 24)}`;
}

export function newClientSecret(intentId: string): string {
  return `${intentId}_secret_${alnum(25)}`;
}


