import { AssessmentResultsReported, naturalKeyOf } from '@turnaround/domain';
import { testCatalogues } from '@turnaround/domain/testing';
import { EventToAppend, knownAsOf, PostgresEventStore, Projection, LogFollower, rebuildProjection } from '@turnaround/event-store';
import { wholeLog } from '@turnaround/event-store/testing';
import { inSchema, migrate, SqlClient } from '@turnaround/postgres';
import { testDatabases } from '@turnaround/postgres/testing';
import { metricsProjection } from './metrics.projection';
import { METRICS_TABLES, MetricRowChange } from './metrics.tables';
import { writeRowChanges } from '../rows/row-changes';
import { declaredShape, migratedShape } from '../rows/table-shapes.testing';

jest.setTimeout(60_000);

/** The metrics read model under the test's catalogues: no indicators, the shipped subjects. */
const METRICS = metricsProjection(testCatalogues().indicators);

const row = (grade: AssessmentResultsReported['data']['grade'], tested: number, proficient: number): AssessmentResultsReported['data'] => ({
  schoolId: 'S1',
  schoolYear: '2024-25',
  window: 'spring',
  assessment: 'state_test',
  subject: 'math',
  grade,
  studentGroup: 'all',
  tested,
  proficient,
  suppressed: false,
});
const event = (type: string, data: unknown, recordedAt: string): EventToAppend => ({
  type,
  schemaVersion: 1,
  data,
  metadata: { recordedAt, source: { channel: 'system' }, correlationId: 'c', actor: 'test' },
});
const report = (data: AssessmentResultsReported['data'], recordedAt: string) => event('AssessmentResultsReported', data, recordedAt);

async function appendHistory(store: PostgresEventStore, sql: SqlClient): Promise<void> {
  const stream = 'assessment-2024-25-S1';
  await store.append(stream, [report(row('03', 40, 12), '2025-06-01T00:00:00Z'), report(row('04', 50, 18), '2025-06-01T00:00:00Z')]);
  // the all-grades row arrives later: from then on it is the school's value, not the sum of grades
  await store.append(stream, [report(row('all', 91, 31), '2025-06-02T00:00:00Z')]);
  // a restatement of the all-grades row, then grade 4 withdrawn (it changes nothing while the all row stands)
  await store.append(stream, [report(row('all', 91, 33), '2025-06-03T00:00:00Z')]);
  await store.append(stream, [
    event('RecordRetracted', { feed: 'assessment', naturalKey: naturalKeyOf('assessment', row('04', 0, 0)), reason: 'mis-scored' }, '2025-06-04T00:00:00Z'),
  ]);
  // A catch-up from here applies all of it.
  await wholeLog(store, sql);
}

const snapshot = (sql: SqlClient) =>
  Promise.all([
    sql.query('SELECT * FROM feed_records ORDER BY feed, natural_key'),
    sql.query('SELECT * FROM school_metrics ORDER BY school_id, school_year, metric'),
    sql.query('SELECT * FROM school_metric_history ORDER BY school_id, school_year, metric, known_at, numerator'),
  ]);

