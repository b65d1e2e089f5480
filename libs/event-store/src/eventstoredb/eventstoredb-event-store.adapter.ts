import { randomUUID } from 'node:crypto';
import {
  ANY,
  AppendExpectedRevision,
  AllStreamRecordedEvent,
  BACKWARDS,
  END as ESDB_END,
  EventData,
  FORWARDS,
  jsonEvent,
  MaxAppendSizeExceededError,
  NO_STREAM,
  Position,
  RecordedEvent,
  START as ESDB_START,
  StreamNotFoundError,
  streamNameFilter,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import { AppendMetadata, EventMetadata } from '@turnaround/domain';
import {
  AppendedPart,
  AppendResult,
  Checkpoint,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  LogPage,
  START,
  StoredEvent,
  StreamAppend,
  SubscribeOptions,
  Subscription,
  SubscriptionHandler,
  WrongExpectedRevisionError,
} from '../event-store.port';
import { pollingSubscription } from '../polling-subscription';
import { kurrentDbCheckpoint, parseKurrentDbCheckpoint } from '../checkpoints';
import { connectKurrentDb, KurrentDbClient } from './kurrentdb-client';
import { LiveAppendSignal } from './live-append-signal';

/** KurrentDB's default MaxAppendSize: the most one append may carry, in bytes. */
const DEFAULT_MAX_APPEND_SIZE = 1_048_576;

/**
 * The fewest `$all` events one read asks for, however small the caller's limit: the events of
 * other deployments and the server's own are read and skipped too, and reading them a few at a
 * time would take a round trip each.
 */
const MIN_READ_PAGE = 500;

/** How long `ping` waits for its one-event read: the client sets no deadline on reads. */
const PING_TIMEOUT_MS = 5_000;

export interface EventStoreDbOptions {
  /**
   * Put before every stream name, so several deployments (or test runs) can share one server;
   * each sees only its own streams. Empty in production.
   */
  streamPrefix?: string;
  /** Also released by `close()`: what the caller opened alongside the store (the read model's database). */
  alsoClose?: () => Promise<void>;
  /**
   * The server's MaxAppendSize in bytes (default 1 MiB, KurrentDB's default). Larger appends go
   * in parts under it; a server that refuses a part as too large names its own limit, which is
   * used from then on.
   */
  maxAppendSize?: number;
}

/**
 * What a recorded event of ours looks like in KurrentDB: our metadata plus the schema version.
 * Its knowledge time is the server's `created` stamp, which KurrentDB's one writer gives in log
 * order; only a derived event (an alert) carries its own `recordedAt`.
 */
type StoredMetadata = AppendMetadata & { schemaVersion: number };

/** An event about to be appended, with the size the server counts against MaxAppendSize. */
interface ProposedEvent {
  data: EventData;
  size: number;
}

/**
 * The event store on EventStoreDB / KurrentDB (`EVENTSTORE_URL`, e.g.
 * `esdb://kurrentdb:2113?tls=false`). Streams map one to one; the global log is `$all`, whose
 * order is commit order, so a reader never passes an event that commits later. A checkpoint is
 * an event's `$all` position, tagged as KurrentDB's (see checkpoints.ts).
 *
 * `$all` also carries the server's own events (types or streams starting with `$`), other
 * deployments' streams, and possibly events another tool wrote to our streams without this
 * service's metadata (foreign events). Client 6.2.1 cannot filter `$all` reads on the server,
 * so reads skip them here, count the foreign ones, and a subscription's checkpoint still moves
 * past all of them.
 */
export class EventStoreDbEventStore implements EventStore {
  private readonly signal: LiveAppendSignal;
  private readonly subscriptions = new Set<Subscription>();
  private maxAppendSize: number;
  private foreignEvents = 0;
  private closed = false;

  constructor(
    private readonly client: KurrentDbClient,
    private readonly options: EventStoreDbOptions = {},
  ) {
    this.maxAppendSize = options.maxAppendSize ?? DEFAULT_MAX_APPEND_SIZE;
    // Our streams only, and never the server's (whose names start with `$`).
    const ourStreams = streamNameFilter({ regex: `^${escapeRegex(this.prefix)}[^$]` });
    this.signal = new LiveAppendSignal(() => client.subscribeToAll({ fromPosition: ESDB_END, filter: ourStreams }));
  }

  static connect(connectionString: string, options: EventStoreDbOptions = {}): EventStoreDbEventStore {
    return new EventStoreDbEventStore(connectKurrentDb(connectionString), options);
  }

  /** How many times a read skipped an event in this deployment's streams without this service's metadata: for /metrics. */
  get foreignEventsSkipped(): number {
    return this.foreignEvents;
  }

  private get prefix(): string {
    return this.options.streamPrefix ?? '';
  }

  async append(streamId: string, events: readonly EventToAppend[], options: { expectedRevision?: ExpectedRevision } = {}): Promise<AppendResult> {
    this.assertOpen();
    if (events.length === 0) throw new RangeError(`append to '${streamId}' needs at least one event`);
    return this.appendToStream(streamId, events, options.expectedRevision ?? 'any', []);
  }

  /** Stream by stream: KurrentDB has no transaction across streams (see the port). */
  async appendMany(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    this.assertOpen();
    const streamIds = appends.map((append) => append.streamId);
    if (new Set(streamIds).size !== streamIds.length) throw new RangeError('appendMany takes each stream once');
    for (const append of appends) if (append.events.length === 0) throw new RangeError(`append to '${append.streamId}' needs at least one event`);
    const results: AppendResult[] = [];
    const appended: AppendedPart[] = [];
    for (const { streamId, events, expectedRevision } of appends) {
      const result = await this.appendToStream(streamId, events, expectedRevision, appended);
      results.push(result);
      appended.push({ streamId, events: events.length, nextExpectedRevision: result.nextExpectedRevision });
    }
    return results;
  }

  /** One stream's events, in parts under the server's MaxAppendSize, each expecting the revision the one before left. */
  private async appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    expectedRevision: ExpectedRevision,
    appendedBefore: readonly AppendedPart[],
  ): Promise<AppendResult> {
    const proposed = events.map(proposedEvent);
    let expected: AppendExpectedRevision = toEsdbRevision(expectedRevision);
    let appended = 0;
    let last: AppendResult | undefined;
    while (appended < proposed.length) {
      const part = this.nextPart(streamId, proposed, appended);
      try {
        const result = await this.client.appendToStream(
          this.prefix + streamId,
          part.map((event) => event.data),
          { expectedRevision: expected },
        );
        if (!result.position)
          throw new Error(`KurrentDB did not return the $all position of the append to '${streamId}': a server of version 20.6 or newer is needed`);
        appended += part.length;
        expected = result.nextExpectedRevision;
        last = { nextExpectedRevision: Number(result.nextExpectedRevision), position: checkpointOfPosition(result.position) };
        this.signal.notify(); // subscribers in this process read at once
      } catch (error) {
        if (error instanceof MaxAppendSizeExceededError && error.maxAppendSize < this.maxAppendSize) {
          // The server is configured below what we assumed; nothing of this part went in.
          this.maxAppendSize = error.maxAppendSize;
          continue;
        }
        if (error instanceof WrongExpectedVersionError) {
          const actual = error.actualVersion === NO_STREAM ? 'no_stream' : Number(error.actualVersion);
          const inBefore = appended === 0 ? [...appendedBefore] : [...appendedBefore, { streamId, events: appended, nextExpectedRevision: Number(expected) }];
          throw new WrongExpectedRevisionError(streamId, appended === 0 ? expectedRevision : Number(expected), actual, inBefore);
        }
        throw error;
      }
    }
    return last as AppendResult;
  }

  /** The events from `from` on that fit in one append. */
  private nextPart(streamId: string, proposed: readonly ProposedEvent[], from: number): ProposedEvent[] {
    let end = from;
    let size = 0;
    while (end < proposed.length && size + proposed[end].size <= this.maxAppendSize) size += proposed[end++].size;
    if (end === from) {
      const { data, size: eventSize } = proposed[from];
      throw new RangeError(
        `event ${from} of the append to '${streamId}' (${data.type}) takes ${eventSize} bytes, over the event store's maximum append size of ${this.maxAppendSize} bytes: an event must fit in one append`,
      );
    }
    return proposed.slice(from, end);
  }

  async readStream(streamId: string): Promise<StoredEvent[]> {
    this.assertOpen();
    const events: StoredEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(this.prefix + streamId, { direction: FORWARDS, fromRevision: ESDB_START })) {
        if (!resolved.event) continue;
        const stored = this.toStoredEvent(resolved.event);
        // Skipping it would leave the stream's revision behind: every append to it would conflict.
        if (!stored)
          throw new Error(
            `stream '${streamId}' holds event ${resolved.event.id} (type '${resolved.event.type}', revision ${resolved.event.revision}) without this service's metadata ` +
              '(a JSON object with schemaVersion and actor): another tool wrote it, and the stream cannot be decided on until it is removed',
          );
        events.push(stored);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return events;
  }

  async readStreams(streamIds: readonly string[]): Promise<Map<string, StoredEvent[]>> {
    return new Map(await Promise.all(streamIds.map(async (streamId) => [streamId, await this.readStream(streamId)] as const)));
  }

  async readAll({ after, limit }: { after: Checkpoint; limit: number }): Promise<StoredEvent[]> {
    this.assertOpen();
    const kept: StoredEvent[] = [];
    let from = positionAfter(after);
    for (;;) {
      const page = await this.readAllPage(from, Math.max(limit, MIN_READ_PAGE));
      for (const event of page.events) {
        const stored = this.ownEvent(event);
        if (stored) kept.push(stored);
        if (kept.length === limit) return kept;
      }
      // A page that does not reach the end of $all is whole, so it has a last event to go on from.
      if (page.atEnd) return kept;
      from = (page.events.at(-1) as AllStreamRecordedEvent).position;
    }
  }

  /**
   * One read of `$all`: at most `limit` events of ours, and `reached`
   * after the last event read, ours or not, so an idle subscriber's checkpoint moves past the
   * server's events and other deployments' instead of reading them again on every poll.
   */
  async readPage({ after, limit, eventTypes }: { after: Checkpoint; limit: number; eventTypes?: ReadonlySet<string> }): Promise<LogPage> {
    const page = await this.readAllPage(positionAfter(after), Math.max(limit, MIN_READ_PAGE));
    const events: StoredEvent[] = [];
    let ours = 0;
    let reached: Position | undefined;
    for (const event of page.events) {
      const stored = this.ownEvent(event);
      if (stored) {
        if (ours === limit) break;
        ours += 1;
        if (!eventTypes || eventTypes.has(stored.type)) events.push(stored);
      }
      reached = event.position;
    }
    return { events, reached: reached && checkpointOfPosition(reached) };
  }

  /**
   * Up to `size` events of `$all` after `from`, and whether the read reached the end. The
   * client's read starts at `from` inclusive, so one more is asked for and the event at `from` dropped.
   */
  private async readAllPage(from: Position | undefined, size: number): Promise<{ events: AllStreamRecordedEvent[]; atEnd: boolean }> {
    const events: AllStreamRecordedEvent[] = [];
    let read = 0;
    for await (const resolved of this.client.readAll({ direction: FORWARDS, fromPosition: from ?? ESDB_START, maxCount: size + 1 })) {
      read += 1;
      if (resolved.event && !(from && !isAfter(resolved.event.position, from))) events.push(resolved.event);
    }
    return { events, atEnd: read < size + 1 };
  }

  subscribe(options: SubscribeOptions, handle: SubscriptionHandler): Subscription {
    this.assertOpen();
    const onAppend = async (wake: () => void) => this.signal.listen(wake);
    const subscription = pollingSubscription((page) => this.readPage(page), onAppend, options, handle);
    this.subscriptions.add(subscription);
    const forget = () => this.subscriptions.delete(subscription);
    subscription.done.then(forget, forget);
    return subscription;
  }

  async ping(): Promise<void> {
    this.assertOpen();
    const read = (async () => {
      const events = this.client.readAll({ direction: BACKWARDS, fromPosition: ESDB_END, maxCount: 1 })[Symbol.asyncIterator]();
      while (!(await events.next()).done);
    })();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`KurrentDB did not answer a one-event read of $all within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS);
    });
    try {
      await Promise.race([read, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends the subscriptions (their owners see `done` resolve, so they do not restart them), then the connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    await this.signal.close();
    await this.client.close();
    await this.options.alsoClose?.();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the KurrentDB event store is closed: open a new one (openEventStore) to use the log again');
  }

  /** The event as this service stored it, or undefined for one that is not ours; a foreign event in our streams is counted. */
  private ownEvent(event: AllStreamRecordedEvent): StoredEvent | undefined {
    if (event.type.startsWith('$') || event.streamId.startsWith('$') || !event.streamId.startsWith(this.prefix)) return undefined;
    const stored = this.toStoredEvent(event);
    if (!stored) this.foreignEvents += 1;
    return stored;
  }

  /** Undefined when the event lacks this service's metadata (the client gives `metadata` undefined when it is empty). */
  private toStoredEvent(event: RecordedEvent): StoredEvent | undefined {
    const stored: unknown = event.metadata;
    if (!event.isJson || !isStoredMetadata(stored)) return undefined;
    if (!event.position)
      throw new Error(`KurrentDB returned event ${event.id} of '${event.streamId}' without its $all position: a server of version 20.6 or newer is needed`);
    const { schemaVersion, recordedAt = event.created.toISOString(), ...rest } = stored;
    const metadata: EventMetadata = { ...rest, recordedAt };
    return {
      eventId: event.id,
      streamId: event.streamId.slice(this.prefix.length),
      revision: Number(event.revision),
      type: event.type,
      schemaVersion,
      data: event.data,
      metadata,
      position: checkpointOfPosition(event.position),
    };
  }
}

function proposedEvent(event: EventToAppend): ProposedEvent {
  const metadata: StoredMetadata = { ...event.metadata, schemaVersion: event.schemaVersion };
  const data = jsonEvent({ id: event.eventId ?? randomUUID(), type: event.type, data: event.data as Record<string, unknown>, metadata });
  // What the server counts against MaxAppendSize (Event.SizeOnDisk): the data and metadata as
  // the client sends them (JSON in UTF-8), and the type at two bytes a character.
  const size = Buffer.byteLength(JSON.stringify(event.data)) + Buffer.byteLength(JSON.stringify(metadata)) + event.type.length * 2;
  return { data, size };
}

function isStoredMetadata(metadata: unknown): metadata is StoredMetadata {
  if (typeof metadata !== 'object' || metadata === null || metadata instanceof Uint8Array) return false;
  const { actor, schemaVersion } = metadata as Partial<StoredMetadata>;
  return typeof actor === 'string' && typeof schemaVersion === 'number';
}

export function toEsdbRevision(expected: ExpectedRevision): AppendExpectedRevision {
  if (expected === 'any') return ANY;
  if (expected === 'no_stream') return NO_STREAM;
  return BigInt(expected);
}

export function checkpointOfPosition(position: Position): Checkpoint {
  return kurrentDbCheckpoint(position.commit, position.prepare);
}

export function positionOfCheckpoint(checkpoint: Checkpoint): Position {
  return parseKurrentDbCheckpoint(checkpoint);
}

function positionAfter(checkpoint: Checkpoint): Position | undefined {
  return checkpoint === START ? undefined : positionOfCheckpoint(checkpoint);
}

function isAfter(a: Position, b: Position): boolean {
  return a.commit > b.commit || (a.commit === b.commit && a.prepare > b.prepare);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
