import { AppendMetadata, EventMetadata } from '@turnaround/domain';

/**
 * A position in the global log. Opaque to callers: store it and hand it back. Checkpoints of
 * one store compare as strings in log order (`a < b` means `a` comes first), which is all a
 * caller may rely on.
 */
export type Checkpoint = string & { readonly __checkpoint: unique symbol };

/** Before the first event. */
export const START = '' as Checkpoint;

/** `no_stream`: the stream must not exist; `any`: no check; a number: the revision of the stream's last event. */
export type ExpectedRevision = 'no_stream' | 'any' | number;

export interface EventToAppend {
  type: string;
  schemaVersion: number;
  data: unknown;
  /** Without `recordedAt`: the store stamps the knowledge time (see `EventStore`). */
  metadata: AppendMetadata;
  /** Given by the caller when it needs to know the id; otherwise made by the store. */
  eventId?: string;
}

export interface StoredEvent {
  eventId: string;
  streamId: string;
  /** 0 for a stream's first event. */
  revision: number;
  type: string;
  schemaVersion: number;
  data: unknown;
  metadata: EventMetadata;
  /** The checkpoint just after this event. */
  position: Checkpoint;
}

export interface AppendResult {
  /** Revision of the stream's last event now: the expected revision for the next append. */
  nextExpectedRevision: number;
  /** Checkpoint of the last appended event. */
  position: Checkpoint;
}

/** One stream's part of `appendMany`. */
export interface StreamAppend {
  streamId: string;
  events: readonly EventToAppend[];
  expectedRevision: ExpectedRevision;
}

export interface Subscription {
  /** Settles when the subscription ends: resolves after `stop()`, rejects when the handler failed. */
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

/** A page of the log: the events wanted of it, and the checkpoint after the last event read, if any was. */
export interface LogPage {
  events: StoredEvent[];
  reached: Checkpoint | undefined;
}

export interface SubscribeOptions {
  after: Checkpoint;
  /** At most this many events read per call of the handler (default 500). */
  batchSize?: number;
  /**
   * Only events of these types are handed over; the subscription still moves past the others
   * (the handler is called with the events it wants, possibly none, and the checkpoint reached).
   * A store on PostgreSQL does not send the other events at all.
   */
  eventTypes?: ReadonlySet<string>;
}

/**
 * Handles one batch of a subscription: `events` in log order, and `reached`, the checkpoint
 * after the last event read (handed over or filtered out), the one to resume after.
 */
export type SubscriptionHandler = (events: StoredEvent[], reached: Checkpoint) => Promise<void>;

/**
 * The log. Every adapter stamps knowledge time (`metadata.recordedAt`) itself, in log order: an
 * event is known from when its append took its place in the log, never before an event stored
 * earlier, so an as-of read sees a prefix of the log that every reader sees in turn. A derived
 * event (an alert) may name the knowledge time of the facts that caused it instead.
 */
export interface EventStore {
  /**
   * Appends atomically: all events or none. Throws WrongExpectedRevisionError when the check fails.
   * On KurrentDB an append larger than the server's maximum append size (1 MiB by default) goes
   * in as several appends, each under it and each expecting the revision the one before left;
   * a conflict between them leaves the first parts in, as the error's `appendedBefore` says.
   */
  append(streamId: string, events: readonly EventToAppend[], options?: { expectedRevision?: ExpectedRevision }): Promise<AppendResult>;
  /**
   * Appends to several distinct streams, each with its own expected revision; the results come
   * in the order given. Each stream's events go in atomically. On PostgreSQL all streams go in
   * one transaction (all or none); EventStoreDB has no transaction across streams, so there a
   * failure can leave the streams before it appended. Throws WrongExpectedRevisionError for a
   * stream whose check fails, and that stream gets nothing (beyond the parts of an append over
   * the size limit, see `append`); its `appendedBefore` lists what went in before it failed.
   */
  appendMany(appends: readonly StreamAppend[]): Promise<AppendResult[]>;
  /** The whole stream in revision order; empty when it does not exist. */
  readStream(streamId: string): Promise<StoredEvent[]>;
  /** Several whole streams at once, by stream id; a stream that does not exist maps to an empty list. */
  readStreams(streamIds: readonly string[]): Promise<Map<string, StoredEvent[]>>;
  /** Events after a checkpoint, in log order; only events no slower writer can still precede. */
  readAll(options: { after: Checkpoint; limit: number }): Promise<StoredEvent[]>;
  /**
   * One page of the log after a checkpoint, as `readAll` reads it (at most `limit` events),
   * with only the events of `eventTypes` handed over when it is set: a reader of a few types
   * (the alerts, the registry) moves past the rest without receiving them (PostgreSQL does not
   * even send them). `reached` is the checkpoint after the last event read, wanted or not; it
   * is undefined when nothing follows `after`.
   */
  readPage(options: { after: Checkpoint; limit: number; eventTypes?: ReadonlySet<string> }): Promise<LogPage>;
  /**
   * Catches up from `after`, then follows new events live. The handler sees each event once,
   * in log order, one batch at a time; the next batch waits until it resolves. A handler that
   * throws ends the subscription (`done` rejects): the owner restarts it from its stored checkpoint.
   */
  subscribe(options: SubscribeOptions, handle: SubscriptionHandler): Subscription;
  /** Resolves when the store answers a read, rejects with the reason when it does not: what readiness reports. */
  ping(): Promise<void>;
  /** Ends this store's subscriptions (their `done` resolves) and releases its connections. */
  close(): Promise<void>;
}

/** What an append that failed part-way had put in: one stream's first `events` events, leaving it at `nextExpectedRevision`. */
export interface AppendedPart {
  streamId: string;
  events: number;
  nextExpectedRevision: number;
}

export class WrongExpectedRevisionError extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: number | 'no_stream',
    /**
     * What the same append or appendMany had already put in when this check failed, in the
     * order given: always empty on PostgreSQL (all or none); on KurrentDB the streams before
     * this one, and this stream's first parts when its append was split (see `append`).
     */
    readonly appendedBefore: readonly AppendedPart[] = [],
  ) {
    super(`stream '${streamId}' was expected at revision ${expected} but is at ${actual}: it was changed concurrently`);
    this.name = 'WrongExpectedRevisionError';
  }
}
