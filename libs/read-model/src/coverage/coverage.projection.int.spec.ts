import { LogFollower, PostgresEventStore } from '@turnaround/event-store';
import { SqlClient } from '@turnaround/postgres';
import { testDatabases } from '@turnaround/postgres/testing';
import { readSideProjection } from '../read-side';
import { declaredShape, migratedShape } from '../rows/table-shapes.testing';
import { COVERAGE_MIGRATION } from './coverage.projection';
import { COVERAGE_TABLES } from './coverage.tables';
import { testCatalogues } from '@turnaround/domain/testing';

jest.setTimeout(60_000);

/** A store of a release before the coverage tables: the read side migrated without them, and feed records it kept. */
describe.each(testDatabases())('the coverage tables made on a store of an earlier release, on $name', (database) => {
  let sql: SqlClient;
  const projection = readSideProjection({ rules: { tolerance: 0 }, catalogues: testCatalogues() });

  beforeAll(async () => {
    sql = await database.open();
    const store = await PostgresEventStore.create(sql);
    const earlier = { ...projection, migrations: projection.migrations.filter((migration) => !migration.id.endsWith(COVERAGE_MIGRATION.id)) };
    await new LogFollower(store, sql, earlier).prepare();
    const record = (feed: string, key: string, schoolId: string, schoolYear: string, data: object, recordedAt: string, retracted = false) =>
      sql.query(`INSERT INTO feed_records (feed, natural_key, school_id, school_year, data, recorded_at, retracted) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
        feed,
        key,
        schoolId,
        schoolYear,
        JSON.stringify({ schoolId, schoolYear, ...data }),
        recordedAt,
        retracted,
      ]);
    // A: September and October learned on October 20 (October restated on December 1), November on
    // January 10; a December record retracted since. B: only a winter interim, which is not the state test.
    await record('attendance', 'A/2024-09-01/2024-09-30', 'A', '2024-25', { periodStart: '2024-09-01', periodEnd: '2024-09-30' }, '2024-10-20T00:00:00Z');
    await record('attendance', 'A/2024-10-01/2024-10-31', 'A', '2024-25', { periodStart: '2024-10-01', periodEnd: '2024-10-31' }, '2024-12-01T00:00:00Z');
    await record('attendance', 'A/2024-11-01/2024-11-30', 'A', '2024-25', { periodStart: '2024-11-01', periodEnd: '2024-11-30' }, '2025-01-10T00:00:00Z');
    await record('attendance', 'A/2024-12-01/2024-12-31', 'A', '2024-25', { periodStart: '2024-12-01', periodEnd: '2024-12-31' }, '2025-01-20T00:00:00Z', true);
    await record('assessment', 'B/2024-25/winter/interim/math/all/all', 'B', '2024-25', { window: 'winter' }, '2025-01-10T00:00:00Z');
    await new LogFollower(store, sql, projection).prepare();
  });
  afterAll(() => sql?.close());

  it.each(Object.entries(COVERAGE_TABLES))('%s has the columns, types, nulls and primary key of its column list', async (name, table) => {
    expect(await migratedShape(sql, name)).toEqual(await declaredShape(sql, table));
  });

  it('gives each school feed its last period as the current records were learned, and never a period that went back', async () => {
    // The restated October counts from its restatement; it reaches past September, so that is a change.
    expect(
      await sql.query(
        `SELECT school_id, feed, to_char(last_period_end, 'YYYY-MM-DD') AS last, to_char(known_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS known FROM feed_coverage_history ORDER BY known_at`,
      ),
    ).toEqual([
      { school_id: 'A', feed: 'attendance', last: '2024-09-30', known: '2024-10-20' },
      { school_id: 'A', feed: 'attendance', last: '2024-10-31', known: '2024-12-01' },
      { school_id: 'A', feed: 'attendance', last: '2024-11-30', known: '2025-01-10' },
    ]);
    expect(await sql.query(`SELECT school_id, feed, to_char(last_period_end, 'YYYY-MM-DD') AS last FROM feed_coverage`)).toEqual([
      { school_id: 'A', feed: 'attendance', last: '2024-11-30' },
    ]);
  });
});
