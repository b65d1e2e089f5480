import { migrate, SqlClient } from '@turnaround/postgres';
import { openScratchDatabase, serverUrlForTests, testDatabases } from '@turnaround/postgres/testing';
import { START, WrongExpectedRevisionError } from '../event-store.port';
import { ForeignCheckpointError, kurrentDbCheckpoint } from '../checkpoints';
import { waitUntil } from '@turnaround/domain/testing';
import { eventStoreContract, readLog } from '../testing/event-store.contract';
import { EVENT_STORE_MIGRATIONS } from './event-store.migrations';
import { PostgresEventStore } from './postgres-event-store.adapter';

jest.setTimeout(120_000);

describe.each(testDatabases())('PostgresEventStore on $name', (database) => {
  eventStoreContract(async () => PostgresEventStore.create(await database.open()));

  it('refuses to change or delete a stored event', async () => {
    const sql = await database.open();
    const store = await PostgresEventStore.create(sql);
    await store.append('s', [{ type: 'A', schemaVersion: 1, data: {}, metadata: { source: { channel: 'system' }, correlationId: 'c', actor: 'a' } }]);
    await expect(sql.query(`UPDATE es_events SET data = '{"x":1}'`)).rejects.toThrow(/events are immutable/);
    await expect(sql.query('DELETE FROM es_events')).rejects.toThrow(/events are immutable/);
    await store.close();
  });

  it("keeps its checkpoints in the untagged form projection_checkpoints already holds, and refuses a KurrentDB store's", async () => {
    const store = await PostgresEventStore.create(await database.open());
    await store.append('s', [{ type: 'A', schemaVersion: 1, data: {}, metadata: { source: { channel: 'system' }, correlationId: 'c', actor: 'a' } }]);
    const [stored] = await readLog(store, 1);
    expect(stored.position).toMatch(/^\d{20}:\d{20}$/);
    expect(await store.readAll({ after: stored.position, limit: 5 })).toEqual([]);
    const fromKurrentDb = kurrentDbCheckpoint(1_000n, 1_150n);
    await expect(store.readAll({ after: fromKurrentDb, limit: 5 })).rejects.toThrow(ForeignCheckpointError);
    await expect(store.readAll({ after: fromKurrentDb, limit: 5 })).rejects.toThrow(
      `the PostgreSQL event store was handed checkpoint '${fromKurrentDb}', which is a KurrentDB checkpoint`,
    );
    await store.close();
  });

  it('reads a log stored as jsonb, from before it kept json, as it was written', async () => {
    const sql = await database.open();
    await migrate(
      sql,
      'event-store',
      EVENT_STORE_MIGRATIONS.filter((migration) => migration.id !== '0003-json-log'),
    );
    const data = { schoolId: 'S1', name: 'École "Nord" \\ 北', rate: 0.125, counts: [1, null, { nested: true }], empty: '' };
    const metadata = { recordedAt: '2025-01-01T00:00:00.000Z', source: { channel: 'system' }, correlationId: 'c', actor: 'a' };
    await sql.query(
      `INSERT INTO es_events (stream_id, stream_revision, event_id, event_type, schema_version, data, metadata, recorded_at)
       VALUES ('s', 0, gen_random_uuid(), 'A', 1, $1::jsonb, $2::jsonb, now())`,
      [JSON.stringify(data), JSON.stringify(metadata)],
    );
    const store = await PostgresEventStore.create(sql);
    const [stored] = await readLog(store, 1);
    expect(stored).toMatchObject({ streamId: 's', type: 'A', data, metadata });
    expect(await sql.query(`SELECT data_type FROM information_schema.columns WHERE table_name = 'es_events' AND column_name IN ('data', 'metadata')`)).toEqual([
      { data_type: 'json' },
      { data_type: 'json' },
    ]);
    await store.close();
  });

  it('orders the log by transaction id as a number, across a change in its digit count', async () => {
    const sql = await database.open();
    const store = await PostgresEventStore.create(sql);
    await sql.query(
      `INSERT INTO es_events (transaction_id, stream_id, stream_revision, event_id, event_type, schema_version, data, metadata, recorded_at)
       VALUES ('100', 'b', 0, gen_random_uuid(), 'Second', 1, '{}', '{}', now()), ('99', 'a', 0, gen_random_uuid(), 'First', 1, '{}', '{}', now())`,
    );
    expect((await readLog(store, 2)).map((e) => e.type)).toEqual(['First', 'Second']);
    await store.close();
  });

  it('stamps knowledge time from its clock, never earlier than the stamp before', async () => {
    let now = new Date('2025-03-01T12:00:00.000Z');
    const store = await PostgresEventStore.create(await database.open(), { clock: () => now });
    const metadata = { source: { channel: 'system' as const }, correlationId: 'c', actor: 'a' };
    await store.append('s', [{ type: 'March', schemaVersion: 1, data: {}, metadata }]);
    now = new Date('2025-02-01T00:00:00.000Z'); // a clock set back (another instance's, or the machine's)
    await store.append('s', [{ type: 'SetBack', schemaVersion: 1, data: {}, metadata }]);
    now = new Date('2025-04-01T00:00:00.000Z');
    await store.append('s', [{ type: 'April', schemaVersion: 1, data: {}, metadata }]);
    expect((await readLog(store, 3)).map((e) => [e.type, e.metadata.recordedAt])).toEqual([
      ['March', '2025-03-01T12:00:00.000Z'],
      ['SetBack', '2025-03-01T12:00:00.000Z'],
      ['April', '2025-04-01T00:00:00.000Z'],
    ]);
    // A derived event may name only a time the log has reached.
    await expect(
      store.append('alert', [{ type: 'Derived', schemaVersion: 1, data: {}, metadata: { ...metadata, recordedAt: '2025-05-01T00:00:00.000Z' } }]),
    ).rejects.toThrow(/names knowledge time 2025-05-01T00:00:00.000Z, after the log's clock/);
    await store.close();
  });
});

const serverUrl = serverUrlForTests();
(serverUrl ? describe : describe.skip)('PostgresEventStore on a server with a slow writer', () => {
  let sql: SqlClient;
  let store: PostgresEventStore;
  beforeEach(async () => {
    sql = await openScratchDatabase(serverUrl as string);
    store = await PostgresEventStore.create(sql);
  });
  afterEach(() => store.close());

  it('holds a later writer until a slow one commits, so log order is commit order and knowledge time follows it', async () => {
    const metadata = { source: { channel: 'system' as const }, correlationId: 'c', actor: 'a' };
    let commitSlow: () => void = () => undefined;
    const slowMayCommit = new Promise<void>((resolve) => (commitSlow = resolve));
    let slowAppended: () => void = () => undefined;
    const slowHasAppended = new Promise<void>((resolve) => (slowAppended = resolve));
    const slow = sql.transaction(async (tx) => {
      await store.appendInTransaction(tx, 'slow', [{ type: 'Slow', schemaVersion: 1, data: {}, metadata }], 'any');
      slowAppended();
      await slowMayCommit;
    });
    await slowHasAppended;
    const fast = store.append('fast', [{ type: 'Fast', schemaVersion: 1, data: {}, metadata }]);

    // The fast writer waits for the log's write lock, which the slow one holds until it commits.
    await waitUntil(
      () =>
        sql.query<{ waiting: number }>(
          `SELECT count(*)::int AS waiting FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        ),
      ([row]) => expect(row.waiting).toBe(1),
    );
    expect(await store.readAll({ after: START, limit: 10 })).toEqual([]);
    commitSlow();
    await slow;
    await fast;
    const [slowEvent, fastEvent] = await readLog(store, 2);
    expect([slowEvent.type, fastEvent.type]).toEqual(['Slow', 'Fast']);
    expect(Date.parse(fastEvent.metadata.recordedAt)).toBeGreaterThanOrEqual(Date.parse(slowEvent.metadata.recordedAt));
  });
});

describe.each(testDatabases())('PostgresEventStore.appendMany on $name', (database) => {
  it('appends all streams or none: a conflict on one leaves the others untouched', async () => {
    const store = await PostgresEventStore.create(await database.open());
    const metadata = { source: { channel: 'system' as const }, correlationId: 'c', actor: 'a' };
    await store.append('taken', [{ type: 'A', schemaVersion: 1, data: {}, metadata }]);
    await expect(
      store.appendMany([
        { streamId: 'fresh', events: [{ type: 'F', schemaVersion: 1, data: {}, metadata }], expectedRevision: 'no_stream' },
        { streamId: 'taken', events: [{ type: 'B', schemaVersion: 1, data: {}, metadata }], expectedRevision: 'no_stream' },
      ]),
    ).rejects.toThrow(WrongExpectedRevisionError);
    expect(await store.readStream('fresh')).toEqual([]);
    await expect(store.appendMany([{ streamId: 'x', events: [], expectedRevision: 'any' }])).rejects.toThrow("append to 'x' needs at least one event");
    await store.close();
  });
});
