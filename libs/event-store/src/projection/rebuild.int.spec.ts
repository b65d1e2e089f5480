import { waitUntil } from '@turnaround/domain/testing';
import { testDatabases } from '@turnaround/postgres/testing';
import { EventStore, START } from '../event-store.port';
import { PostgresEventStore } from '../postgres/postgres-event-store.adapter';
import { testEvent } from '../testing/events';
import { Projection, LogFollower } from './log-follower';
import { rebuildProjection } from './rebuild';

jest.setTimeout(60_000);

/** Keeps every event it reads, in a table and a view over it: a double apply shows as a repeated `n`. */
const counted: Projection = {
  name: 'counted',
  eventTypes: new Set(['Counted']),
  migrations: [
    { id: '0001', sql: 'CREATE TABLE counted (n int NOT NULL)' },
    { id: '0002', sql: 'CREATE VIEW counted_total AS SELECT count(*)::int AS total FROM counted' },
  ],
  tables: ['counted'],
  async apply(tx, events) {
    for (const stored of events) await tx.query('INSERT INTO counted (n) VALUES ($1)', [(stored.data as { n: number }).n]);
  },
};

/** The same log, whose every read first runs `before`: what happens while a rebuild reads it. */
function readingWith(store: EventStore, before: () => Promise<void>): EventStore {
  return Object.assign(Object.create(store) as EventStore, {
    readPage: async (options: Parameters<EventStore['readPage']>[0]) => {
      await before();
      return store.readPage(options);
    },
  });
}

describe.each(testDatabases())('rebuildProjection on $name', (database) => {
  it('rebuilds beside the live tables while a runner follows the log, and applies every event appended before, during and after once', async () => {
    const sql = await database.open();
    const store = await PostgresEventStore.create(sql);
    const live = new LogFollower(store, sql, counted);
    await live.start();
    for (let n = 1; n <= 5; n++) await store.append(`s-${n % 2}`, [testEvent(n, n % 2 ? 'Counted' : 'Ignored')]);
    expect(await live.waitFor((await store.append('s-6', [testEvent(6)])).position, 10_000)).toBe(true);

    // Each read of the log by the rebuild appends an event first (up to n = 10), on a server
    // also while the swap holds the live checkpoint; the live runner goes on applying them.
    const appended: number[] = [];
    let servedDuring: number[] = [];
    const rebuilding = readingWith(store, async () => {
      const n = 7 + appended.length;
      if (n > 10) return;
      appended.push(n);
      const { position } = await store.append(`s-${n}`, [testEvent(n)]);
      if (n !== 7) return;
      expect(await live.waitFor(position, 10_000)).toBe(true);
      expect(await sql.query(`SELECT 1 FROM pg_namespace WHERE nspname = 'rebuild_counted'`)).toHaveLength(1);
      servedDuring = (await sql.query<{ n: number }>('SELECT n FROM counted ORDER BY n')).map((row) => row.n);
    });
    let duringSwap: Promise<unknown> | undefined;
    await rebuildProjection(rebuilding, sql, counted, {
      async onSwap() {
        duringSwap = store.append('s-12', [testEvent(12)]);
        // PGlite runs the append after this transaction, which holds its one connection.
        if (sql.kind === 'postgres') await duringSwap;
      },
    });
    await duringSwap;
    expect(servedDuring).toEqual([1, 3, 5, 6, 7]);

    const { position } = await store.append('s-13', [testEvent(13)]);
    expect(await live.waitFor(position, 10_000)).toBe(true);
    await live.stop();
    const once = [1, 3, 5, 6, ...appended, 12, 13];
    expect((await sql.query<{ n: number }>('SELECT n FROM counted ORDER BY n')).map((row) => row.n)).toEqual(once);
    expect(await sql.query('SELECT total FROM counted_total')).toEqual([{ total: once.length }]);
    expect(await sql.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'rebuild%'`)).toEqual([]);
    expect(await sql.query(`SELECT id FROM schema_migrations WHERE owner = 'projection:counted' ORDER BY id`)).toEqual([{ id: '0001' }, { id: '0002' }]);
    await store.close();
  });

  it('drops what a crashed rebuild left beside the live tables, and rebuilds', async () => {
    const sql = await database.open();
    const store = await PostgresEventStore.create(sql);
    for (let n = 1; n <= 4; n++) await store.append(`s-${n}`, [testEvent(n)]);
    // The log holds back events while an older transaction is open anywhere on the server.
    await waitUntil(
      () => store.readAll({ after: START, limit: 10 }),
      (events) => expect(events).toHaveLength(4),
    );
    await new LogFollower(store, sql, counted).catchUp();
    let reads = 0;
    const crashing = readingWith(store, async () => {
      if ((reads += 1) > 1) throw new Error('the rebuild died');
    });
    await expect(rebuildProjection(crashing, sql, counted)).rejects.toThrow('the rebuild died');
    expect(await sql.query('SELECT count(*)::int AS total FROM rebuild_counted.counted')).toEqual([{ total: 4 }]);
    expect((await sql.query<{ n: number }>('SELECT n FROM counted ORDER BY n')).map((row) => row.n)).toEqual([1, 2, 3, 4]);
    // What is left is not taken up again: it may come from another version of the projection.
    await sql.query('INSERT INTO rebuild_counted.counted (n) VALUES (99)');

    await rebuildProjection(store, sql, counted);
    expect((await sql.query<{ n: number }>('SELECT n FROM counted ORDER BY n')).map((row) => row.n)).toEqual([1, 2, 3, 4]);
    expect(await sql.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'rebuild%'`)).toEqual([]);
    await store.close();
  });

  it('a runner held on a page of events it does not read while the swap happens follows on from the rebuilt checkpoint', async () => {
    const sql = await database.open();
    const store = await PostgresEventStore.create(sql);
    let pageRead: (reached: string) => void = () => undefined;
    let held: Promise<void> = Promise.resolve();
    const following = Object.assign(Object.create(store) as EventStore, {
      subscribe: (options: Parameters<EventStore['subscribe']>[0], handle: Parameters<EventStore['subscribe']>[1]) =>
        store.subscribe(options, async (events, reached) => {
          pageRead(reached);
          await held;
          return handle(events, reached);
        }),
    });
    const live = new LogFollower(following, sql, counted);
    await live.start();
    expect(await live.waitFor((await store.append('s-1', [testEvent(1)])).position, 10_000)).toBe(true);

    let release: () => void = () => undefined;
    held = new Promise((resolve) => (release = resolve));
    const read = new Promise((resolve) => (pageRead = resolve));
    const ignored = await store.append('s-2', [testEvent(2, 'Ignored')]);
    expect(await read).toBe(ignored.position);
    const { position } = await store.append('s-3', [testEvent(3)]);
    await waitUntil(
      () => store.readAll({ after: ignored.position, limit: 10 }),
      (events) => expect(events).toHaveLength(1),
    );
    await rebuildProjection(store, sql, counted);
    release();
    expect(await live.waitFor(position, 10_000)).toBe(true);
    await live.stop();
    expect((await sql.query<{ n: number }>('SELECT n FROM counted ORDER BY n')).map((row) => row.n)).toEqual([1, 3]);
    await store.close();
  });
});
