import { IndicatorCatalogue, manualClock, Role, smallNumberBases, toAppend } from '@turnaround/domain';
import { LogFollower, PostgresEventStore } from '@turnaround/event-store';
import { wholeLog } from '@turnaround/event-store/testing';
import { SqlClient } from '@turnaround/postgres';
import { testDatabases } from '@turnaround/postgres/testing';
import { readSideProjection } from '../read-side';
import { push, registry, Step, stepAppender } from '../testing/knowledge-steps';
import { PublishedMetrics, ShownReading } from './published-metrics';
import { createPublishedViews } from './published-metrics.views';
import { mathResult, testCatalogues } from '@turnaround/domain/testing';

jest.setTimeout(120_000);

const N_MIN = 10;
const CATALOGUE = new IndicatorCatalogue([
  { name: 'dropout_rate', kind: 'rate', direction: 'lower_is_better', description: 'dropouts / enrollment' },
  { name: 'instructional_minutes', kind: 'count', unit: 'minutes', direction: 'higher_is_better', description: 'minutes of instruction' },
]);
const PUBLIC: Role = { kind: 'public' };
const FIRST = '2025-07-01T00:00:00.000Z';
const RESTATED = '2025-08-01T00:00:00.000Z';

const math = (schoolId: string, tested: number) => mathResult({ schoolId, tested, proficient: Math.floor(tested / 2) });
const school = (at: string, schoolId: string, districtId: string, clusterId: string) => [
  registry(at, `school-${schoolId}`, 'SchoolRegistered', { schoolId, districtId, name: `School ${schoolId}`, gradeSpan: '06-08' }),
  registry(at, `school-${schoolId}`, 'SchoolAssignedToCluster', { schoolId, clusterId, fromYear: '2024-25', strategy: 'transformation' }),
];

/**
 * Zone Z1 of districts D1 and D2. C1 spans both (A in D1, B in D2) under P1's contract K1, which
 * names both; C2 holds E, F and G of D1; C3 holds H of D2 alone. X and Y are comparison schools
 * in no cluster. Zone Z2 has C4, of J1 and J2 in D1 and K1 and K2 in D2. Math 2024-25, by
 * students tested: A 30, B 4, E 8, F 12, G 60, H 40, X 5, Y 50, J1 30, J2 40, K1 4, K2 50; then
 * B's is restated with 40 tested.
 */
const STEPS: Step[] = [
  registry('2024-06-01T09:00:00.000Z', 'zone-Z1', 'ZoneEstablished', { zoneId: 'Z1', stateCode: 'MA', name: 'Zone one', districtIds: ['D1', 'D2'] }),
  registry('2024-06-01T09:00:00.000Z', 'zone-Z2', 'ZoneEstablished', { zoneId: 'Z2', stateCode: 'MA', name: 'Zone two', districtIds: ['D1', 'D2'] }),
  ...['C1', 'C2', 'C3', 'C4'].map((clusterId) =>
    registry('2024-06-01T09:00:01.000Z', `cluster-${clusterId}`, 'ClusterFormed', { clusterId, zoneId: clusterId === 'C4' ? 'Z2' : 'Z1', name: clusterId }),
  ),
  ...school('2024-06-01T09:00:02.000Z', 'A', 'D1', 'C1'),
  ...school('2024-06-01T09:00:03.000Z', 'B', 'D2', 'C1'),
  ...school('2024-06-01T09:00:04.000Z', 'E', 'D1', 'C2'),
  ...school('2024-06-01T09:00:05.000Z', 'F', 'D1', 'C2'),
  ...school('2024-06-01T09:00:06.000Z', 'G', 'D1', 'C2'),
  ...school('2024-06-01T09:00:07.000Z', 'H', 'D2', 'C3'),
  ...school('2024-06-01T09:00:07.000Z', 'J1', 'D1', 'C4'),
  ...school('2024-06-01T09:00:07.000Z', 'J2', 'D1', 'C4'),
  ...school('2024-06-01T09:00:07.000Z', 'K1', 'D2', 'C4'),
  ...school('2024-06-01T09:00:07.000Z', 'K2', 'D2', 'C4'),
  registry('2024-06-01T09:00:08.000Z', 'partner-P1', 'PartnerRegistered', { partnerId: 'P1', name: 'Partner one', role: 'lead' }),
  registry('2024-06-01T09:00:09.000Z', 'contract-K1', 'PerformanceContractSigned', {
    contractId: 'K1',
    partnerId: 'P1',
    clusterId: 'C1',
    schoolIds: ['A', 'B'],
    governance: 'district_lead_partner',
    startYear: '2024-25',
    termYears: 3,
    baselineYear: '2023-24',
    targets: [],
  }),
  push(
    FIRST,
    ...[
      ['A', 30],
      ['B', 4],
      ['E', 8],
      ['F', 12],
      ['G', 60],
      ['H', 40],
      ['X', 5],
      ['Y', 50],
      ['J1', 30],
      ['J2', 40],
      ['K1', 4],
      ['K2', 50],
    ].map(([id, tested]) => math(id as string, tested as number)),
  ),
  push(RESTATED, math('B', 40)),
];

