// The cart's Durable Object inside workerd (checkout contract, sections 1 and 2): it runs
// prepare-for-payment against the stack's real Medusa (through the fault proxy, which
// records every request by trace id) and keeps the idempotency records.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ATTEMPT_TTL_SECONDS } from "../../app/lib/checkout/attempts.server";
import { until } from "../support/poll.ts";
import { call, errorCode, injectFault, newCart, newTraceId, postsFor, requestsFor } from "./cart-calls";
import { env } from "./env";

describe("the cart's Durable Object", () => {
  it("a replay with the same key returns the stored answer, marked idempotent-replayed, with no backend call", async () => {
    const { cartId, standard } = await newCart();
    const prepare = await call(cartId, standard, "do-replay-0001");
    const first = await prepare(newTraceId());
    expect(first.status).toBe(200);
    const replayTrace = newTraceId();
    const replay = await prepare(replayTrace);
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(first.body);
    expect(replay.headers?.["idempotent-replayed"]).toBe("true");
    expect(await requestsFor(replayTrace)).toEqual([]);
  });

  it("forgets everything it stored (answers with client secrets, attempts with personal data) a KV lifetime after the cart's last write", async () => {
    const { cartId, standard } = await newCart();
    const prepare = await call(cartId, standard, "do-forget-0001");
    const before = Date.now();
    const first = await prepare(newTraceId());
    expect(first.status).toBe(200);
    const stub = env.CART_COORDINATOR.getByName(cartId);
    const stored = await runInDurableObject(stub, async (_instance, state) => ({ keys: [...(await state.storage.list()).keys()], alarm: await state.storage.getAlarm() }));
    expect(stored.keys.some((key) => key.startsWith("idem:"))).toBe(true);
    expect(stored.keys.some((key) => key.startsWith("attempt:"))).toBe(true);
    expect(stored.alarm).toBeGreaterThanOrEqual(before + ATTEMPT_TTL_SECONDS * 1000);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await runInDurableObject(stub, async (_instance, state) => (await state.storage.list()).size)).toBe(0);
    // The key is no longer known: the same submission runs again instead of replaying.
    const again = await prepare(newTraceId());
    expect(again.status).toBe(200);
    expect(again.headers?.["idempotent-replayed"]).toBeUndefined();
  });

  it("the same key with another body is idempotency_key_reused, with no backend call", async () => {
    const { cartId, standard } = await newCart();
    expect((await (await call(cartId, standard, "do-reused-0001"))(newTraceId())).status).toBe(200);
    const otherTrace = newTraceId();
    const other = await (await call(cartId, standard, "do-reused-0001", "someone@else.example"))(otherTrace);
    expect(other.status).toBe(409);
    expect(errorCode(other)).toBe("idempotency_key_reused");
    expect(await requestsFor(otherTrace)).toEqual([]);
  });

  it("concurrent duplicates make one set of backend writes and all get the same answer", async () => {
    const { cartId, standard } = await newCart();
    const prepare = await call(cartId, standard, "do-double-click-0001");
    const traces = Array.from({ length: 5 }, newTraceId);
    const answers = await Promise.all(traces.map((traceId) => prepare(traceId)));
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual(answers[0]!.body);
    }
    // One prepare on a new cart writes: details, shipping method, payment collection, session.
    const posts = await postsFor(traces);
    expect(posts.map((request) => request.path.replace(/\/(cart|pay_col)_\w+/, "/:id"))).toEqual([
      "/store/carts/:id",
      "/store/carts/:id/shipping-methods",
      "/store/payment-collections",
      "/store/payment-collections/:id/payment-sessions",
    ]);
    const tracesThatWrote = (await Promise.all(traces.map(requestsFor))).filter((requests) => requests.length > 0);
    expect(tracesThatWrote).toHaveLength(1);
  });

  it("another key while one prepare runs is in_progress with Retry-After, and makes no backend call", async () => {
    const { cartId, standard } = await newCart();
    const runningTrace = newTraceId();
    // Holds the running prepare's first Medusa call, so the second surely arrives meanwhile.
    await injectFault({ kind: "delay", traceId: runningTrace, method: "GET", nth: 1, delayMs: 1500 });
    const running = (await call(cartId, standard, "do-running-0001"))(runningTrace);
    await until("the running prepare's held Medusa call", async () => (await requestsFor(runningTrace)).find((request) => request.fault === "delay"));
    const otherTrace = newTraceId();
    const other = await (await call(cartId, standard, "do-other-key-0001", "other@example.com"))(otherTrace);
    expect(other.status).toBe(409);
    expect(errorCode(other)).toBe("in_progress");
    expect(Number(other.headers?.["retry-after"])).toBeGreaterThan(0);
    expect(await requestsFor(otherTrace)).toEqual([]);
    expect((await running).status).toBe(200);
    // Once it finished, the other submission is taken.
    expect((await (await call(cartId, standard, "do-other-key-0001", "other@example.com"))(newTraceId())).status).toBe(200);
  });

  it("a failed prepare (5xx) is not stored: the same key runs again and can succeed", async () => {
    const { cartId, standard } = await newCart();
    const prepare = await call(cartId, standard, "do-retry-after-5xx-0001");
    const failedTrace = newTraceId();
    await injectFault({ kind: "error_500", traceId: failedTrace, method: "POST", path: "^/store/carts/[^/]+$", nth: 1 });
    const failed = await prepare(failedTrace);
    expect(failed.status).toBe(502);
    expect(errorCode(failed)).toBe("backend_error");
    const retryTrace = newTraceId();
    const retry = await prepare(retryTrace);
    expect(retry.status).toBe(200);
    expect(retry.headers?.["idempotent-replayed"]).toBeUndefined();
    expect((await requestsFor(retryTrace)).length).toBeGreaterThan(0);
  });
});
