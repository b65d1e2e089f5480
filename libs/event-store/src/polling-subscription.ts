import { Checkpoint, StoredEvent, SubscribeOptions, Subscription } from './event-store.port';

/** How long a live subscriber waits between reads when nothing woke it (e.g. after an aborted writer). */
const IDLE_POLL_MS = 250;

/**
 * A subscription as a read loop: read a batch after the last checkpoint, hand it over, repeat;
 * when the log is exhausted, wait until `onAppend` signals a new event or the idle poll comes
 * round. Every adapter's `subscribe` is this loop with its own `readAll` and wake-up signal.
 */
export function pollingSubscription(
  readAll: (options: { after: Checkpoint; limit: number }) => Promise<StoredEvent[]>,
  onAppend: (wake: () => void) => Promise<() => Promise<void>>,
  options: SubscribeOptions,
  handle: (events: StoredEvent[]) => Promise<void>,
): Subscription {
  const batchSize = options.batchSize ?? 500;
  let stopped = false;
  let wake: () => void = () => undefined;
  const idle = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, IDLE_POLL_MS);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const run = async () => {
    const stopListening = await onAppend(() => wake());
    try {
      let after = options.after;
      while (!stopped) {
        const events = await readAll({ after, limit: batchSize });
        if (stopped) break;
        if (events.length === 0) {
          await idle();
          continue;
        }
        await handle(events);
        after = events[events.length - 1].position;
      }
    } finally {
      await stopListening();
    }
  };
  const done = run();
  done.catch(() => undefined); // the owner observes `done`; this keeps an unobserved failure from crashing the process
  return {
    done,
    stop: async () => {
      stopped = true;
      wake();
      await done.catch(() => undefined);
    },
  };
}
