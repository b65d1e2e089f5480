import { LiveSubscription } from './kurrentdb-client';

/** The first wait before a failed live subscription is opened again; it doubles up to the last. */
const FIRST_RETRY_MS = 500;
const LAST_RETRY_MS = 30_000;

/**
 * The wake-up of one store's subscribers: a single live subscription to `$all` shared by all of
 * them (not one per subscriber: each would stream every event's payload again), filtered on the
 * server to this deployment's streams, and used only as a signal. It is opened while someone
 * listens. When it fails (the server restarted, the connection broke) it is opened again after a
 * growing delay, and every listener is woken once the server confirms it, so an event appended
 * while it was down is read at once rather than at the next idle poll.
 */
export class LiveAppendSignal {
  private readonly listeners = new Set<() => void>();
  private live?: LiveSubscription;
  private retryTimer?: NodeJS.Timeout;
  private retryDelay = FIRST_RETRY_MS;

  constructor(private readonly open: () => LiveSubscription) {}

  /** Calls `wake` on every signal until the returned function is called. */
  listen(wake: () => void): () => Promise<void> {
    this.listeners.add(wake);
    if (this.listeners.size === 1) this.connect();
    return async () => {
      this.listeners.delete(wake);
      if (this.listeners.size === 0) await this.disconnect();
    };
  }

  /** Wakes every listener: an append made in this process. */
  notify(): void {
    for (const wake of this.listeners) wake();
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.disconnect();
  }

  private connect(): void {
    this.retryTimer = undefined;
    const live = this.open();
    this.live = live;
    live.on('data', () => this.notify());
    live.on('confirmation', () => {
      this.retryDelay = FIRST_RETRY_MS;
      this.notify();
    });
    const lost = () => {
      if (this.live !== live) return; // already replaced, or closed on purpose
      this.live = undefined;
      live.unsubscribe().catch(() => undefined); // it has failed already; this only frees the call
      if (this.listeners.size === 0) return;
      this.retryTimer = setTimeout(() => this.connect(), this.retryDelay);
      this.retryDelay = Math.min(this.retryDelay * 2, LAST_RETRY_MS);
    };
    live.on('error', lost);
    live.on('end', lost);
  }

  private async disconnect(): Promise<void> {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const live = this.live;
    this.live = undefined;
    await live?.unsubscribe();
  }
}
