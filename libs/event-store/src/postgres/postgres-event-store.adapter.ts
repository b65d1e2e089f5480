import { randomUUID } from 'node:crypto';
import { migrate, SqlClient, SqlExecutor } from '@turnaround/postgres';
import { EventMetadata } from '@turnaround/domain';
import {
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
import { EVENT_STORE_MIGRATIONS } from './event-store.migrations';
import { pollingSubscription } from '../polling-subscription';
import { parsePostgresCheckpoint, postgresCheckpoint } from '../checkpoints';

const APPENDED_CHANNEL = 'turnaround_events_appended';

/** One row of es_events as the append sends it (the database adds the position, transaction and time). */
interface EventRowToInsert {
  stream_id: string;
  stream_revision: number;
  event_id: string;
  event_type: string;
  schema_version: number;
  data: unknown;
  metadata: EventMetadata;
}

/** One row of es_events as read back. */
interface EventRow extends EventRowToInsert {
  global_position: number;
  transaction_text: string;
}

/** What the store is made with besides its database. */
export interface PostgresEventStoreOptions {
  /**
   * The clock knowledge times are stamped from (default: the machine's). The demo and tests
   * load a history into an empty store with the dates they simulate; nothing a client sends
   * reaches it.
   */
  clock?: () => Date;
}

/**
 * The event store on PostgreSQL or PGlite.
 *
 * Global order is (transaction id, sequence). Sequence values are handed out before commit, so
 * ordering by sequence alone would let a reader pass an event whose transaction commits late.
 * Readers therefore take only events whose transaction is older than the oldest transaction
 * still running (`pg_snapshot_xmin`): nothing can later appear before them.
 *
 * Knowledge time follows log order. An append takes the log's write lock before its transaction
 * gets an id and holds it until it commits, so appends enter the log one transaction at a time:
 * transaction ids, and so log order, are commit order. Under the lock the append stamps its
 * events' `recordedAt` from the clock, never earlier than the stamp before it (`es_log_clock`):
 * an event is known from the moment its transaction takes its place in the log, never before
 * an event stored earlier, and an as-of read at T sees exactly the transactions stamped by T,
 * a prefix of the log that every reader sees in turn. Within a stream, revisions follow log
 * order for the same reason.
 */
export class PostgresEventStore implements EventStore {
  private readonly localWakers = new Set<() => void>();
  private readonly subscriptions = new Set<Subscription>();

  private constructor(
    private readonly sql: SqlClient,
    private readonly clock: () => Date,
  ) {}

  static async create(sql: SqlClient, options: PostgresEventStoreOptions = {}): Promise<PostgresEventStore> {
    await migrate(sql, 'event-store', EVENT_STORE_MIGRATIONS);
    return new PostgresEventStore(sql, options.clock ?? (() => new Date()));
  }

  async append(streamId: string, events: readonly EventToAppend[], options: { expectedRevision?: ExpectedRevision } = {}): Promise<AppendResult> {
    const [result] = await this.appendMany([{ streamId, events, expectedRevision: options.expectedRevision ?? 'any' }]);
    return result;
  }

  /** All streams in one transaction: all or none. */
  async appendMany(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    const results = await this.sql.transaction((tx) => this.appendManyInTransaction(tx, appends));
    this.localWakers.forEach((wake) => wake());
    return results;
  }

  /**
   * Appends inside a transaction the caller owns. It must be the transaction's first write, so
   * that its id is taken under the log's write lock (see the class comment).
   */
  async appendInTransaction(tx: SqlExecutor, streamId: string, events: readonly EventToAppend[], expectedRevision: ExpectedRevision): Promise<AppendResult> {
    const [result] = await this.appendManyInTransaction(tx, [{ streamId, events, expectedRevision }]);
    return result;
  }

  private async appendManyInTransaction(tx: SqlExecutor, appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    const streamIds = appends.map((append) => append.streamId);
    if (new Set(streamIds).size !== streamIds.length) throw new RangeError('appendMany takes each stream once');
    for (const append of appends) if (append.events.length === 0) throw new RangeError(`append to '${append.streamId}' needs at least one event`);
    await tx.query('SELECT pg_advisory_xact_lock($1)', [LOG_WRITE_LOCK]);
    // A new statement, so its snapshot is taken after the lock was granted: it sees the
    // revisions and the stamp the previous holder committed. Its write to the clock fixes the
    // transaction id under the lock.
    const currentRows = await tx.query<{ stream_id: string; revision: number | null; stamped_at: Date | string }>(
      `WITH stamp AS (UPDATE es_log_clock SET stamped_at = greatest(stamped_at, $2::timestamptz) RETURNING stamped_at)
       SELECT s.stream_id, st.revision, stamp.stamped_at FROM unnest($1::text[]) AS s(stream_id) CROSS JOIN stamp LEFT JOIN es_streams st USING (stream_id)`,
      [streamIds, this.clock().toISOString()],
    );
    const current = new Map(currentRows.map((row) => [row.stream_id, row.revision === null ? null : Number(row.revision)]));
    const stamp = new Date(currentRows[0].stamped_at).toISOString();
    const rows: EventRowToInsert[] = [];
    const lastRevisions: number[] = [];
    for (const { streamId, events, expectedRevision } of appends) {
      const revision = current.get(streamId) ?? null;
      const matches = expectedRevision === 'any' || (expectedRevision === 'no_stream' ? revision === null : revision === expectedRevision);
      if (!matches) throw new WrongExpectedRevisionError(streamId, expectedRevision, revision ?? 'no_stream');
      const first = (revision ?? -1) + 1;
      events.forEach((event, index) =>
        rows.push({
          stream_id: streamId,
          stream_revision: first + index,
          event_id: event.eventId ?? randomUUID(),
          event_type: event.type,
          schema_version: event.schemaVersion,
          data: event.data,
          metadata: knownWhen(event, stamp),
        }),
      );
      lastRevisions.push(first + events.length - 1);
    }
    const inserted = rows.length >= COPY_FROM ? await copyEvents(tx, rows, streamIds, lastRevisions) : await insertEvents(tx, rows, streamIds, lastRevisions);
    await tx.query('SELECT pg_notify($1, $2)', [APPENDED_CHANNEL, streamIds.length === 1 ? streamIds[0] : `${streamIds.length} streams`]);
    const lastOf = new Map<string, AppendedRow>();
    for (const row of inserted) {
      const seen = lastOf.get(row.stream_id);
      if (!seen || Number(row.global_position) > Number(seen.global_position)) lastOf.set(row.stream_id, row);
    }
    return appends.map(({ streamId }, index) => ({ nextExpectedRevision: lastRevisions[index], position: checkpointOf(lastOf.get(streamId) as AppendedRow) }));
  }

  async readStream(streamId: string): Promise<StoredEvent[]> {
    const rows = await this.sql.query<EventRow>(`SELECT ${COLUMNS} FROM es_events WHERE stream_id = $1 ORDER BY stream_revision`, [streamId]);
    return rows.map(toStoredEvent);
  }

  async readStreams(streamIds: readonly string[]): Promise<Map<string, StoredEvent[]>> {
    const streams = new Map<string, StoredEvent[]>(streamIds.map((streamId) => [streamId, []]));
    // One index lookup per stream, whatever the planner believes: with `stream_id = ANY(...)`,
    // a log of 900,000 events whose statistics were stale got a parallel scan of the whole table.
    const rows = await this.sql.query<EventRow>(
      `SELECT e.* FROM unnest($1::text[]) AS s(stream_id)
       CROSS JOIN LATERAL (SELECT ${COLUMNS} FROM es_events WHERE es_events.stream_id = s.stream_id ORDER BY stream_revision) AS e
       ORDER BY e.stream_id, e.stream_revision`,
      [streamIds],
    );
    for (const row of rows) streams.get(row.stream_id)?.push(toStoredEvent(row));
    return streams;
  }

  async readAll({ after, limit }: { after: Checkpoint; limit: number }): Promise<StoredEvent[]> {
    const [transactionId, position] = parseCheckpoint(after);
    const rows = await this.sql.query<EventRow>(`SELECT ${COLUMNS} FROM es_events WHERE ${LOG_AFTER} ORDER BY transaction_id, global_position LIMIT $3`, [
      transactionId,
      position,
      limit,
    ]);
    return rows.map(toStoredEvent);
  }

  /**
   * Of a page of the log, only the wanted events and the last row (to resume after) leave the
   * server, so a reader of registry or alert events neither receives nor parses the feed records.
   */
  async readPage({ after, limit, eventTypes }: { after: Checkpoint; limit: number; eventTypes?: ReadonlySet<string> }): Promise<LogPage> {
    if (!eventTypes) {
      const events = await this.readAll({ after, limit });
      return { events, reached: events.at(-1)?.position };
    }
    const [transactionId, position] = parseCheckpoint(after);
    const rows = await this.sql.query<EventRow & { last: boolean }>(
      `SELECT * FROM (
         SELECT page.*, lead(page.global_position) OVER (ORDER BY page.transaction_id, page.global_position) IS NULL AS last
         FROM (SELECT ${COLUMNS}, transaction_id FROM es_events WHERE ${LOG_AFTER} ORDER BY transaction_id, global_position LIMIT $3) AS page
       ) AS paged
       WHERE event_type = ANY($4::text[]) OR last
       ORDER BY transaction_id, global_position`,
      [transactionId, position, limit, [...eventTypes]],
    );
    const last = rows.at(-1);
    return { events: rows.filter((row) => eventTypes.has(row.event_type)).map(toStoredEvent), reached: last && checkpointOf(last) };
  }

  subscribe(options: SubscribeOptions, handle: SubscriptionHandler): Subscription {
    const onAppend = async (wake: () => void) => {
      this.localWakers.add(wake);
      const unlisten = await this.sql.listen(APPENDED_CHANNEL, wake);
      return async () => {
        this.localWakers.delete(wake);
        await unlisten();
      };
    };
    const subscription = pollingSubscription((page) => this.readPage(page), onAppend, options, handle);
    this.subscriptions.add(subscription);
    const forget = () => this.subscriptions.delete(subscription);
    subscription.done.then(forget, forget);
    return subscription;
  }

  async ping(): Promise<void> {
    await this.sql.query('SELECT 1');
  }

  /** Ends the subscriptions first: reading on after the database closed, they would fail and be restarted by their owners. */
  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    await this.sql.close();
  }
}