async function learn(sql: SqlClient): Promise<void> {
  const clock = manualClock();
  const store = await PostgresEventStore.create(sql, { clock });
  const appendStep = await stepAppender(store, sql, clock);
  for (const step of STEPS.slice(0, -1)) await appendStep(step);
  // A's dropouts (1 of 1 enrolled: a rate) and instructional minutes (a count), known with the first push
  const indicator = (indicator: string, numerator: number, denominator?: number) =>
    toAppend(
      {
        type: 'IndicatorReported',
        data: { schoolId: 'A', schoolYear: '2024-25', indicator, numerator, ...(denominator === undefined ? {} : { denominator }) },
      },
      { source: { channel: 'http' }, correlationId: 'test', actor: 'data-team' },
      { check: true },
    );
  clock.set(FIRST);
  await store.append('indicators-2024-25-A', [indicator('dropout_rate', 1, 1), indicator('instructional_minutes', 64_800)]);
  await appendStep(STEPS.at(-1) as Step);
  await wholeLog(store, sql);
  await new LogFollower(store, sql, readSideProjection({ rules: { tolerance: 0 }, catalogues: testCatalogues() })).catchUp();
  // The settings the service writes at its start (libs/platform/src/service-settings.ts)
  await sql.query('CREATE TABLE service_settings (name text PRIMARY KEY, value text NOT NULL, written_at timestamptz NOT NULL)');
  await sql.query(`INSERT INTO service_settings VALUES ('n_min', $1, now()), ('small_number_basis', $2, now())`, [
    String(N_MIN),
    JSON.stringify(smallNumberBases(CATALOGUE)),
  ]);
  expect(await sql.transaction(createPublishedViews)).toBe(true);
}

const shown = (readings: ShownReading[], metric = 'proficiency.math') => {
  const reading = readings.find((candidate) => candidate.metric === metric);
  return reading && { numerator: reading.numerator, denominator: reading.denominator, smallNumber: reading.smallNumber, withheld: reading.withheld };
};
type ViewRow = { numerator: number | null; denominator: number | null; small_number: boolean; withheld: boolean };
const fromView = (row: ViewRow | undefined) =>
  row && { numerator: row.numerator, denominator: row.denominator, smallNumber: row.small_number, withheld: row.withheld };
const WITHHELD = { numerator: null, denominator: null, withheld: true };

