import { migrate, SqlClient } from '@turnaround/postgres';
import { testDatabases } from '@turnaround/postgres/testing';
import { writeRowChanges } from '../rows/row-changes';
import { declaredShape, migratedShape } from '../rows/table-shapes.testing';
import { SCORECARD_MIGRATIONS } from './scorecards.projection';
import { ScorecardRowChange, SCORECARDS_TABLES } from './scorecards.tables';

const T1 = '2025-06-20T00:00:00.000Z';
const T2 = '2025-09-01T00:00:00.000Z';
const KEY = { contractId: 'K1', scope: 'cluster', subjectId: 'C1', metric: 'proficiency.math', contractYear: 1 } as const;
const LINE = {
  partnerId: 'P1',
  clusterId: 'C1',
  contractStatus: 'active',
  schoolYear: '2024-25',
  kind: 'absolute',
  status: 'met',
  threshold: 0.5,
  baseline: null,
  actual: 0.5,
  evidence: 'final',
  reason: null,
  schoolsCounted: null,
  schoolsMissed: null,
  target: { metric: 'proficiency.math', contractYear: 1, kind: 'absolute', value: 0.5, scope: 'cluster' },
  targetSince: T1,
};

/** The scorecards' adapter: their column lists against the migrated tables, and planned rows written on each database. */
describe.each(testDatabases({ timescaledb: true }))('the scorecards tables on $name', (database) => {
  let sql: SqlClient;
  beforeAll(async () => {
    sql = await database.open();
    await migrate(sql, 'projection:scorecards', SCORECARD_MIGRATIONS);
  });
  afterAll(() => sql.close());

  it.each(Object.entries(SCORECARDS_TABLES))('%s has the columns, types, nulls and primary key of its column list', async (name, table) => {
    expect(await migratedShape(sql, name)).toEqual(await declaredShape(sql, table));
  });

  it('writes a judged line, its history and its status change, then its removal, as the planner plans them', async () => {
    const judged: ScorecardRowChange[] = [
      { table: 'scorecard_lines', op: 'upsert', key: KEY, values: { ...LINE, knownAt: T1 } },
      { table: 'scorecard_line_history', op: 'upsert', key: { ...KEY, knownAt: T1 }, values: { ...LINE, removed: false } },
      {
        table: 'scorecard_changes',
        op: 'upsert',
        key: { position: '42', ordinal: 0 },
        values: {
          knownAt: T1,
          contractId: 'K1',
          partnerId: 'P1',
          districtIds: ['D1', 'D2'],
          scope: 'cluster',
          subjectId: 'C1',
          metric: 'proficiency.math',
          contractYear: 1,
          schoolYear: '2024-25',
          threshold: 0.5,
          actual: 0.5,
          fromStatus: null,
          status: 'met',
          withdrawal: null,
          missedYearBefore: false,
        },
      },
    ];
    await writeRowChanges(sql, SCORECARDS_TABLES, judged);
    await writeRowChanges(sql, SCORECARDS_TABLES, [
      { table: 'scorecard_lines', op: 'delete', key: KEY },
      { table: 'scorecard_line_history', op: 'upsert', key: { ...KEY, knownAt: T2 }, values: { ...LINE, removed: true } },
    ]);
    expect(await sql.query('SELECT * FROM scorecard_lines')).toEqual([]);
    const history = await sql.query<{ target: unknown; known_at: Date; removed: boolean }>(
      'SELECT target, known_at, removed FROM scorecard_line_history ORDER BY known_at',
    );
    expect(history.map((row) => [new Date(row.known_at).toISOString(), row.removed, row.target])).toEqual([
      [T1, false, LINE.target],
      [T2, true, LINE.target],
    ]);
    expect(await sql.query('SELECT district_ids, from_status, status FROM scorecard_changes')).toEqual([
      { district_ids: ['D1', 'D2'], from_status: null, status: 'met' },
    ]);
  });
});