/** The advisory lock every append holds from before its transaction has an id until it commits: one writer of the log at a time. */
const LOG_WRITE_LOCK = 0x65735f6c6f67; // 'es_log'

/**
 * The event's metadata with its knowledge time: the append's stamp, or the time a derived event
 * (an alert) names, which is that of facts already in the log and so cannot be after the stamp.
 */
function knownWhen(event: EventToAppend, stamp: string): EventMetadata {
  const { recordedAt } = event.metadata;
  if (recordedAt === undefined) return { ...event.metadata, recordedAt: stamp };
  if (!(Date.parse(recordedAt) <= Date.parse(stamp)))
    throw new RangeError(
      `event '${event.type}' names knowledge time ${recordedAt}, after the log's clock (${stamp}): only facts already in the log can be named`,
    );
  return { ...event.metadata, recordedAt };
}

/** From this many events an append loads them with COPY: a few more round trips, and half the server's work per event. */
const COPY_FROM = 100;

/** Where an appended event landed: what an append reports for each stream's last event. */
interface AppendedRow {
  stream_id: string;
  global_position: number;
  transaction_text: string;
}

/**
 * A small append, in one statement. The events go as one JSON array, taken apart with
 * json_to_recordset, which keeps each event's text as written: one parameter for pg to send,
 * rather than an array per column that it escapes element by element.
 */