describe.each(testDatabases({ timescaledb: true }))('published metrics: small numbers and complementary suppression on $name', (database) => {
  let sql: SqlClient;
  let published: PublishedMetrics;
  const first = new Date(FIRST);
  beforeAll(async () => {
    sql = await database.open();
    await learn(sql);
    published = new PublishedMetrics(sql, N_MIN, CATALOGUE);
  });
  afterAll(() => sql?.close());

  it('withholds from the public a small school and the next smallest of its cluster, and the aggregates a small school alone would give away', async () => {
    const school = async (schoolId: string, asOf?: Date) => shown(await published.school(schoolId, PUBLIC, '2024-25', asOf));
    // C1 as first known: B (4 tested) is small; A is withheld beside it
    expect(await school('B', first)).toMatchObject({ ...WITHHELD, smallNumber: true });
    expect(await school('A', first)).toMatchObject({ ...WITHHELD, smallNumber: false });
    // C2: E (8) is small, F (12) the next smallest; C2's total less G gives E + F, not E
    expect(await school('E')).toMatchObject({ ...WITHHELD, smallNumber: true });
    expect(await school('F')).toMatchObject({ ...WITHHELD, smallNumber: false });
    expect(await school('G')).toMatchObject({ numerator: 30, denominator: 60, withheld: false });
    expect(shown(await published.aggregate({ kind: 'cluster', clusterId: 'C2' }, PUBLIC, '2024-25'))).toMatchObject({
      numerator: 40,
      denominator: 80,
      withheld: false,
    });
    // the schools in no cluster make one group: X (5) small, Y beside it
    expect(await school('X')).toMatchObject({ ...WITHHELD, smallNumber: true });
    expect(await school('Y')).toMatchObject(WITHHELD);
    expect(await school('H')).toMatchObject({ numerator: 20, denominator: 40, withheld: false });
    // C4: K1 (4) small and J1 beside it; D1 sees J1 and J2 raw, so K2 too, and C4's total stands
    expect(await school('K1')).toMatchObject({ ...WITHHELD, smallNumber: true });
    expect(await school('J1')).toMatchObject(WITHHELD);
    expect(await school('K2')).toMatchObject(WITHHELD);
    expect(await school('J2')).toMatchObject({ numerator: 20, denominator: 40, withheld: false });
    expect(shown(await published.aggregate({ kind: 'cluster', clusterId: 'C4' }, PUBLIC, '2024-25'))).toMatchObject({
      numerator: 62,
      denominator: 124,
      withheld: false,
    });

    // C1 then: district D1 sees A raw, so C1's total less A would be B: C1 is withheld, and the zone that holds it
    const c1 = (reader: Role, asOf?: Date) =>
      published.aggregate({ kind: 'cluster', clusterId: 'C1' }, reader, '2024-25', asOf).then((readings) => shown(readings));
    expect(await c1(PUBLIC, first)).toMatchObject({ ...WITHHELD, smallNumber: false });
    expect(shown(await published.aggregate({ kind: 'zone', zoneId: 'Z1' }, PUBLIC, '2024-25', first))).toMatchObject(WITHHELD);
    // B restated with 40 tested: nothing in C1 is small any more
    expect(await school('A')).toMatchObject({ numerator: 15, denominator: 30, withheld: false });
    expect(await c1(PUBLIC)).toMatchObject({ numerator: 35, denominator: 70, withheld: false });
    expect(shown(await published.aggregate({ kind: 'zone', zoneId: 'Z1' }, PUBLIC, '2024-25'))).toMatchObject({
      numerator: 95,
      denominator: 190,
      withheld: false,
    });
  });

  it("shows a district the cluster total only where it gives no other district's small school away, and its own schools raw", async () => {
    const d1: Role = { kind: 'district', districtId: 'D1' };
    const d2: Role = { kind: 'district', districtId: 'D2' };
    const p1: Role = { kind: 'partner', partnerId: 'P1' };
    const c1 = (reader: Role) => published.aggregate({ kind: 'cluster', clusterId: 'C1' }, reader, '2024-25', first).then((readings) => shown(readings));
    // 34 tested in all, 19 proficient: D1 knows A's 15 of 30, so this would be B's 2 of 4
    expect(await c1(d1)).toMatchObject(WITHHELD);
    expect(await c1(d2)).toMatchObject(WITHHELD);
    // P1's contract names both schools: it sees them raw, and so their sum
    expect(await c1(p1)).toEqual({ numerator: 17, denominator: 34, smallNumber: false, withheld: false });
    expect(await c1({ kind: 'state' })).toEqual({ numerator: 17, denominator: 34, smallNumber: false, withheld: false });
    expect(shown(await published.school('A', d1, '2024-25', first))).toEqual({ numerator: 15, denominator: 30, smallNumber: false, withheld: false });
    expect(shown(await published.school('B', d2, '2024-25', first))).toEqual({ numerator: 2, denominator: 4, smallNumber: true, withheld: false });
  });

  it('judges an indicator by its kind in the catalogue: a rate of 1 dropout in 1 is withheld, a count of minutes is shown', async () => {
    const a = await published.school('A', PUBLIC, '2024-25');
    expect(shown(a, 'indicator.dropout_rate')).toEqual({ numerator: null, denominator: null, smallNumber: true, withheld: true });
    expect(shown(a, 'indicator.instructional_minutes')).toEqual({ numerator: 64_800, denominator: 1, smallNumber: false, withheld: false });
    const c1 = await published.aggregate({ kind: 'cluster', clusterId: 'C1' }, PUBLIC, '2024-25');
    expect(shown(c1, 'indicator.dropout_rate')).toMatchObject(WITHHELD);
    expect(shown(c1, 'indicator.instructional_minutes')).toMatchObject({ numerator: 64_800, withheld: false });
  });

  it('reads the state as known at each knowledge time: every school that reported, zone or not, withheld from the public while a group of it was exposed', async () => {
    const stateOffice: Role = { kind: 'state' };
    const times = await sql.query<{ known_at: Date | string }>('SELECT DISTINCT known_at FROM school_metric_history ORDER BY known_at');
    expect(times.map((row) => new Date(row.known_at).toISOString())).toEqual([FIRST, RESTATED]);
    for (const { known_at } of times) {
      const asOf = new Date(known_at);
      // the sums of every school's values as then known, read one school at a time
      const schools = await sql.query<{ school_id: string }>('SELECT DISTINCT school_id FROM school_metric_history ORDER BY school_id');
      const values = (await Promise.all(schools.map(({ school_id }) => published.school(school_id, stateOffice, '2024-25', asOf)))).flat();
      for (const reading of await published.state(stateOffice, '2024-25', asOf)) {
        const of = values.filter((value) => value.metric === reading.metric);
        expect({
          at: asOf.toISOString(),
          metric: reading.metric,
          numerator: reading.numerator,
          denominator: reading.denominator,
          schools: reading.schools,
          knownAt: reading.knownAt,
        }).toEqual({
          at: asOf.toISOString(),
          metric: reading.metric,
          numerator: of.reduce((sum, value) => sum + (value.numerator ?? 0), 0),
          denominator: of.reduce((sum, value) => sum + (value.denominator ?? 0), 0),
          schools: of.length,
          knownAt: of
            .map((value) => value.knownAt)
            .sort()
            .at(-1),
        });
      }
    }
    // As first known, B (4 tested) was small in C1 and D1 saw A raw: C1 was exposed, and the state that holds it withheld
    expect(shown(await published.state(stateOffice, '2024-25', first))).toEqual({ numerator: 166, denominator: 333, smallNumber: false, withheld: false });
    expect(shown(await published.state(PUBLIC, '2024-25', first))).toEqual({ ...WITHHELD, smallNumber: false });
    expect(shown(await published.state({ kind: 'district', districtId: 'D1' }, '2024-25', first))).toEqual({ ...WITHHELD, smallNumber: false });
    expect(shown(await published.state(PUBLIC, '2024-25', new Date(RESTATED)))).toEqual({
      numerator: 184,
      denominator: 369,
      smallNumber: false,
      withheld: false,
    });
    expect(await published.state(PUBLIC, '2024-25', new Date('2025-06-30T00:00:00.000Z'))).toEqual([]);
    // a page charting some metrics reads those alone
    expect((await published.state(PUBLIC, '2024-25', first, ['proficiency.math'])).map((reading) => [reading.metric, reading.withheld])).toEqual([
      ['proficiency.math', true],
    ]);
  });

  it("gives the dashboards' views the public's numbers for every school, cluster and the state, now and as each change was known", async () => {
    const schools = await sql.query<ViewRow & { school_id: string; metric: string }>('SELECT * FROM published_school_metrics ORDER BY school_id, metric');
    expect(schools.length).toBeGreaterThan(8);
    for (const row of schools)
      expect({ row: `${row.school_id} ${row.metric}`, shown: fromView(row) }).toEqual({
        row: `${row.school_id} ${row.metric}`,
        shown: shown(await published.school(row.school_id, PUBLIC, '2024-25'), row.metric),
      });

    const clusters = await sql.query<ViewRow & { cluster_id: string; metric: string; schools: number }>(
      'SELECT * FROM published_cluster_metrics ORDER BY cluster_id, metric',
    );
    expect(clusters.map((row) => row.cluster_id)).toEqual(['C1', 'C1', 'C1', 'C2', 'C3', 'C4']);
    for (const row of clusters) {
      const api = (await published.aggregate({ kind: 'cluster', clusterId: row.cluster_id }, PUBLIC, '2024-25')).find(
        (reading) => reading.metric === row.metric,
      );
      expect({ cluster: row.cluster_id, shown: fromView(row), schools: Number(row.schools) }).toEqual({
        cluster: row.cluster_id,
        shown: shown(api ? [api] : [], row.metric),
        schools: api?.schools,
      });
    }

    // The state: every group now has two withheld schools or none, and none is exposed
    const state = await sql.query<ViewRow & { metric: string; schools: number }>('SELECT * FROM published_state_metrics ORDER BY metric');
    expect(state.filter((row) => row.metric === 'proficiency.math').map(fromView)).toEqual([
      { numerator: 184, denominator: 369, smallNumber: false, withheld: false },
    ]);
    // the API's state now, and as of the latest knowledge time, which is the same state
    for (const asOf of [undefined, new Date(RESTATED)]) {
      const api = await published.state(PUBLIC, '2024-25', asOf);
      expect(api.map((reading) => reading.metric)).toEqual(state.map((row) => row.metric));
      for (const row of state)
        expect({ metric: row.metric, asOf, shown: fromView(row), schools: Number(row.schools) }).toEqual({
          metric: row.metric,
          asOf,
          shown: shown(api, row.metric),
          schools: api.find((reading) => reading.metric === row.metric)?.schools,
        });
    }

    const history = await sql.query<ViewRow & { school_id: string; metric: string; known_at: Date | string }>(
      'SELECT * FROM published_school_metric_history WHERE NOT removed ORDER BY school_id, metric, known_at',
    );
    expect(history.length).toBe(schools.length + 1);
    for (const row of history) {
      const asOf = new Date(row.known_at);
      expect({ row: `${row.school_id} ${row.metric} ${asOf.toISOString()}`, shown: fromView(row) }).toEqual({
        row: `${row.school_id} ${row.metric} ${asOf.toISOString()}`,
        shown: shown(await published.school(row.school_id, PUBLIC, '2024-25', asOf), row.metric),
      });
    }
    // A's math as first known was withheld, beside B's small number; C1's history is judged then, not now
    expect(history.filter((row) => row.school_id === 'A' && row.metric === 'proficiency.math').map((row) => row.withheld)).toEqual([true]);
    expect(history.filter((row) => row.school_id === 'B' && row.metric === 'proficiency.math').map((row) => row.withheld)).toEqual([true, false]);
  });
});
