// The scanner behind the client secret scan (tests/support/secret-scan.ts), on planted files.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { prefixNeedles, readDotVars, scanDirectory, secretNeedles } from "../support/secret-scan.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "secret-scan-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("secret scan", () => {
  it("finds a planted key prefix and a planted literal secret in nested files, without reporting the value", () => {
    const session = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6-planted";
    mkdirSync(path.join(dir, "assets", "deep"), { recursive: true });
    writeFileSync(path.join(dir, "assets", "clean.js"), "export const pk = 'pk_test_123';\n");
    writeFileSync(path.join(dir, "assets", "deep", "leak.js"), `const a = 1;\nconst key = "sk_live_abcdef";\nconst s = "${session}";\n`);
    writeFileSync(path.join(dir, "image.bin"), Buffer.concat([Buffer.from([0, 255, 10, 0]), Buffer.from("whsec_zzz")]));

    const result = scanDirectory(dir, [...prefixNeedles(), ...secretNeedles([{ name: "SESSION_SECRET", value: session }])]);

    expect(result.files).toBe(3);
    expect(result.findings).toEqual(
      expect.arrayContaining([
        { file: path.join("assets", "deep", "leak.js"), line: 2, needle: "pattern sk_live_" },
        { file: path.join("assets", "deep", "leak.js"), line: 3, needle: "value of SESSION_SECRET" },
        { file: "image.bin", line: 2, needle: "pattern whsec_" },
      ]),
    );
    expect(result.findings).toHaveLength(3);
    expect(JSON.stringify(result.findings)).not.toContain(session);
  });

  it("reports nothing for a clean folder, but still counts what it read", () => {
    writeFileSync(path.join(dir, "app.js"), "console.log('pk_live_public');\n");
    const result = scanDirectory(dir, prefixNeedles());
    expect(result).toEqual({ files: 1, bytes: 31, findings: [] });
    expect(scanDirectory(dir, [{ name: "public key", value: "pk_live_" }]).findings).toHaveLength(1);
  });

  it("drops empty and short secret values (they would match everything) and merges duplicates", () => {
    const needles = secretNeedles([
      { name: "A", value: undefined },
      { name: "B", value: "" },
      { name: "C", value: "short" },
      { name: "D", value: "long-enough-secret" },
      { name: "E", value: "long-enough-secret" },
    ]);
    expect(needles).toEqual([{ name: "value of D / E", value: "long-enough-secret" }]);
    expect(() => scanDirectory(dir, [{ name: "empty", value: "" }])).toThrow(/empty/);
  });

  it("reads .dev.vars files", () => {
    const file = path.join(dir, ".dev.vars");
    writeFileSync(file, "# comment\nSESSION_SECRET=abc=def\n\nSTRIPE_SECRET_KEY=\"sk_test_q\"\nbroken line\n");
    expect(readDotVars(file)).toEqual({ SESSION_SECRET: "abc=def", STRIPE_SECRET_KEY: "sk_test_q" });
  });
});
