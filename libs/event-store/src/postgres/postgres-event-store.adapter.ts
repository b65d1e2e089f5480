import { randomUUID } from 'node:crypto';
import { migrate, SqlClient, SqlExecutor } from '@turnaround/postgres';
import { EventMetadata } from '@turnaround/domain';
import {
  AppendResult,
  Checkpoint,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  START,
  StoredEvent,
  SubscribeOptions,
  Subscription,
  WrongExpectedRevisionError,
} from '../event-store.port';
import { EVENT_STORE_MIGRATIONS } from './event-store.migrations';
import { pollingSubscription } from '../polling-subscription';
import { pairCheckpoint, parsePairCheckpoint } from '../checkpoints';

const APPENDED_CHANNEL = 'turnaround_events_appended';

interface EventRow {
  global_position: number;
  transaction_text: string;
  stream_id: string;
  stream_revision: number;
  event_id: string;
  event_type: string;
  schema_version: number;
  data: unknown;
  metadata: EventMetadata;
}

/**
 * The event store on PostgreSQL or PGlite.
 *
 * Global order is (transaction id, sequence). Sequence values are handed out before commit, so
 * ordering by sequence alone would let a reader pass an event whose transaction commits late.
 * Readers therefore take only events whose transaction is older than the oldest transaction
 * still running (`pg_snapshot_xmin`): nothing can later appear before them.
 *
 * Within a stream, order must follow revision. An append takes the stream's advisory lock
 * before its transaction gets an id, so a later revision always has a later transaction id.
 */
export class PostgresEventStore implements EventStore {
  private readonly localWakers = new Set<() => void>();

  private constructor(private readonly sql: SqlClient) {}

  static async create(sql: SqlClient): Promise<PostgresEventStore> {
    await migrate(sql, 'event-store', EVENT_STORE_MIGRATIONS);
    return new PostgresEventStore(sql);
  }

  async append(streamId: string, events: readonly EventToAppend[], options: { expectedRevision?: ExpectedRevision } = {}): Promise<AppendResult> {
    const result = await this.sql.transaction((tx) => this.appendInTransaction(tx, streamId, events, options.expectedRevision ?? 'any'));
    this.localWakers.forEach((wake) => wake());
    return result;
  }

  /**
   * Appends inside a transaction the caller owns. It must be the transaction's first write, so
   * that its id is taken under the stream lock (see the class comment).
   */
  async appendInTransaction(
    tx: SqlExecutor,
    streamId: string,
    events: readonly EventToAppend[],
    expectedRevision: ExpectedRevision,
  ): Promise<AppendResult> {
    if (events.length === 0) throw new RangeError('append needs at least one event');
    await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [streamId]);
    // A new statement, so its snapshot is taken after the lock was granted: it sees the revision
    // the previous holder committed. Asking for the transaction id here fixes it under the lock.
    const [{ revision: current }] = await tx.query<{ revision: number | null }>(
      'SELECT pg_current_xact_id(), (SELECT revision FROM es_streams WHERE stream_id = $1) AS revision',
      [streamId],
    );
    const actual = current ?? 'no_stream';
    const matches =
      expectedRevision === 'any' || (expectedRevision === 'no_stream' ? current === null : current === expectedRevision);
    if (!matches) throw new WrongExpectedRevisionError(streamId, expectedRevision, actual);

    const first = (current ?? -1) + 1;
    const last = first + events.length - 1;
    const rows = await tx.query<{ global_position: number; transaction_text: string }>(
      `WITH stream AS (
         INSERT INTO es_streams (stream_id, revision) VALUES ($1, $8)
         ON CONFLICT (stream_id) DO UPDATE SET revision = EXCLUDED.revision)
       INSERT INTO es_events (stream_id, stream_revision, event_id, event_type, schema_version, data, metadata, recorded_at)
       SELECT $1, revision, event_id, event_type, schema_version, data, metadata, (metadata->>'recordedAt')::timestamptz
       FROM unnest($2::bigint[], $3::uuid[], $4::text[], $5::int[], $6::jsonb[], $7::jsonb[])
         AS e(revision, event_id, event_type, schema_version, data, metadata)
       ORDER BY revision
       RETURNING global_position, transaction_id::text AS transaction_text`,
      [
        streamId,
        events.map((_, index) => first + index),
        events.map((event) => event.eventId ?? randomUUID()),
        events.map((event) => event.type),
        events.map((event) => event.schemaVersion),
        events.map((event) => JSON.stringify(event.data)),
        events.map((event) => JSON.stringify(event.metadata)),
        last,
      ],
    );
    await tx.query('SELECT pg_notify($1, $2)', [APPENDED_CHANNEL, streamId]);
    const lastRow = rows.reduce((a, b) => (a.global_position > b.global_position ? a : b));
    return { nextExpectedRevision: last, position: checkpointOf(lastRow) };
  }

  async readStream(streamId: string): Promise<StoredEvent[]> {
    const rows = await this.sql.query<EventRow>(
      `SELECT ${COLUMNS} FROM es_events WHERE stream_id = $1 ORDER BY stream_revision`,
      [streamId],
    );
    return rows.map(toStoredEvent);
  }

  async readAll({ after, limit }: { after: Checkpoint; limit: number }): Promise<StoredEvent[]> {
    const [transactionId, position] = parseCheckpoint(after);
    const rows = await this.sql.query<EventRow>(
      `SELECT ${COLUMNS} FROM es_events
       WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
         AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
       ORDER BY es_events.transaction_id, es_events.global_position
       LIMIT $3`,
      [transactionId, position, limit],
    );
    return rows.map(toStoredEvent);
  }

  subscribe(options: SubscribeOptions, handle: (events: StoredEvent[]) => Promise<void>): Subscription {
    const onAppend = async (wake: () => void) => {
      this.localWakers.add(wake);
      const unlisten = await this.sql.listen(APPENDED_CHANNEL, wake);
      return async () => {
        this.localWakers.delete(wake);
        await unlisten();
      };
    };
    return pollingSubscription((page) => this.readAll(page), onAppend, options, handle);
  }

  close(): Promise<void> {
    return this.sql.close();
  }
}

// The text form of the transaction id gets its own name: ORDER BY binds a bare name to an
// output column first, and sorting ids as text puts '10000' before '9999'.
const COLUMNS =
  'global_position, transaction_id::text AS transaction_text, stream_id, stream_revision, event_id, event_type, schema_version, data, metadata';

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
  return pairCheckpoint(row.transaction_text, row.global_position);
}

function parseCheckpoint(checkpoint: Checkpoint): [string, string] {
  if (checkpoint === START) return ['0', '0'];
  const [transactionId, position] = parsePairCheckpoint(checkpoint);
  return [String(transactionId), String(position)];
}
