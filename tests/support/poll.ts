// Waiting for what a test expects instead of for a fixed time. Plain timers only, so it also
// runs inside workerd (the Workers tests).

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` passes or `timeoutMs` passes; returns the last value (the test asserts on it). */
export async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 20_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!check(value) && Date.now() < deadline) {
    await pause(intervalMs);
    value = await read();
  }
  return value;
}

/** Polls until `read` gives a value, or throws after `timeoutMs` saying what never came. */
export async function until<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 20_000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await pause(intervalMs);
  }
}

/**
 * For something that must NOT happen within a window (nothing announces that it didn't):
 * reads every `intervalMs` until `windowMs` has passed and hands each value to `check`
 * (which asserts), so a change fails the test when it happens, not only at the end.
 */
export async function throughout<T>(windowMs: number, read: () => Promise<T>, check: (value: T) => void, intervalMs = 500): Promise<void> {
  const deadline = Date.now() + windowMs;
  for (;;) {
    check(await read());
    if (Date.now() >= deadline) return;
    await pause(Math.min(intervalMs, deadline - Date.now()));
  }
}
