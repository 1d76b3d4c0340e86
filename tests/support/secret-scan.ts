// Scans a folder (the built browser assets) for secrets: Stripe key prefixes and the literal
// values of the secrets that were around when it was built. Findings name the needle and
// the place, never the secret itself, so a failing test does not print it.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/** Prefixes of Stripe secrets; none of them may reach the browser. */
export const SECRET_PREFIXES = ["sk_live_", "sk_test_", "rk_live_", "rk_test_", "whsec_"] as const;

/** Something to look for: `name` is what a finding reports, `value` is what is searched. */
export type Needle = { name: string; value: string };

export type Finding = { file: string; line: number; needle: string };

export type ScanResult = { files: number; bytes: number; findings: Finding[] };

/** Literal secrets shorter than this are refused: "" or "x" would match everything. */
export const MIN_SECRET_LENGTH = 8;

export function prefixNeedles(prefixes: readonly string[] = SECRET_PREFIXES): Needle[] {
  return prefixes.map((prefix) => ({ name: `pattern ${prefix}`, value: prefix }));
}

/** One needle per secret value; empty and too-short values are dropped, duplicates merged. */
export function secretNeedles(secrets: Array<{ name: string; value: string | undefined }>): Needle[] {
  const byValue = new Map<string, string[]>();
  for (const { name, value } of secrets) {
    if (value === undefined || value.length < MIN_SECRET_LENGTH) continue;
    byValue.set(value, [...(byValue.get(value) ?? []), name]);
  }
  return [...byValue].map(([value, names]) => ({ name: `value of ${names.join(" / ")}`, value }));
}

/** Every regular file under `dir`, read as bytes (binary files included), searched for every needle. */
export function scanDirectory(dir: string, needles: Needle[]): ScanResult {
  for (const needle of needles) {
    if (!needle.value) throw new Error(`needle ${needle.name} is empty and would match everything`);
  }
  const encoded = needles.map((needle) => ({ name: needle.name, bytes: Buffer.from(needle.value, "utf8") }));
  const result: ScanResult = { files: 0, bytes: 0, findings: [] };
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const content = readFileSync(file);
    result.files += 1;
    result.bytes += content.length;
    for (const needle of encoded) {
      let at = content.indexOf(needle.bytes);
      while (at !== -1) {
        result.findings.push({ file: path.relative(dir, file), line: lineOf(content, at), needle: needle.name });
        at = content.indexOf(needle.bytes, at + needle.bytes.length);
      }
    }
  }
  return result;
}

function lineOf(content: Buffer, offset: number): number {
  let line = 1;
  for (let at = content.indexOf(10); at !== -1 && at < offset; at = content.indexOf(10, at + 1)) line += 1;
  return line;
}

/** KEY=value lines of a .dev.vars file (comments and blank lines skipped, quotes removed). */
export function readDotVars(file: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const raw of readFileSync(file, "utf8").split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    const value = line.slice(eq + 1).trim();
    vars[line.slice(0, eq).trim()] = /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value;
  }
  return vars;
}
