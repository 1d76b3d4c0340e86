// The log scan of issue #5: the storefronts' output captured during the whole test run may
// hold no client_secret, no full email address and no secret. Run by the global setup's
// teardown (tests/setup/stack.ts) over every storefront log of the run.
import { readFileSync } from "node:fs";

export type LogFinding = { file: string; line: number; kind: string; excerpt: string };

const PATTERNS: Array<{ kind: string; pattern: RegExp }> = [
  { kind: "client_secret", pattern: /\b(?:pi|seti)_[A-Za-z0-9]+_secret_(?!\[redacted\])[A-Za-z0-9]+/ },
  { kind: "secret key", pattern: /\b(?:sk|rk)_(?:live|test)_(?!\[redacted\])[A-Za-z0-9]+/ },
  { kind: "webhook secret", pattern: /\bwhsec_(?!\[redacted\])[A-Za-z0-9+/=]+/ },
  // A masked address keeps one character and `***` before the @, which this doesn't match.
  { kind: "email address", pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/ },
];

export function scanLogText(file: string, text: string, secrets: Array<{ name: string; value: string }>): LogFinding[] {
  const findings: LogFinding[] = [];
  text.split("\n").forEach((line, index) => {
    for (const { kind, pattern } of PATTERNS) {
      const match = pattern.exec(line);
      if (match) findings.push({ file, line: index + 1, kind, excerpt: line.slice(Math.max(0, match.index - 40), match.index + 60) });
    }
    for (const secret of secrets) {
      if (secret.value && line.includes(secret.value)) findings.push({ file, line: index + 1, kind: secret.name, excerpt: "(value withheld)" });
    }
  });
  return findings;
}

export function scanLogFiles(files: string[], secrets: Array<{ name: string; value: string }>): { lines: number; findings: LogFinding[] } {
  let lines = 0;
  const findings: LogFinding[] = [];
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    lines += text.split("\n").length;
    findings.push(...scanLogText(file, text, secrets));
  }
  return { lines, findings };
}
