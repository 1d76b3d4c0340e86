// `BENCH_BASELINE=<git revision> npm run bench`: the production build of another revision,
// served by its own `wrangler dev` against the same stack (same Medusa, same simulator, same
// generated config), so the two storefronts' prepare-for-payment overhead is measured in
// one run, sample for sample, on the same machine at the same time.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { BIN, ROOT, startProcess, waitForHttp, type Log, type Managed } from "./processes.ts";
import type { StackFiles } from "./worker-config.ts";

export type Baseline = { revision: string; commit: string; url: string; stop(): Promise<void> };

export async function startBaseline(revision: string, files: StackFiles, port: number, log: Log): Promise<Baseline> {
  const commit = execFileSync("git", ["rev-parse", "--verify", `${revision}^{commit}`], { cwd: ROOT, encoding: "utf8" }).trim();
  const dir = mkdtempSync(path.join(tmpdir(), "bench-baseline-"));
  execFileSync("git", ["worktree", "add", "--detach", dir, commit], { cwd: ROOT, stdio: "ignore" });
  let server: Managed | null = null;
  const stop = async () => {
    await server?.stop();
    execFileSync("git", ["worktree", "remove", "--force", dir], { cwd: ROOT, stdio: "ignore" });
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
    // The stack's generated Worker config, pointed at the baseline's code.
    const stateDir = path.join(dir, "dev", ".state", "bench-baseline");
    mkdirSync(stateDir, { recursive: true });
    const config = JSON.parse(readFileSync(files.wranglerConfig, "utf8")) as Record<string, unknown>;
    config.main = path.join(dir, "workers", "app.ts");
    const configPath = path.join(stateDir, "wrangler.json");
    writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`);
    const secrets = path.join(files.dir, ".dev.vars");
    if (existsSync(secrets)) copyFileSync(secrets, path.join(stateDir, ".dev.vars"));

    log(`building the baseline ${revision} (${commit.slice(0, 10)})`);
    const buildDir = path.join(stateDir, "build");
    const env = {
      STACK_WRANGLER_CONFIG: configPath,
      STACK_PERSIST_DIR: path.join(stateDir, "wrangler-state"),
      STACK_VITE_CACHE_DIR: path.join(stateDir, "vite-cache"),
      STOREFRONT_BUILD_DIR: buildDir,
      WRANGLER_SEND_METRICS: "false",
      NODE_ENV: "production",
    };
    const build = startProcess("react-router build (baseline)", path.join(BIN, "react-router"), ["build"], { cwd: dir, env });
    const code = await new Promise<number | null>((resolve) => build.child.once("exit", resolve));
    if (code !== 0) throw new Error(`the baseline's react-router build failed (exit ${code}):\n${build.output.slice(-30).join("\n")}`);

    server = startProcess(
      "wrangler dev (baseline)",
      path.join(BIN, "wrangler"),
      ["dev", "--config", path.join(buildDir, "server", "wrangler.json"), "--port", String(port), "--ip", "127.0.0.1", "--persist-to", env.STACK_PERSIST_DIR, "--show-interactive-dev-session=false"],
      { cwd: dir, env },
    );
    const url = `http://localhost:${port}`;
    await waitForHttp(`${url}/favicon.svg`, 60_000, server);
    return { revision, commit, url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
