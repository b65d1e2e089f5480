import { waitUntil } from '@turnaround/domain/testing';
import { LogPage, START } from './event-store.port';
import { pollingSubscription } from './polling-subscription';

describe('pollingSubscription (the read loop both stores share)', () => {
  afterEach(() => jest.useRealTimers());

  it('keeps a wake-up that comes while a page is being read: the next read follows at once, not at the idle poll', async () => {
    // The idle poll is a timer that never fires here, so only the kept wake-up can bring the second read.
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    let wake: () => void = () => undefined;
    let reads = 0;
    const readPage = async (): Promise<LogPage> => {
      reads += 1;
      // An append commits after this read passed its place, and its signal arrives before the read returns.
      if (reads === 1) wake();
      return { events: [], reached: undefined };
    };
    const subscription = pollingSubscription(
      readPage,
      async (signal) => {
        wake = signal;
        return async () => undefined;
      },
      { after: START },
      async () => undefined,
    );

    // Wait until the loop sleeps on the idle timer: after the second read when the wake-up was
    // kept, after the first when it was lost.
    await waitUntil(
      () => jest.getTimerCount(),
      (timers) => expect(timers).toBeGreaterThan(0),
    );
    expect(reads).toBe(2);
    await subscription.stop();
  });
});
