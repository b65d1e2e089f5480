import { EventStore, SubscribeOptions, Subscription, SubscriptionHandler } from './event-store.port';

/** How long a live subscriber waits between reads when nothing woke it (e.g. after an aborted writer). */
const IDLE_POLL_MS = 250;

/**
 * A subscription as a read loop: read a page after the last checkpoint, hand it over, repeat;
 * when the log is exhausted, wait until `onAppend` signals a new event or the idle poll comes
 * round. Every adapter's `subscribe` is this loop with its own page reader and wake-up signal.
 */
export function pollingSubscription(
  readPage: EventStore['readPage'],
  onAppend: (wake: () => void) => Promise<() => Promise<void>>,
  options: SubscribeOptions,
  handle: SubscriptionHandler,
): Subscription {
  const batchSize = options.batchSize ?? 500;
  let stopped = false;
  // A wake-up can come while a page is being read, after the read has passed the new event's
  // place: it is kept, so the wait that follows that read ends at once instead of at the idle poll.
  let woken = false;
  let endWait: (() => void) | undefined;
  const wake = () => {
    woken = true;
    endWait?.();
  };
  const idle = () =>
    new Promise<void>((resolve) => {
      if (woken) return resolve();
      const timer = setTimeout(done, IDLE_POLL_MS);
      function done() {
        clearTimeout(timer);
        endWait = undefined;
        resolve();
      }
      endWait = done;
    });

  const run = async () => {
    const stopListening = await onAppend(wake);
    try {
      let after = options.after;
      while (!stopped) {
        woken = false; // the read below sees every event appended before it starts
        const { events, reached } = await readPage({ after, limit: batchSize, eventTypes: options.eventTypes });
        if (stopped) break;
        if (reached === undefined) {
          await idle();
          continue;
        }
        await handle(events, reached);
        after = reached;
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
