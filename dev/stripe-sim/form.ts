// Stripe's v1 API takes application/x-www-form-urlencoded bodies (and query strings) with
// bracketed keys: `metadata[a]=1`, `expand[0]=x`, `expand[]=x`, `card[number]=4242...`.
// This turns them into nested values, keeping every leaf a string as Stripe receives it;
// each endpoint coerces and validates its own parameters (see params.ts).

export type Param = string | Param[] | ParamObject;
export type ParamObject = { [key: string]: Param };

export function decodeForm(raw: string): ParamObject {
  const root: ParamObject = {};
  if (!raw) return root;
  for (const [rawKey, value] of new URLSearchParams(raw)) {
    const path = splitKey(rawKey);
    if (path.length === 0) continue;
    assign(root, path, value);
  }
  return arraysFromIndexedObjects(root) as ParamObject;
}

// "a[b][0]" -> ["a", "b", "0"]; "a[]" -> ["a", ""]
function splitKey(key: string): string[] {
  const first = key.indexOf("[");
  if (first === -1) return [key];
  const parts = [key.slice(0, first)];
  for (const match of key.slice(first).matchAll(/\[([^\]]*)\]/g)) parts.push(match[1] ?? "");
  return parts;
}

function assign(target: ParamObject, path: string[], value: string): void {
  let node: ParamObject = target;
  for (const segment of path.slice(0, -1)) {
    const key = segment === "" ? String(nextIndex(node)) : segment;
    const existing = node[key];
    if (existing === undefined || typeof existing === "string") {
      // A later nested key wins over an earlier scalar (`metadata=` then `metadata[a]=1`).
      const child: ParamObject = {};
      node[key] = child;
      node = child;
    } else {
      node = existing as ParamObject;
    }
  }
  const last = path[path.length - 1] ?? "";
  node[last === "" ? String(nextIndex(node)) : last] = value;
}

function nextIndex(node: ParamObject): number {
  return Object.keys(node).filter((k) => /^\d+$/.test(k)).length;
}

// Objects whose keys are exactly 0..n-1 become arrays (`expand[0]`, `payment_method_types[1]`).
function arraysFromIndexedObjects(value: Param): Param {
  if (typeof value === "string" || Array.isArray(value)) return value;
  const entries = Object.entries(value);
  for (const [k, v] of entries) value[k] = arraysFromIndexedObjects(v);
  const indexes = entries.map(([k]) => (/^\d+$/.test(k) ? Number(k) : -1)).sort((a, b) => a - b);
  const isIndexed = entries.length > 0 && indexes.every((n, i) => n === i);
  if (!isIndexed) return value;
  return indexes.map((n) => value[String(n)] as Param);
}

// Same params in any key order compare equal: used for idempotency fingerprints.
export function canonicalParams(value: Param | undefined): string {
  if (value === undefined) return "";
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalParams).join(",")}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalParams(value[k])}`).join(",")}}`;
}
