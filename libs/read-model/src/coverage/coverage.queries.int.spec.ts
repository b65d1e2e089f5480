import { DEFAULT_FEED_CADENCES, FeedKind, manualClock, toAppend } from '@turnaround/domain';
import { PostgresEventStore, LogFollower } from '@turnaround/event-store';
import { wholeLog } from '@turnaround/event-store/testing';
import { FeedBatches, FeedIngestor, ProfileCatalogue } from '@turnaround/feeds';
import { SqlClient } from '@turnaround/postgres';
import { testDatabases } from '@turnaround/postgres/testing';
import { readSideProjection } from '../read-side';
import { CoverageQueries, SchoolFeedCoverage } from './coverage.queries';
import { testCatalogues } from '@turnaround/domain/testing';

jest.setTimeout(60_000);

const REGISTERED = '2024-08-01T09:00:00.000Z';
/** Zone Z1's cluster C1 holds A (district D1) and B (D2) from 2024-25; C (D1) is in no cluster. */
const REGISTRY: [string, string, unknown][] = [
  ['zone-Z1', 'ZoneEstablished', { zoneId: 'Z1', stateCode: 'MA', name: 'Zone one', districtIds: ['D1', 'D2'] }],
  ['cluster-C1', 'ClusterFormed', { clusterId: 'C1', zoneId: 'Z1', name: 'North' }],
  ...['A:D1', 'B:D2', 'C:D1'].map((pair): [string, string, unknown] => {
    const [schoolId, districtId] = pair.split(':');
    return [`school-${schoolId}`, 'SchoolRegistered', { schoolId, districtId, name: `School ${schoolId}`, gradeSpan: '06-08' }];
  }),
  ...['A', 'B'].map((schoolId): [string, string, unknown] => [
    `school-${schoolId}`,
    'SchoolAssignedToCluster',
    { schoolId, clusterId: 'C1', fromYear: '2024-25', strategy: 'transformation' },
  ]),
];

const month = (schoolId: string, periodStart: string, periodEnd: string) => ({
  schoolId,
  schoolYear: '2024-25',
  periodStart,
  periodEnd,
  membershipDays: 8000,
  attendanceDays: 7500,
});

