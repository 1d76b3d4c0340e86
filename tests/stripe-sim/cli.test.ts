// dev/stripe-sim/main.ts as developers run it: configured by environment, one JSON line
// when ready, a clear message when its port is taken, a clean exit on SIGTERM/SIGINT.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { afterEach, expect, test } from "vitest";
import { startReceiver, type Receiver } from "./support.ts";

const MAIN = fileURLToPath(new URL("../../dev/stripe-sim/main.ts", import.meta.url));

type Run = { child: ChildProcess; lines: string[]; stderr: string[]; exit: Promise<number | null> };

const running: ChildProcess[] = [];
let receiver: Receiver | undefined;
afterEach(async () => {
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  await receiver?.close();
  receiver = undefined;
});

// process.execPath is the Node 22 vitest runs on (type stripping built in).
function run(env: Record<string, string>): Run {
  const child = spawn(process.execPath, [MAIN], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  running.push(child);
  const lines: string[] = [];
  const stderr: string[] = [];
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => lines.push(...chunk.split("\n").filter(Boolean)));
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => stderr.push(chunk));
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, lines, stderr, exit };
}

async function ready(r: Run): Promise<{ url: string }> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const line = r.lines.find((l) => l.includes("stripe-sim ready"));
    if (line) return JSON.parse(line) as { url: string };
    if (Date.now() > deadline || r.child.exitCode !== null) throw new Error(`not ready: ${r.lines.join("\n")} ${r.stderr.join("")}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test("prints one JSON ready line with its URL and exits 0 on SIGTERM", async () => {
  const r = run({ STRIPE_SIM_PORT: "0" });
  const line = await ready(r);
  expect(line.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  const health = await fetch(`${line.url}/_sim/health`);
  expect(await health.json()).toEqual({ ok: true });
  r.child.kill("SIGTERM");
  expect(await r.exit).toBe(0);
});

test("exits 0 on SIGINT too", async () => {
  const r = run({ STRIPE_SIM_PORT: "0" });
  await ready(r);
  r.child.kill("SIGINT");
  expect(await r.exit).toBe(0);
});

test("a port in use is reported naming the port and STRIPE_SIM_PORT, exit code 1", async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
  const port = (blocker.address() as AddressInfo).port;
  try {
    const r = run({ STRIPE_SIM_PORT: String(port) });
    expect(await r.exit).toBe(1);
    const message = r.stderr.join("");
    expect(message).toContain(`port ${port}`);
    expect(message).toContain("STRIPE_SIM_PORT");
  } finally {
    blocker.close();
  }
});

test("keys and webhook endpoints come from the environment, and every request is logged as JSON", async () => {
  receiver = await startReceiver("whsec_from_env");
  const r = run({
    STRIPE_SIM_PORT: "0",
    STRIPE_SECRET_KEY: "sk_test_from_env",
    STRIPE_SIM_WEBHOOKS: `${receiver.url}|whsec_from_env`,
  });
  const { url } = await ready(r);
  const response = await fetch(`${url}/v1/payment_intents`, {
    method: "POST",
    headers: { authorization: "Bearer sk_test_from_env", "content-type": "application/x-www-form-urlencoded" },
    body: "amount=1000&currency=usd",
  });
  expect(response.status).toBe(200);
  await receiver.waitFor((rs) => rs.length === 1, "the created event, verified with the env secret");
  const logged = r.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(logged).toContainEqual(expect.objectContaining({ msg: "stripe-sim request", method: "POST", path: "/v1/payment_intents", status: 200 }));
  r.child.kill("SIGTERM");
  expect(await r.exit).toBe(0);
});

test("a malformed STRIPE_SIM_WEBHOOKS is refused with a message naming it", async () => {
  const r = run({ STRIPE_SIM_PORT: "0", STRIPE_SIM_WEBHOOKS: "not-a-pair" });
  expect(await r.exit).toBe(1);
  expect(r.stderr.join("")).toContain("STRIPE_SIM_WEBHOOKS");
});