describe.each(testDatabases({ timescaledb: true }))('metrics projection on $name', (database) => {
  it.each(Object.keys(METRICS_TABLES))('%s has the columns, types, nulls and primary key of its column list', async (name) => {
    const sql = await database.open();
    await migrate(sql, 'projection:metrics', METRICS.migrations);
    expect(await migratedShape(sql, name)).toEqual(await declaredShape(sql, METRICS_TABLES[name as keyof typeof METRICS_TABLES]));
  });

  it('writes runs of planned upserts and deletes as one statement each, a key named twice in a run as two', async () => {
    const sql = await database.open();
    await migrate(sql, 'projection:metrics', METRICS.migrations);
    const value = { numerator: 1, denominator: 2, suppressed: false, partial: false, final: true, through: 'spring', knownAt: '2025-06-01T00:00:00.000Z' };
    const upsert = (schoolId: string, numerator: number): MetricRowChange => ({
      table: 'school_metrics',
      op: 'upsert',
      key: { schoolId, schoolYear: '2024-25', metric: 'proficiency.math' },
      values: { ...value, numerator },
    });
    await writeRowChanges(sql, METRICS_TABLES, [upsert('S1', 1), upsert('S2', 1), upsert('S3', 1), upsert('S1', 5)]);
    await writeRowChanges(sql, METRICS_TABLES, [
      { table: 'school_metrics', op: 'delete', key: { schoolId: 'S2', schoolYear: '2024-25', metric: 'proficiency.math' } },
    ]);
    expect(await sql.query('SELECT school_id, numerator FROM school_metrics ORDER BY school_id')).toEqual([
      { school_id: 'S1', numerator: 5 },
      { school_id: 'S3', numerator: 1 },
    ]);
  });

  it('counts nothing twice when killed between writing rows and committing, and knows when each value was learned', async () => {
    const sql = await database.open();
    const store = await PostgresEventStore.create(sql);
    await appendHistory(store, sql);
    let killed = false;
    const dying: Projection = {
      ...METRICS,
      async apply(tx, events) {
        await METRICS.apply(tx, events);
        if (!killed) {
          killed = true;
          throw new Error('killed after writing rows, before commit');
        }
      },
    };
    await new LogFollower(store, sql, dying).catchUp(2).catch(() => undefined);
    expect(killed).toBe(true);
    await new LogFollower(store, sql, dying).catchUp(2);

    const metrics = await sql.query<{ metric: string; numerator: number; denominator: number; known_at: Date }>(
      'SELECT metric, numerator, denominator, known_at FROM school_metrics',
    );
    expect(metrics).toEqual([{ metric: 'proficiency.math', numerator: 33, denominator: 91, known_at: expect.anything() }]);
    // the retraction on 06-04 changed no value: the value is as known since the restatement on 06-03
    expect(new Date(metrics[0].known_at).toISOString()).toBe('2025-06-03T00:00:00.000Z');
    const history = await sql.query<{ numerator: number; denominator: number }>('SELECT numerator, denominator FROM school_metric_history ORDER BY known_at');
    // grades 12+18 / 40+50, then the all row 31/91, then its restatement 33/91; the retraction changed no value
    expect(history.map((change) => `${change.numerator}/${change.denominator}`)).toEqual(['30/90', '31/91', '33/91']);
    await store.close();
  });

  it("divides a year's teacher retention by the year before's teachers, learned at once, apart, or recomputed for another feed", async () => {
    const sql = await database.open();
    const store = await PostgresEventStore.create(sql);
    const staffing = (schoolYear: string, asOf: string, teachers: number, teachersReturning: number | undefined, recordedAt: string) =>
      event('StaffingReported', { schoolId: 'S1', schoolYear, asOf, teachers, teachersReturning }, recordedAt);
    // 2023-24 and 2024-25 learned at one knowledge time, then 2025-26 on its own
    await store.append('staffing-S1', [
      staffing('2023-24', '2024-06-01', 40, undefined, '2025-10-01T00:00:00Z'),
      staffing('2024-25', '2025-06-01', 44, 30, '2025-10-01T00:00:00Z'),
    ]);
    await store.append('staffing-S1', [staffing('2025-26', '2026-06-01', 50, 33, '2026-10-01T00:00:00Z')]);
    // an assessment recomputes 2025-26 alone: its retention still finds 2024-25's teachers
    await store.append('assessment-2025-26-S1', [report({ ...row('all', 90, 45), schoolYear: '2025-26' }, '2026-11-01T00:00:00Z')]);
    await wholeLog(store, sql);
    await new LogFollower(store, sql, METRICS).catchUp();

    const retention = await sql.query<{ school_year: string; numerator: number; denominator: number }>(
      `SELECT school_year, numerator, denominator FROM school_metrics WHERE metric = 'teacher_retention_rate' ORDER BY school_year`,
    );
    // 30 of 2023-24's 40 teachers returned; 33 of 2024-25's 44
    expect(retention).toEqual([
      { school_year: '2024-25', numerator: 30, denominator: 40 },
      { school_year: '2025-26', numerator: 33, denominator: 44 },
    ]);
    await store.close();
  });

  it('rebuilds from position zero into tables equal to the live ones', async () => {
    const sql = await database.open();
    const store = await PostgresEventStore.create(sql);
    await appendHistory(store, sql);
    await new LogFollower(store, sql, METRICS).catchUp(1);
    const live = await snapshot(sql);
    await rebuildProjection(store, sql, METRICS);
    expect(await snapshot(sql)).toEqual(live);
    expect(live[1]).toHaveLength(1);
    await store.close();
  });

  it('stores a push of hundreds of records in bulk exactly as one record at a time, restatements and a retraction among them', async () => {
    const sql = await database.open();
    const store = await PostgresEventStore.create(sql);
    const schools = Array.from({ length: 150 }, (_, n) => `S${String(n).padStart(3, '0')}`);
    const of = (schoolId: string, proficient: number) => ({ ...row('all', 100, proficient), schoolId });
    await store.appendMany(
      schools.map((schoolId, n) => ({
        streamId: `assessment-${schoolId}`,
        events: [report(of(schoolId, n % 60), '2025-06-01T00:00:00Z')],
        expectedRevision: 'any' as const,
      })),
    );
    // Restated a week later, a retraction in the middle of the restatements.
    const restated = schools.slice(0, 120).map((schoolId, n) => report(of(schoolId, 40 + (n % 30)), '2025-06-08T00:00:00Z'));
    const retraction = event(
      'RecordRetracted',
      { feed: 'assessment', naturalKey: naturalKeyOf('assessment', of('S005', 0)), reason: 'mis-scored' },
      '2025-06-08T00:00:00Z',
    );
    await store.append('restatements', [...restated.slice(0, 110), retraction, ...restated.slice(110)]);
    await wholeLog(store, sql);

    const single = await inSchema(sql, 'one_by_one');
    await new LogFollower(store, single, METRICS).catchUp(1);
    await new LogFollower(store, sql, METRICS).catchUp(2_000);
    const bulk = await snapshot(sql);
    expect(bulk).toEqual(await snapshot(single));
    expect(bulk[0]).toHaveLength(150);
    expect(bulk[0].filter((record) => record.retracted)).toHaveLength(1);
    expect(bulk[1]).toHaveLength(149);
    await store.close();
  });

  it('sums the records of a school year in one order, whatever order they were learned in', async () => {
    const sql = await database.open();
    const store = await PostgresEventStore.create(sql);
    const month = (schoolId: string, start: string, end: string, attendanceDays: number) =>
      event(
        'AttendanceReported',
        { schoolId, schoolYear: '2024-25', periodStart: start, periodEnd: end, membershipDays: 1, attendanceDays },
        '2025-01-01T00:00:00Z',
      );
    const months = (schoolId: string) => [
      month(schoolId, '2024-09-01', '2024-09-30', 0.1),
      month(schoolId, '2024-10-01', '2024-10-31', 0.2),
      month(schoolId, '2024-11-01', '2024-11-30', 0.3),
    ];
    // The same three months, learned in opposite orders: 0.1 + 0.2 + 0.3 is 0.6000000000000001, 0.3 + 0.2 + 0.1 is 0.6.
    await store.append('attendance-2024-25-S1', months('S1'));
    await store.append('attendance-2024-25-S2', months('S2').reverse());
    await wholeLog(store, sql);
    await new LogFollower(store, sql, METRICS).catchUp();

    const rates = await sql.query<{ school_id: string; numerator: number }>(
      `SELECT school_id, numerator FROM school_metrics WHERE metric = 'attendance_rate' ORDER BY school_id`,
    );
    expect(rates).toEqual([
      { school_id: 'S1', numerator: 0.1 + 0.2 + 0.3 },
      { school_id: 'S2', numerator: 0.1 + 0.2 + 0.3 },
    ]);
    await store.close();
  });

  it('builds the read model as it was known on a date into its own schema, beside the live one', async () => {
    const sql = await database.open();
    const store = await PostgresEventStore.create(sql);
    await appendHistory(store, sql);
    await new LogFollower(store, sql, METRICS).catchUp();
    const asOf = await inSchema(sql, 'as_of_20250602');
    await new LogFollower(knownAsOf(store, new Date('2025-06-02T12:00:00Z')), asOf, METRICS).catchUp();

    // on June 2 the all-grades row had just arrived (31/91); its restatement (33/91) came on June 3
    expect(await sql.query('SELECT numerator, denominator FROM as_of_20250602.school_metrics')).toEqual([{ numerator: 31, denominator: 91 }]);
    expect(await sql.query('SELECT numerator, denominator FROM public.school_metrics')).toEqual([{ numerator: 33, denominator: 91 }]);
    await store.close();
  });
});
