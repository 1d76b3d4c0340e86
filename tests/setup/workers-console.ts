// A Vitest reporter that keeps what the storefront code printed inside workerd during the
// `workers` project (its JSON logs, forwarded to Vitest as console output) in
// dev/.state/workers-tests.log, so the log scan at the end of the run (tests/setup/stack.ts)
// covers the storefront in all the places it runs in tests: vite dev, the production build and the Workers
// test pool.
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { UserConsoleLog } from "vitest";
import type { Reporter, Vitest } from "vitest/node";
import { ROOT } from "../../dev/processes.ts";

export const WORKERS_TEST_LOG = path.join(ROOT, "dev", ".state", "workers-tests.log");

export default class WorkersConsoleCapture implements Reporter {
  private vitest: Vitest | undefined;

  onInit(vitest: Vitest) {
    this.vitest = vitest;
    mkdirSync(path.dirname(WORKERS_TEST_LOG), { recursive: true });
    writeFileSync(WORKERS_TEST_LOG, "");
  }

  onUserConsoleLog(log: UserConsoleLog) {
    const task = log.taskId ? this.vitest?.state.idMap.get(log.taskId) : undefined;
    if (task?.file.projectName === "workers") appendFileSync(WORKERS_TEST_LOG, log.content.endsWith("\n") ? log.content : `${log.content}\n`);
  }
}
