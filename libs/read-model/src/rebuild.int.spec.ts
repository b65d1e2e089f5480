import { manualClock, Target } from '@turnaround/domain';
import { Checkpoint, PostgresEventStore, LogFollower, rebuildProjection } from '@turnaround/event-store';
import { wholeLog } from '@turnaround/event-store/testing';
import { inSchema, SqlClient, SqlExecutor } from '@turnaround/postgres';
import { testDatabases } from '@turnaround/postgres/testing';
import { foldInMemory, readSideProjection, ReadSideSettings } from './read-side';
import { math, oneClusterZone, push, registry, Step, stepAppender } from './testing/knowledge-steps';
import { testCatalogues } from '@turnaround/domain/testing';

jest.setTimeout(120_000);

const SETTINGS: ReadSideSettings = { rules: { tolerance: 0 }, catalogues: testCatalogues() };
const READ_SIDE = readSideProjection(SETTINGS);
const TARGETS: Target[] = [{ metric: 'proficiency.math', contractYear: 1, kind: 'gain', value: 0.05, scope: 'school' }];

/** Cluster C1 of schools A and B under contract K1, and the winter interims: A at risk, B on track. */
const BEFORE: Step[] = [...oneClusterZone(TARGETS), push('2024-01-15T00:00:00.000Z', math('A', '2023-24', 'winter', 22), math('B', '2023-24', 'winter', 40))];
/** The spring results, school by school: A meets its target, then B misses it. */
const DURING: Step[] = [
  push('2024-06-20T00:00:00.000Z', math('A', '2023-24', 'spring', 26)),
  push('2024-06-21T00:00:00.000Z', math('B', '2023-24', 'spring', 31)),
];
/** B's result restated: it meets the target after all. */
const IN_SWAP = push('2024-07-01T00:00:00.000Z', math('B', '2023-24', 'spring', 36));
const AFTER: Step[] = [
  registry('2024-08-01T00:00:00.000Z', 'contract-K1', 'ContractTargetsAmended', {
    contractId: 'K1',
    reason: 'renegotiated',
    targets: [{ metric: 'proficiency.math', contractYear: 1, kind: 'gain', value: 0.01, scope: 'school' }],
  }),
  push('2024-09-01T00:00:00.000Z', math('A', '2024-25', 'fall', 35)),
];

/** Every row of the read side's tables and of the roll-up over them. */
const readModel = (sql: SqlExecutor) =>
  Promise.all([...READ_SIDE.tables, 'metric_changes_daily'].map((table) => sql.query(`SELECT to_jsonb(t) AS row FROM ${table} t ORDER BY 1`)));

const bookkeeping = async (sql: SqlExecutor) => ({
  checkpoint: (await sql.query('SELECT checkpoint FROM projection_checkpoints WHERE projection = $1', [READ_SIDE.name]))[0],
  migrations: await sql.query('SELECT id FROM schema_migrations WHERE owner = $1 ORDER BY id', [`projection:${READ_SIDE.name}`]),
  schemas: await sql.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'rebuild%'`),
});

describe.each(testDatabases({ timescaledb: true }))('turnaround replay rebuilds the read side beside the live tables, on $name', (database) => {
  const stores: PostgresEventStore[] = [];
  afterAll(() => Promise.all(stores.map((store) => store.close())));

  /** On TimescaleDB, refreshes a reference run's roll-up: its policy may have first run while the history was half written. */
  const settle = async (sql: SqlClient, view: string) => {
    if (database.name === 'timescaledb') await sql.query(`CALL refresh_continuous_aggregate('${view}', NULL, NULL)`);
  };

  async function world() {
    const sql = await database.open();
    const clock = manualClock();
    const store = await PostgresEventStore.create(sql, { clock });
    stores.push(store);
    const append = await stepAppender(store, sql, clock);
    /** The last event of the log, once every row appended is readable. */
    const head = async (): Promise<Checkpoint> => ((await wholeLog(store, sql)).at(-1) as { position: Checkpoint }).position;
    return { sql, store, append, head };
  }

  it('gives the tables, checkpoint and migration records of the runner that followed the log, and drops what a crashed rebuild left', async () => {
    const { sql, store, append, head } = await world();
    for (const step of [...BEFORE, ...DURING]) await append(step);
    await head();
    // The live runner took the log a page of one event at a time.
    await new LogFollower(store, sql, READ_SIDE).catchUp(1);
    await settle(sql, 'metric_changes_daily');
    const live = await readModel(sql);
    const kept = await bookkeeping(sql);
    // A rebuild that died after creating a table: were it taken up again, the migrations would fail on it.
    await sql.query('CREATE SCHEMA rebuild_read_side; CREATE TABLE rebuild_read_side.registry_zones (zone_id text)');

    await rebuildProjection(store, sql, READ_SIDE);
    expect(await readModel(sql)).toEqual(live);
    expect(await bookkeeping(sql)).toEqual({ ...kept, schemas: [] });
    // Swapped in analysed: no table the planner has never seen (reltuples -1 until ANALYZE).
    expect(
      await sql.query(
        `SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relname = ANY($1::text[]) AND relkind IN ('r', 'p') AND reltuples < 0`,
        [READ_SIDE.tables],
      ),
    ).toEqual([]);
  });

  it.each([1, 2, 3])(
    'gives the same tables when memory holds only %i records: the fold writes what it has and the runner goes on from there',
    async (records) => {
      const { sql, store, append, head } = await world();
      for (const step of [...BEFORE, ...DURING, IN_SWAP, ...AFTER]) await append(step);
      await head();
      await new LogFollower(store, sql, READ_SIDE).catchUp(1);
      await settle(sql, 'metric_changes_daily');
      const live = await readModel(sql);

      await rebuildProjection(store, sql, { ...READ_SIDE, fold: (log, target) => foldInMemory(log, target, SETTINGS, { records }) });
      expect(await readModel(sql)).toEqual(live);
    },
  );

  it('keeps the live runner serving while it rebuilds; what is appended during and after is applied once, as by a run from zero', async () => {
    const { sql, store, append, head } = await world();
    const runner = new LogFollower(store, sql, READ_SIDE);
    await runner.start();
    for (const step of BEFORE) await append(step);
    expect(await runner.waitFor(await head(), 20_000)).toBe(true);

    let inSwap: Promise<void> | undefined;
    const rebuilt = rebuildProjection(store, sql, READ_SIDE, {
      async onSwap() {
        // Once, should the swap be tried again.
        inSwap ??= append(IN_SWAP);
        // PGlite runs the append after this transaction, which holds its one connection.
        if (sql.kind === 'postgres') await inSwap;
      },
    });
    // Pushes while the rebuild runs (those that come before the swap go to the live tables and the rebuild's both).
    for (const step of DURING) {
      await append(step);
      expect(await runner.waitFor(await head(), 20_000)).toBe(true);
    }
    await rebuilt;
    await inSwap;
    for (const step of AFTER) await append(step);
    expect(await runner.waitFor(await head(), 20_000)).toBe(true);
    await runner.stop();

    const fromZero: SqlClient = await inSchema(sql, 'from_zero');
    await new LogFollower(store, fromZero, READ_SIDE).catchUp();
    await settle(sql, 'from_zero.metric_changes_daily');
    const expected = await readModel(fromZero);
    expect(expected[READ_SIDE.tables.indexOf('scorecard_changes')].length).toBeGreaterThan(0);
    expect(await readModel(sql)).toEqual(expected);
  });
});