function insertEvents(
  tx: SqlExecutor,
  rows: readonly EventRowToInsert[],
  streamIds: readonly string[],
  lastRevisions: readonly number[],
): Promise<AppendedRow[]> {
  return tx.query<AppendedRow>(
    `WITH streams AS (
       INSERT INTO es_streams (stream_id, revision) SELECT * FROM unnest($2::text[], $3::bigint[])
       ON CONFLICT (stream_id) DO UPDATE SET revision = EXCLUDED.revision)
     INSERT INTO es_events (stream_id, stream_revision, event_id, event_type, schema_version, data, metadata, recorded_at)
     SELECT e.stream_id, e.stream_revision, e.event_id, e.event_type, e.schema_version, e.data, e.metadata, (e.metadata->>'recordedAt')::timestamptz
     FROM ROWS FROM (json_to_recordset($1::json) AS (stream_id text, stream_revision bigint, event_id uuid, event_type text, schema_version int, data json, metadata json))
       WITH ORDINALITY AS e(stream_id, stream_revision, event_id, event_type, schema_version, data, metadata, n)
     ORDER BY e.n
     RETURNING stream_id, global_position, transaction_id::text AS transaction_text`,
    [JSON.stringify(rows), streamIds, lastRevisions],
  );
}

/**
 * A large append, by COPY: taking the JSON array of a large append apart cost the server twice
 * what loading the same rows as text does. COPY inserts in the order given, so positions follow
 * it as with ORDER BY above; the transaction is the caller's, its id already fixed under the
 * stream locks. Returns each stream's last event, looked up by its revision.
 */
