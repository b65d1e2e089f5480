import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Reads until `check` passes on what was read, and returns that value; once `timeoutMs` has
 * passed, the check's own failure is thrown. What happens asynchronously (projections, consumers,
 * subscriptions) is waited for by the condition a test needs, never by a fixed time.
 *
 * Its pauses and its deadline are timers of node:timers/promises, which Jest's fake timers leave
 * real: it works the same in a suite that fakes the clock.
 */
export async function waitUntil<T>(read: () => T | Promise<T>, check: (value: T) => void, timeoutMs = 20_000): Promise<T> {
  const deadline = new AbortController();
  let expired = false;
  sleep(timeoutMs, undefined, { signal: deadline.signal }).then(
    () => (expired = true),
    () => undefined,
  );
  try {
    // Short pauses first, so that an in-memory condition is seen at once; then 100 ms at most,
    // so that a database or an HTTP endpoint is not asked in a tight loop.
    for (let pause = 1; ; pause = Math.min(2 * pause, 100)) {
      const value = await read();
      try {
        check(value);
        return value;
      } catch (error) {
        if (expired) throw error;
      }
      await sleep(pause);
    }
  } finally {
    deadline.abort();
  }
}
