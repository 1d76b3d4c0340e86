// The shape docs/architecture.md promises, checked on the source: no import cycle in app/
// or workers/, imports that go one way (app/ never reaches into workers/, nothing imports
// a route module, browser code never imports a .server module), and no module in app/
// over 300 lines without a reason written at its top.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const sourceDirs = ["app", "workers"];
const options: ts.CompilerOptions = {
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  module: ts.ModuleKind.ES2022,
  baseUrl: root,
  paths: { "~/*": ["./app/*"] },
  jsx: ts.JsxEmit.ReactJSX,
  allowImportingTsExtensions: true,
};

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.tsx?$/.test(entry.name) && !entry.name.endsWith(".d.ts"))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

const files = sourceDirs.flatMap(sourceFiles);

/** Each source file's imports (type-only ones too) that resolve to another source file. */
const graph = new Map<string, string[]>(
  files.map((file) => {
    const { importedFiles } = ts.preProcessFile(readFileSync(join(root, file), "utf8"), true, true);
    const targets = importedFiles
      .map(({ fileName }) => ts.resolveModuleName(fileName, join(root, file), options, ts.sys).resolvedModule?.resolvedFileName)
      .filter((target): target is string => !!target && !target.includes("node_modules"))
      .map((target) => relative(root, target))
      .filter((target) => sourceDirs.some((dir) => target.startsWith(`${dir}/`)));
    return [file, targets];
  }),
);

function cycles(): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (file: string) => {
    if (state.get(file) === "done") return;
    if (state.get(file) === "open") {
      found.push([...path.slice(path.indexOf(file)), file]);
      return;
    }
    state.set(file, "open");
    path.push(file);
    for (const target of graph.get(file) ?? []) visit(target);
    path.pop();
    state.set(file, "done");
  };
  for (const file of graph.keys()) visit(file);
  return found;
}

const edges = [...graph].flatMap(([from, targets]) => targets.map((to) => ({ from, to })));

describe("the import graph", () => {
  it("reads the imports it checks (a resolver that found nothing would prove nothing)", () => {
    expect(graph.get("app/routes/api.prepare-for-payment.ts")).toContain("app/lib/checkout/prepare/pipeline.server.ts");
    expect(graph.get("workers/cart-coordinator.ts")).toContain("app/lib/checkout/prepare/pipeline.server.ts");
    expect(edges.length).toBeGreaterThan(100);
  });

  it("has no cycle in app/ or workers/", () => {
    expect(cycles()).toEqual([]);
  });

  it("never imports workers/ from app/, nor a route module from anywhere but the route config", () => {
    const wrong = edges.filter(({ from, to }) => (from.startsWith("app/") && to.startsWith("workers/")) || (to.startsWith("app/routes/") && from !== "app/routes.ts"));
    expect(wrong).toEqual([]);
  });

  it("keeps server modules out of browser code (components and client modules)", () => {
    const browser = (file: string) => file.startsWith("app/components/") || file.endsWith(".client.ts");
    const wrong = edges.filter(({ from, to }) => browser(from) && /\.server\.tsx?$/.test(to));
    // `import type` of a server module is erased at build time; only value imports would ship it.
    const valueImports = wrong.filter(({ from, to }) => {
      const text = readFileSync(join(root, from), "utf8");
      const name = relative(dirname(join(root, from)), join(root, to)).replace(/\.tsx?$/, "");
      return text.split("\n").some((line) => /^import (?!type )/.test(line) && (line.includes(name) || line.includes(to.replace(/^app\//, "~/").replace(/\.tsx?$/, ""))));
    });
    expect(valueImports).toEqual([]);
  });
});

describe("module size", () => {
  it("keeps every module in app/ under 300 lines, or says at its top why not", () => {
    const long = sourceFiles("app")
      .map((file) => ({ file, text: readFileSync(join(root, file), "utf8") }))
      .filter(({ text }) => text.split("\n").length > 300 && !/^(\/\/|\/\*\*?)[^\n]*\blong because\b/im.test(text.slice(0, 2000)))
      .map(({ file }) => file);
    expect(long).toEqual([]);
  });
});
