// The production build's log (the test stack's `vite preview` output) as JSON lines, for tests
// that check what the storefront told an operator.
import { readFileSync } from "node:fs";
import path from "node:path";
import { inject } from "vitest";

/** The production build's JSON log lines that mention `text` (an attempt id, a trace id, …). */
export function previewLogLines(text: string): Record<string, unknown>[] {
  const log = readFileSync(path.join(path.dirname(inject("stack").workerConfig), "vite-preview.log"), "utf8");
  return log
    .split("\n")
    .filter((line) => line.includes(text))
    .flatMap((line) => {
      const start = line.indexOf('{"level"');
      try {
        return start < 0 ? [] : [JSON.parse(line.slice(start)) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}