/** Given pushes known at their times, the coverage on a day: school, feed, last period, next period, due by, days overdue. */
describe.each(testDatabases())('data coverage over the read model, on $name', (database) => {
  let sql: SqlClient;
  let store: PostgresEventStore;
  let coverage: CoverageQueries;
  let clock: ReturnType<typeof manualClock>;
  let ingestor: () => FeedIngestor;
  const catchUp = async () => {
    await wholeLog(store, sql);
    await new LogFollower(store, sql, readSideProjection({ rules: { tolerance: 0 }, catalogues: testCatalogues() })).catchUp(1_000);
  };

  beforeAll(async () => {
    sql = await database.open();
    clock = manualClock(REGISTERED);
    store = await PostgresEventStore.create(sql, { clock });
    const batches = await FeedBatches.create(sql);
    const profiles = await ProfileCatalogue.load();
    ingestor = () => new FeedIngestor(store, batches, profiles, testCatalogues().indicators, clock);
    for (const [streamId, type, data] of REGISTRY) {
      const metadata = { source: { channel: 'http' as const }, correlationId: 'test', actor: 'state-office' };
      await store.append(streamId, [toAppend({ type, data }, metadata)]);
    }
    const push = async (at: string, kind: FeedKind, records: Record<string, unknown>[]) => {
      clock.set(at);
      const summary = await ingestor().ingestJson(kind, records, { channel: 'http', actor: 'data-team', correlationId: 'test' });
      expect(summary).toMatchObject({ status: 'completed', rejectedRows: 0 });
    };
    // In October, A's September attendance and its October staffing count.
    await push('2024-10-20T00:00:00.000Z', 'attendance', [month('A', '2024-09-01', '2024-09-30')]);
    await push('2024-10-20T00:00:00.000Z', 'staffing', [{ schoolId: 'A', schoolYear: '2024-25', asOf: '2024-10-01', teachers: 40 }]);
    // In January, October and November, and a winter interim: an interim is not the state test.
    await push('2025-01-10T00:00:00.000Z', 'attendance', [month('A', '2024-10-01', '2024-10-31'), month('A', '2024-11-01', '2024-11-30')]);
    await push('2025-01-10T00:00:00.000Z', 'assessment', [
      {
        schoolId: 'A',
        schoolYear: '2024-25',
        window: 'winter',
        assessment: 'interim',
        subject: 'math',
        grade: 'all',
        studentGroup: 'all',
        tested: 100,
        proficient: 40,
      },
    ]);
    await catchUp();
    coverage = new CoverageQueries(sql);
  });
  afterAll(() => store?.close());

  const rows = (list: SchoolFeedCoverage[]) => list.map((row) => [row.schoolId, row.feed, row.lastPeriodEnd, row.nextPeriod, row.dueBy, row.daysOverdue]);

  it('judges each registered school and watched feed on the day, from the records known then', async () => {
    // February 1, 2025. A: November received, December was due January 15 (17 days); the June staffing and the
    // 2024-25 state test are not due yet. B: nothing since it was registered on August 1: September's attendance
    // was due October 15 (109 days), October's staffing November 30 (63 days).
    expect(rows(await coverage.list(DEFAULT_FEED_CADENCES, {}, new Date('2025-02-01T12:00:00Z')))).toEqual([
      ['A', 'assessment', null, '2025-06', '2025-09-30', 0],
      ['A', 'attendance', '2024-11-30', '2024-12', '2025-01-15', 17],
      ['A', 'staffing', '2024-10-01', '2025-06', '2025-07-30', 0],
      ['B', 'assessment', null, '2025-06', '2025-09-30', 0],
      ['B', 'attendance', null, '2024-09', '2024-10-15', 109],
      ['B', 'staffing', null, '2024-10', '2024-11-30', 63],
      ['C', 'assessment', null, '2025-06', '2025-09-30', 0],
      ['C', 'attendance', null, '2024-09', '2024-10-15', 109],
      ['C', 'staffing', null, '2024-10', '2024-11-30', 63],
    ]);
  });

  it('as of December 1, 2024 knows only the October pushes: A owes October, due November 15', async () => {
    const asOf = await coverage.list(DEFAULT_FEED_CADENCES, { asOf: new Date('2024-12-01T00:00:00Z'), zoneId: 'Z1' }, new Date('2025-02-01T12:00:00Z'));
    expect(rows(asOf).filter(([schoolId]) => schoolId === 'A')).toEqual([
      ['A', 'assessment', null, '2025-06', '2025-09-30', 0],
      ['A', 'attendance', '2024-09-30', '2024-10', '2024-11-15', 16],
      ['A', 'staffing', '2024-10-01', '2025-06', '2025-07-30', 0],
    ]);
    // before the registry knew the schools, there is nothing to cover
    expect(await coverage.list(DEFAULT_FEED_CADENCES, { asOf: new Date('2024-07-01T00:00:00Z') }, new Date())).toEqual([]);
  });

  it("narrows to a zone's cluster schools and to a district, and watches only the feeds with a cadence", async () => {
    const now = new Date('2025-02-01T12:00:00Z');
    const schools = (list: SchoolFeedCoverage[]) => [...new Set(list.map((row) => row.schoolId))];
    expect(schools(await coverage.list(DEFAULT_FEED_CADENCES, { zoneId: 'Z1' }, now))).toEqual(['A', 'B']);
    expect(schools(await coverage.list(DEFAULT_FEED_CADENCES, { districtId: 'D1' }, now))).toEqual(['A', 'C']);
    expect(schools(await coverage.list(DEFAULT_FEED_CADENCES, { zoneId: 'Z1', districtId: 'D1' }, now))).toEqual(['A']);
    const staffingOnly = await coverage.list({ staffing: { months: [10], graceDays: 0 } }, { districtId: 'D1' }, now);
    expect(rows(staffingOnly)).toEqual([
      ['A', 'staffing', '2024-10-01', '2025-10', '2025-10-31', 0],
      ['C', 'staffing', null, '2024-10', '2024-10-31', 93],
    ]);
  });

  // Last: it withdraws records the cases above count.
  it('a retracted last period takes the feed back to the one before from the retraction on; as of before it, it still counts', async () => {
    const context = { channel: 'http' as const, actor: 'data-team', correlationId: 'test' };
    clock.set('2025-02-05T00:00:00.000Z');
    expect(await ingestor().retract('attendance', 'A/2024-11-01/2024-11-30', 'sent for the wrong school', context)).toMatchObject({ retracted: true });
    await catchUp();
    const now = new Date('2025-02-10T12:00:00Z');
    const attendanceOfA = async (filter: { asOf?: Date }) =>
      rows(await coverage.list(DEFAULT_FEED_CADENCES, filter, now)).filter(([schoolId, feed]) => schoolId === 'A' && feed === 'attendance');
    // October is the last now: November was due December 15, 57 days before February 10.
    expect(await attendanceOfA({})).toEqual([['A', 'attendance', '2024-10-31', '2024-11', '2024-12-15', 57]]);
    // As known on February 1, November had arrived (December was due January 15: 17 days late).
    expect(await attendanceOfA({ asOf: new Date('2025-02-01T12:00:00Z') })).toEqual([['A', 'attendance', '2024-11-30', '2024-12', '2025-01-15', 17]]);

    // Every month withdrawn: nothing received, so September was due October 15, as for a school that never sent any.
    clock.set('2025-02-06T00:00:00.000Z');
    for (const key of ['A/2024-10-01/2024-10-31', 'A/2024-09-01/2024-09-30']) await ingestor().retract('attendance', key, 'sent for the wrong school', context);
    await catchUp();
    expect(await attendanceOfA({})).toEqual([['A', 'attendance', null, '2024-09', '2024-10-15', 118]]);
    expect(await attendanceOfA({ asOf: new Date('2025-02-05T12:00:00Z') })).toEqual([['A', 'attendance', '2024-10-31', '2024-11', '2024-12-15', 52]]);
  });
});
