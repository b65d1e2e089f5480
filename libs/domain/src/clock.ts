/**
 * A clock that stands where it is set until it is told to follow the machine's again: what an
 * event store stamps knowledge times from when the demo or a test loads a history into an empty
 * store with the dates it simulates. Nothing a client sends reaches it.
 */
export interface ManualClock {
  (): Date;
  /** Stands at `at` from now on. */
  set(at: string | Date): void;
  /** Follows the machine's clock again. */
  resume(): void;
}

export function manualClock(start: string | Date = '2000-01-01T00:00:00.000Z'): ManualClock {
  let standing: Date | undefined = new Date(start);
  const clock = (() => (standing ? new Date(standing) : new Date())) as ManualClock;
  clock.set = (at) => {
    standing = new Date(at);
  };
  clock.resume = () => {
    standing = undefined;
  };
  return clock;
}
