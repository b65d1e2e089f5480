import { randomUUID } from 'node:crypto';
import {
  ANY,
  AppendExpectedRevision,
  EventStoreDBClient,
  FORWARDS,
  jsonEvent,
  NO_STREAM,
  Position,
  START as ESDB_START,
  END as ESDB_END,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import { EventMetadata } from '@turnaround/domain';
import {
  AppendResult,
  Checkpoint,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  START,
  StoredEvent,
  StreamAppend,
  SubscribeOptions,
  Subscription,
  SubscriptionHandler,
  WrongExpectedRevisionError,
} from '../event-store.port';
import { filteredPages, pollingSubscription } from '../polling-subscription';
import { pairCheckpoint, parsePairCheckpoint } from '../checkpoints';

export interface EventStoreDbOptions {
  /**
   * Put before every stream name, so several deployments (or test runs) can share one server;
   * each sees only its own streams. Empty in production.
   */
  streamPrefix?: string;
  /** Also released by `close()`: what the caller opened alongside the store (the read model's database). */
  alsoClose?: () => Promise<void>;
}

/** What a recorded event of ours looks like in KurrentDB: our metadata plus the schema version. */
interface StoredMetadata extends EventMetadata {
  schemaVersion: number;
}

interface RecordedEventOfAll {
  streamId: string;
  id: string;
  revision: bigint;
  type: string;
  data: unknown;
  metadata: unknown;
  position: Position;
}

/**
 * The event store on EventStoreDB / KurrentDB (`EVENTSTORE_URL`, e.g.
 * `esdb://kurrentdb:2113?tls=false`). Streams map one to one; the global log is `$all`, whose
 * order is commit order, so a reader never passes an event that commits later. A checkpoint is
 * the event's `$all` position as fixed-width `commit:prepare`, so string order is log order.
 *
 * `$all` also carries the server's own events (types starting with `$`) and other deployments'
 * streams; `readAll` skips them and pages on until it has `limit` events of ours or reaches the
 * end, so a short page still means the end of the log.
 */
export class EventStoreDbEventStore implements EventStore {
  private readonly localWakers = new Set<() => void>();

  private constructor(
    private readonly client: EventStoreDBClient,
    private readonly options: EventStoreDbOptions,
  ) {}

  static connect(connectionString: string, options: EventStoreDbOptions = {}): EventStoreDbEventStore {
    return new EventStoreDbEventStore(EventStoreDBClient.connectionString(connectionString), options);
  }

  private get prefix(): string {
    return this.options.streamPrefix ?? '';
  }

  async append(streamId: string, events: readonly EventToAppend[], options: { expectedRevision?: ExpectedRevision } = {}): Promise<AppendResult> {
    if (events.length === 0) throw new RangeError('append needs at least one event');
    const expectedRevision = options.expectedRevision ?? 'any';
    try {
      const result = await this.client.appendToStream(
        this.prefix + streamId,
        events.map((event) =>
          jsonEvent({
            id: event.eventId ?? randomUUID(),
            type: event.type,
            data: event.data as Record<string, unknown>,
            metadata: { ...event.metadata, schemaVersion: event.schemaVersion } satisfies StoredMetadata,
          }),
        ),
        { expectedRevision: toEsdbRevision(expectedRevision) },
      );
      if (!result.position) throw new Error(`EventStoreDB did not return the $all position of the append to '${streamId}': a server of version 20.6 or newer is needed`);
      this.localWakers.forEach((wake) => wake());
      return { nextExpectedRevision: Number(result.nextExpectedRevision), position: checkpointOfPosition(result.position) };
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        const actual = error.actualVersion === NO_STREAM ? 'no_stream' : Number(error.actualVersion);
        throw new WrongExpectedRevisionError(streamId, expectedRevision, actual);
      }
      throw error;
    }
  }

  /** Stream by stream: KurrentDB has no transaction across streams (see the port). */
  async appendMany(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    const results: AppendResult[] = [];
    for (const { streamId, events, expectedRevision } of appends) results.push(await this.append(streamId, events, { expectedRevision }));
    return results;
  }

  async readStream(streamId: string): Promise<StoredEvent[]> {
    const events: StoredEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(this.prefix + streamId, { direction: FORWARDS, fromRevision: ESDB_START })) {
        if (resolved.event) events.push(this.toStoredEvent(resolved.event as RecordedEventOfAll));
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
    const kept: StoredEvent[] = [];
    let from = after === START ? undefined : positionOfCheckpoint(after);
    const pageSize = limit + 1; // the first event read from a position is the one at it
    for (;;) {
      let read = 0;
      let last: Position | undefined;
      for await (const resolved of this.client.readAll({ direction: FORWARDS, fromPosition: from ?? ESDB_START, maxCount: pageSize })) {
        read++;
        const event = resolved.event as RecordedEventOfAll | undefined;
        if (!event) continue;
        last = event.position;
        if (from && !isAfter(event.position, from)) continue;
        if (this.isOurs(event) && kept.length < limit) kept.push(this.toStoredEvent(event));
      }
      if (kept.length >= limit || read < pageSize || !last) return kept;
      from = last;
    }
  }

  subscribe(options: SubscribeOptions, handle: SubscriptionHandler): Subscription {
    const onAppend = async (wake: () => void) => {
      this.localWakers.add(wake);
      // Other processes' appends: a live subscription from the end of $all, used only as a signal.
      const live = this.client.subscribeToAll({ fromPosition: ESDB_END });
      live.on('data', wake);
      live.on('error', () => undefined); // the idle poll carries on if the signal fails
      return async () => {
        this.localWakers.delete(wake);
        await live.unsubscribe();
      };
    };
    // Event types are filtered in this process: every event of $all is read, so each page still ends at a position to resume after.
    return pollingSubscription(filteredPages((page) => this.readAll(page)), onAppend, options, handle);
  }

  async close(): Promise<void> {
    await this.client.dispose();
    await this.options.alsoClose?.();
  }

  private isOurs(event: RecordedEventOfAll): boolean {
    return !event.type.startsWith('$') && !event.streamId.startsWith('$') && event.streamId.startsWith(this.prefix);
  }

  private toStoredEvent(event: RecordedEventOfAll): StoredEvent {
    const { schemaVersion, ...metadata } = event.metadata as StoredMetadata;
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

export function toEsdbRevision(expected: ExpectedRevision): AppendExpectedRevision {
  if (expected === 'any') return ANY;
  if (expected === 'no_stream') return NO_STREAM;
  return BigInt(expected);
}

export function checkpointOfPosition(position: Position): Checkpoint {
  return pairCheckpoint(position.commit, position.prepare);
}

export function positionOfCheckpoint(checkpoint: Checkpoint): Position {
  const [commit, prepare] = parsePairCheckpoint(checkpoint);
  return { commit, prepare };
}

function isAfter(a: Position, b: Position): boolean {
  return a.commit > b.commit || (a.commit === b.commit && a.prepare > b.prepare);
}
