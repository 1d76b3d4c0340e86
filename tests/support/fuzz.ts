// Seeded, reproducible generation of hostile request bodies for the fuzz tests
// (tests/stack/fuzz.test.ts): malformed JSON, wrong types, huge strings, unicode edge cases,
// missing and extra fields, injection strings and oversized bodies. The same seed always
// gives the same cases, so a failure can be replayed with FUZZ_SEED=<seed>.

export type Random = {
  next(): number;
  int(maxExclusive: number): number;
  pick<T>(items: readonly T[]): T;
  chance(probability: number): boolean;
};

/** mulberry32: small, fast and good enough to spread cases; not for anything secret. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (maxExclusive) => Math.floor(next() * maxExclusive),
    pick: (items) => items[Math.floor(next() * items.length)]!,
    chance: (probability) => next() < probability,
  };
}

export const NASTY_STRINGS: readonly string[] = [
  "",
  " ",
  "\u0000",
  "\t\r\n",
  "null",
  "undefined",
  "NaN",
  "-1",
  "0",
  "1e309",
  "0x10",
  "99999999999999999999999",
  "' OR '1'='1",
  '"; DROP TABLE cart; --',
  "<script>alert(1)</script>",
  '"><img src=x onerror=alert(1)>',
  "{{7*7}}",
  "${7*7}",
  "../../../etc/passwd",
  "%00%2e%2e%2f",
  "__proto__",
  "constructor",
  "$where",
  "\u202emoc.elpmaxe@evil",
  "\u200b\u200c\u200d\ufeff",
  "👩‍👩‍👧‍👦🇺🇸",
  "\ud800",
  "\udfff\ud800",
  "\uffff\ufffe",
  "Ω≈ç√∫˜µ≤≥÷",
  "ｓｃｒｉｐｔ",
  "ǅǈǋ",
  "مرحبا",
  "a@b",
  "x".repeat(300),
  "é".repeat(2_000),
];

function randomString(random: Random): string {
  const kind = random.int(5);
  if (kind === 0) return random.pick(NASTY_STRINGS);
  if (kind === 1) return "x".repeat(random.pick([1, 99, 101, 201, 256, 1_000, 5_000]));
  if (kind === 2) {
    let text = "";
    const length = random.int(40);
    for (let i = 0; i < length; i += 1) text += String.fromCharCode(random.int(0x3000));
    return text;
  }
  if (kind === 3) return random.pick(["so_", "cali_", "variant_", "cart_", "pay_col_", "ca_", "pi_"]) + random.pick(NASTY_STRINGS);
  return random.int(1_000_000).toString(36);
}

export function randomValue(random: Random, depth = 0): unknown {
  const kind = random.int(depth > 2 ? 6 : 8);
  switch (kind) {
    case 0:
    case 1:
      return randomString(random);
    case 2:
      return random.pick([0, -1, 1, 1.5, -0.0001, 2 ** 31, 2 ** 53 + 1, Number.MAX_SAFE_INTEGER, 1e300, -1e300]);
    case 3:
      return random.chance(0.5);
    case 4:
      return null;
    case 5:
      return random.int(3) === 0 ? [] : {};
    case 6:
      return Array.from({ length: random.int(4) }, () => randomValue(random, depth + 1));
    default: {
      const object: Record<string, unknown> = {};
      for (let i = random.int(4); i > 0; i -= 1) object[randomString(random).slice(0, 40)] = randomValue(random, depth + 1);
      return object;
    }
  }
}

type Json = Record<string, unknown>;

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Paths of every key in a JSON object, nested ones included (`shipping_address.city`). */
function paths(object: Json, prefix: string[] = []): string[][] {
  return Object.entries(object).flatMap(([key, value]) => {
    const here = [...prefix, key];
    return value && typeof value === "object" && !Array.isArray(value) ? [here, ...paths(value as Json, here)] : [here];
  });
}

function parentOf(object: Json, path: string[]): Json {
  let node: Json = object;
  for (const key of path.slice(0, -1)) node = node[key] as Json;
  return node;
}

/** One to three changes to a valid body: drop, retype or overwrite a field, or add one. */
export function mutateObject(random: Random, valid: Json): unknown {
  if (random.chance(0.05)) return randomValue(random);
  const body = clone(valid);
  for (let changes = 1 + random.int(3); changes > 0; changes -= 1) {
    const all = paths(body);
    const path = random.pick(all.length ? all : [["extra"]]);
    const parent = parentOf(body, path);
    const key = path.at(-1)!;
    const change = random.int(4);
    if (change === 0) delete parent[key];
    else if (change === 1) parent[key] = randomValue(random);
    else if (change === 2) parent[key] = randomString(random);
    else parent[random.chance(0.5) ? randomString(random).slice(0, 30) || "extra" : "__proto__"] = randomValue(random);
  }
  return body;
}

