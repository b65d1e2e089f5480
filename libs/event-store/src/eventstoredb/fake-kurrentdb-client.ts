import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  AllStreamRecordedEvent,
  AllStreamResolvedEvent,
  AppendExpectedRevision,
  ANY,
  END,
  EventData,
  Filter,
  MaxAppendSizeExceededError,
  NO_STREAM,
  Position,
  ReadPosition,
  ResolvedEvent,
  START,
  STREAM_EXISTS,
  STREAM_NAME,
  StreamNotFoundError,
  UnavailableError,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import { KurrentDbClient, LiveSubscription } from './kurrentdb-client';

interface FakeRecord {
  streamId: string;
  id: string;
  revision: bigint;
  type: string;
  contentType: 'application/json' | 'application/octet-stream';
  data: Uint8Array;
  /** Empty when the writer sent none. */
  metadata: Uint8Array;
  position: Position;
  /** When the server wrote it: its single writer stamps appends in log order. */
  created: Date;
}

/** An append as the fake server received it. */
export interface ReceivedAppend {
  streamName: string;
  events: number;
  size: number;
  expectedRevision: AppendExpectedRevision;
}

/**
 * A KurrentDB server in memory, answering as @eventstore/db-client 6.2.1 does (its source in
 * node_modules/@eventstore/db-client/dist):
 * - `readAll` starts at `fromPosition` inclusive and cannot filter (6.2.1 sends `noFilter`);
 * - a recorded event's `metadata` is undefined when it was written empty, parsed JSON when it
 *   parses, the bytes otherwise (utils/convertGrpcEvent.js `parseMetadata`);
 * - `$all` holds the server's own events (types and streams starting with `$`);
 * - an append over MaxAppendSize fails whole with MaxAppendSizeExceededError, its size counted
 *   as the server's Event.SizeOnDisk does (data + metadata bytes + 2 per character of the type);
 * - a failed expected-revision check throws WrongExpectedVersionError (throwOnAppendFailure);
 * - reading a stream that does not exist rejects with StreamNotFoundError;
 * - a live subscription emits 'confirmation' once started, 'data' per matching event, and
 *   'error' when the server goes away; it is not re-opened by the client.
 * Positions are byte offsets: the events of one append share its first event's commit position,
 * each with its own prepare position. An event's `created` is the server's time of the write,
 * which its one writer gives in log order (never earlier than the write before).
 */
export class FakeKurrentDbServer {
  readonly appends: ReceivedAppend[] = [];
  readonly reads: { fromPosition: ReadPosition; maxCount: number }[] = [];
  private readonly records: FakeRecord[] = [];
  private readonly revisions = new Map<string, bigint>();
  private readonly live = new Set<FakeLiveSubscription>();
  private nextOffset = 1_000n;
  private down = false;
  /** Called after each append the server accepted: a test's other writer can step in between two appends here. */
  afterAppend: (streamName: string) => Promise<void> = async () => undefined;
  /** The server's clock, which stamps `created`. */
  clock: () => Date = () => new Date();
  private lastCreated = new Date(0);

  constructor(readonly maxAppendSize = 1_048_576) {}

  /** A client of this server, as one process holds it. */
  connect(): KurrentDbClient & { readonly closed: boolean } {
    return new FakeClient(this);
  }

  /** The live subscriptions open now, with the filters they were opened with. */
  get liveSubscriptions(): { filter: Filter }[] {
    return [...this.live];
  }

  /** An event written by something else than this service: another tool, or the server itself (`$` types and streams). */
  write(streamName: string, type: string, data: unknown, metadata?: unknown): Position {
    return this.store(streamName, [
      {
        contentType: 'application/json',
        type,
        data: utf8(JSON.stringify(data)),
        metadata: metadata === undefined ? new Uint8Array() : utf8(JSON.stringify(metadata)),
      },
    ]);
  }

  /** The server stops answering, as in a restart: every live subscription fails, and calls fail until `restart`. */
  stop(): void {
    this.down = true;
    for (const subscription of this.live) subscription.fail(new UnavailableError());
  }

  restart(): void {
    this.down = false;
  }

  async append(
    streamName: string,
    events: EventData[],
    expectedRevision: AppendExpectedRevision,
  ): Promise<{ success: true; nextExpectedRevision: bigint; position: Position }> {
    await this.answer();
    const proposed = events.map((event) => ({
      contentType: event.contentType,
      type: event.type,
      data: event.contentType === 'application/json' ? utf8(JSON.stringify(event.data)) : (event.data as Uint8Array),
      metadata: event.metadata === undefined ? new Uint8Array() : event.metadata instanceof Uint8Array ? event.metadata : utf8(JSON.stringify(event.metadata)),
    }));
    const size = proposed.reduce((sum, event) => sum + event.data.length + event.metadata.length + event.type.length * 2, 0);
    this.appends.push({ streamName, events: events.length, size, expectedRevision });
    if (size > this.maxAppendSize) throw MaxAppendSizeExceededError.fromMaxAppendSize(this.maxAppendSize);
    const current = this.revisionOf(streamName);
    const matches =
      expectedRevision === ANY ||
      (expectedRevision === NO_STREAM ? current === undefined : expectedRevision === STREAM_EXISTS ? current !== undefined : current === expectedRevision);
    if (!matches) throw new WrongExpectedVersionError(undefined, { streamName, current: current ?? NO_STREAM, expected: expectedRevision });
    const position = this.store(streamName, proposed);
    const nextExpectedRevision = this.revisionOf(streamName) as bigint;
    await this.afterAppend(streamName);
    return { success: true, nextExpectedRevision, position };
  }