async function copyEvents(
  tx: SqlExecutor,
  rows: readonly EventRowToInsert[],
  streamIds: readonly string[],
  lastRevisions: readonly number[],
): Promise<AppendedRow[]> {
  await tx.query(
    `INSERT INTO es_streams (stream_id, revision) SELECT * FROM unnest($1::text[], $2::bigint[])
     ON CONFLICT (stream_id) DO UPDATE SET revision = EXCLUDED.revision`,
    [streamIds, lastRevisions],
  );
  await tx.copyFrom(
    'es_events',
    ['stream_id', 'stream_revision', 'event_id', 'event_type', 'schema_version', 'data', 'metadata', 'recorded_at'],
    rows.map((row) => [
      row.stream_id,
      row.stream_revision,
      row.event_id,
      row.event_type,
      row.schema_version,
      JSON.stringify(row.data),
      row.metadata,
      row.metadata.recordedAt,
    ]),
  );
  return tx.query<AppendedRow>(
    `SELECT e.stream_id, e.global_position, e.transaction_id::text AS transaction_text
     FROM unnest($1::text[], $2::bigint[]) AS s(stream_id, revision) JOIN es_events e ON e.stream_id = s.stream_id AND e.stream_revision = s.revision`,
    [streamIds, lastRevisions],
  );
}

/** The events after a checkpoint ($1 transaction, $2 position) that no slower writer can still precede. */
const LOG_AFTER = '(transaction_id, global_position) > ($1::xid8, $2::bigint) AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())';

// The text form of the transaction id gets its own name: ORDER BY binds a bare name to an
// output column first, and sorting ids as text puts '10000' before '9999'.
const COLUMNS = 'global_position, transaction_id::text AS transaction_text, stream_id, stream_revision, event_id, event_type, schema_version, data, metadata';

function toStoredEvent(row: EventRow): StoredEvent {
  return {
    eventId: row.event_id,
    streamId: row.stream_id,
    revision: Number(row.stream_revision),
    type: row.event_type,
    schemaVersion: row.schema_version,
    data: row.data,
    metadata: row.metadata,
    position: checkpointOf(row),
  };
}

function checkpointOf(row: { transaction_text: string; global_position: number }): Checkpoint {
  return postgresCheckpoint(row.transaction_text, row.global_position);
}

function parseCheckpoint(checkpoint: Checkpoint): [string, string] {
  if (checkpoint === START) return ['0', '0'];
  const [transactionId, position] = parsePostgresCheckpoint(checkpoint);
  return [String(transactionId), String(position)];
}