export type FuzzCase = { label: string; contentType: string; body: string };

function oversized(random: Random): string {
  return JSON.stringify({ padding: "A".repeat(random.pick([16 * 1024 + 1, 70 * 1024, 600 * 1024])) });
}

function malformedJson(random: Random, valid: Json): string {
  const text = JSON.stringify(valid);
  return random.pick([
    text.slice(0, 1 + random.int(text.length - 1)),
    text.replace(/"/g, "'"),
    `${text},`,
    `${text.slice(0, -1)},}`,
    "{",
    "[",
    '{"a":',
    "\u0000\u0001\u0002",
    "NaN",
    "{\"__proto__\": {\"polluted\": true}",
  ]);
}

function asObject(value: unknown): Json {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Json) : { value };
}

function formOf(fields: Record<string, unknown>): string {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) form.append(key, typeof value === "string" ? value : JSON.stringify(value) ?? "");
  return form.toString();
}

function flatten(object: Json, prefix = ""): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(object).flatMap(([key, value]) =>
      value && typeof value === "object" && !Array.isArray(value) ? Object.entries(flatten(value as Json, `${prefix}${key}.`)) : [[`${prefix}${key}`, value]],
    ),
  );
}

function multipart(fields: Record<string, unknown>, withFile: boolean): { contentType: string; body: string } {
  const boundary = "----fuzzboundary7MA4YWxkTrZu0gW";
  let body = "";
  for (const [key, value] of Object.entries(fields)) {
    body += `--${boundary}\r\nContent-Disposition: form-data; name="${key}"\r\n\r\n${typeof value === "string" ? value : JSON.stringify(value)}\r\n`;
  }
  if (withFile) body += `--${boundary}\r\nContent-Disposition: form-data; name="quantity"; filename="x.txt"\r\nContent-Type: text/plain\r\n\r\n5\r\n`;
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: `${body}--${boundary}--\r\n` };
}

/** `count` cases for an endpoint that takes JSON (or, for prepare, also form fields). */
export function jsonCases(random: Random, valid: Json, count: number): FuzzCase[] {
  return Array.from({ length: count }, (_, index): FuzzCase => {
    const roll = random.next();
    if (roll < 0.7) return { label: `#${index} mutated JSON`, contentType: "application/json", body: JSON.stringify(mutateObject(random, valid)) ?? "null" };
    if (roll < 0.8) return { label: `#${index} malformed JSON`, contentType: "application/json", body: malformedJson(random, valid) };
    if (roll < 0.85) return { label: `#${index} oversized`, contentType: "application/json", body: oversized(random) };
    if (roll < 0.9) return { label: `#${index} mutated form`, contentType: "application/x-www-form-urlencoded", body: formOf(flatten(asObject(mutateObject(random, valid)))) };
    if (roll < 0.95) return { label: `#${index} other content type`, contentType: random.pick(["text/plain", "application/xml", "", "application/json; charset=utf-16"]), body: JSON.stringify(valid) };
    return { label: `#${index} empty`, contentType: random.pick(["application/json", ""]), body: "" };
  });
}

/** `count` cases for a page action posted as a form. */
export function formCases(random: Random, valid: Record<string, string>, count: number): FuzzCase[] {
  return Array.from({ length: count }, (_, index): FuzzCase => {
    const roll = random.next();
    const fields = asObject(mutateObject(random, valid));
    if (roll < 0.7) {
      let body = formOf(fields);
      if (random.chance(0.2)) body += `&${new URLSearchParams({ [Object.keys(valid)[0]!]: randomString(random) })}`; // a repeated field
      return { label: `#${index} mutated form`, contentType: "application/x-www-form-urlencoded", body };
    }
    if (roll < 0.8) {
      const { contentType, body } = multipart(fields, random.chance(0.5));
      return { label: `#${index} multipart`, contentType, body };
    }
    if (roll < 0.85) return { label: `#${index} oversized`, contentType: "application/x-www-form-urlencoded", body: `intent=${"A".repeat(random.pick([16 * 1024 + 1, 70 * 1024]))}` };
    if (roll < 0.9) return { label: `#${index} JSON instead of a form`, contentType: "application/json", body: JSON.stringify(fields) };
    if (roll < 0.95) return { label: `#${index} broken multipart`, contentType: "multipart/form-data; boundary=nothere", body: "--x\r\ngarbage" };
    return { label: `#${index} empty`, contentType: random.pick(["application/x-www-form-urlencoded", ""]), body: "" };
  });
}