  async *readStream(streamName: string): AsyncGenerator<ResolvedEvent> {
    await this.answer();
    const records = this.records.filter((record) => record.streamId === streamName);
    if (records.length === 0) throw new StreamNotFoundError(undefined, streamName);
    for (const record of records) yield { event: recorded(record), commitPosition: record.position.commit };
  }

  async *readAll(options: { direction: 'forwards' | 'backwards'; fromPosition: ReadPosition; maxCount: number }): AsyncGenerator<AllStreamResolvedEvent> {
    await this.answer();
    this.reads.push({ fromPosition: options.fromPosition, maxCount: options.maxCount });
    const { fromPosition: from } = options;
    if (options.direction === 'backwards' && from !== END) throw new Error('the fake server reads $all backwards from its end only');
    const records =
      options.direction === 'backwards'
        ? [...this.records].reverse()
        : from === START
          ? this.records
          : from === END
            ? []
            : this.records.filter((record) => !isAfter(from, record.position));
    for (const record of records.slice(0, options.maxCount)) yield { event: recorded(record), commitPosition: record.position.commit };
  }

  subscribeToAll(filter: Filter): LiveSubscription {
    const subscription = new FakeLiveSubscription(filter, () => this.live.delete(subscription));
    if (this.down) {
      setImmediate(() => subscription.fail(new UnavailableError()));
      return subscription;
    }
    this.live.add(subscription);
    setImmediate(() => subscription.emit('confirmation'));
    return subscription;
  }

  private async answer(): Promise<void> {
    await Promise.resolve(); // a call to the server never answers synchronously
    if (this.down) throw new UnavailableError();
  }

  private revisionOf(streamName: string): bigint | undefined {
    return this.revisions.get(streamName);
  }

  private store(streamName: string, events: Omit<FakeRecord, 'streamId' | 'id' | 'revision' | 'position' | 'created'>[]): Position {
    const commit = this.nextOffset;
    const now = this.clock();
    const created = (this.lastCreated = now > this.lastCreated ? now : this.lastCreated);
    let revision = this.revisionOf(streamName) ?? -1n;
    let position: Position = { commit, prepare: commit };
    for (const event of events) {
      position = { commit, prepare: this.nextOffset };
      this.nextOffset += BigInt(100 + event.data.length + event.metadata.length);
      revision += 1n;
      this.records.push({ ...event, streamId: streamName, id: randomUUID(), revision, position, created });
    }
    this.revisions.set(streamName, revision);
    for (const subscription of this.live) if (events.some((event) => matches(subscription.filter, streamName, event.type))) subscription.emit('data', {});
    return position;
  }
}

class FakeClient implements KurrentDbClient {
  closed = false;

  constructor(private readonly server: FakeKurrentDbServer) {}

  appendToStream(streamName: string, events: EventData[], options: { expectedRevision: AppendExpectedRevision }) {
    this.assertOpen();
    return this.server.append(streamName, events, options.expectedRevision);
  }

  readStream(streamName: string) {
    this.assertOpen();
    return this.server.readStream(streamName);
  }

  readAll(options: { direction: 'forwards' | 'backwards'; fromPosition: ReadPosition; maxCount: number }) {
    this.assertOpen();
    return this.server.readAll(options);
  }

  subscribeToAll(options: { fromPosition: 'end'; filter: Filter }) {
    this.assertOpen();
    return this.server.subscribeToAll(options.filter);
  }

  async close() {
    this.closed = true;
  }

  private assertOpen(): void {
    // grpc-js refuses calls on a closed channel with this message
    if (this.closed) throw new Error('Channel has been shut down');
  }
}

class FakeLiveSubscription extends EventEmitter implements LiveSubscription {
  constructor(
    readonly filter: Filter,
    private readonly forget: () => void,
  ) {
    super();
  }

  fail(error: Error): void {
    this.forget();
    this.emit('error', error);
  }

  async unsubscribe(): Promise<void> {
    this.forget();
  }
}

function recorded(record: FakeRecord): AllStreamRecordedEvent {
  const isJson = record.contentType === 'application/json';
  const base = {
    streamId: record.streamId,
    id: record.id,
    revision: record.revision,
    type: record.type,
    created: record.created,
    position: record.position,
    metadata: parseMetadata(record.metadata),
  };
  return isJson ? { ...base, isJson: true, data: JSON.parse(Buffer.from(record.data).toString('utf8')) } : { ...base, isJson: false, data: record.data };
}

/** As the client's convertGrpcEvent.js: undefined when empty, JSON when it parses, the bytes otherwise. */
function parseMetadata(bytes: Uint8Array): Record<string, unknown> | Uint8Array | undefined {
  if (bytes.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return bytes;
  }
}

function matches(filter: Filter, streamName: string, type: string): boolean {
  const subject = filter.filterOn === STREAM_NAME ? streamName : type;
  return 'regex' in filter ? new RegExp(filter.regex).test(subject) : filter.prefixes.some((prefix) => subject.startsWith(prefix));
}

function isAfter(a: Position, b: Position): boolean {
  return a.commit > b.commit || (a.commit === b.commit && a.prepare > b.prepare);
}

function utf8(text: string): Uint8Array {
  return Buffer.from(text, 'utf8');
}
