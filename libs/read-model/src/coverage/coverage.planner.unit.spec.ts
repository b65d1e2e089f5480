import { AssessmentResultsReported, AttendanceReported, FeedKind, FeedRecord } from '@turnaround/domain';
import { mathResult } from '@turnaround/domain/testing';
import { CoverageState, planCoverage } from './coverage.planner';
import { CoverageRowChange } from './coverage.tables';

const T1 = '2025-01-10T00:00:00.000Z';

/** A month of attendance of a school, ending on `periodEnd`. */
const month = (schoolId: string, periodStart: string, periodEnd: string): AttendanceReported['data'] => ({
  schoolId,
  schoolYear: '2024-25',
  periodStart,
  periodEnd,
  membershipDays: 20,
  attendanceDays: 18,
});
const september = month('S1', '2024-09-01', '2024-09-30');
const october = month('S1', '2024-10-01', '2024-10-31');
const november = month('S1', '2024-11-01', '2024-11-30');

/** A math result of school S1 in 2024-25's test window `window`. */
const test = (window: AssessmentResultsReported['data']['window']) => mathResult({ window });

/** Given these touched school feeds as stored, when these records are added at T1, then these row changes. */
const given = (...states: CoverageState[]) => ({
  added: (feed: FeedKind, ...records: FeedRecord[]) => ({
    then: (expected: CoverageRowChange[]) =>
      expect(
        planCoverage(
          states,
          records.map((record) => ({ feed, record })),
          T1,
        ),
      ).toEqual(expected),
  }),
});
const attendance = (schoolId: string, state: Partial<CoverageState> = {}): CoverageState => ({
  schoolId,
  feed: 'attendance',
  wentBack: false,

  before: null,
  ...state,
});
/** The changes that set a school feed's last period at T1: the current row, and its history row. */
const reached = (schoolId: string, feed: FeedKind, lastPeriodEnd: string | null): CoverageRowChange[] => [
  { table: 'feed_coverage', op: 'upsert', key: { schoolId, feed }, values: { lastPeriodEnd, knownAt: T1 } },
  { table: 'feed_coverage_history', op: 'upsert', key: { schoolId, feed, knownAt: T1 }, values: { lastPeriodEnd } },
];

describe('planning feed coverage: the last period each touched school feed reaches, at each knowledge time', () => {
  it("a school's first record gives its feed a last period", () => {
    given(attendance('S1'))
      .added('attendance', september)
      .then(reached('S1', 'attendance', '2024-09-30'));
  });

  it('a later period moves the last period on; several at once count by the latest', () => {
    given(attendance('S1', { before: '2024-09-30' }))
      .added('attendance', november, october)
      .then(reached('S1', 'attendance', '2024-11-30'));
  });

  it('an earlier period received late changes nothing', () => {
    given(attendance('S1', { before: '2024-11-30' }))
      .added('attendance', october)
      .then([]);
  });

  it('interims alone reach no period of the state test: no row is written', () => {
    given({ schoolId: 'S1', feed: 'assessment', wentBack: false, before: null }).added('assessment', test('fall'), test('winter')).then([]);
  });

  it('the state test reaches June 30 ending its school year, whatever interims come with it', () => {
    given({ schoolId: 'S1', feed: 'assessment', wentBack: false, before: null })
      .added('assessment', test('winter'), test('spring'))
      .then(reached('S1', 'assessment', '2025-06-30'));
  });

  it('a retraction of the latest period goes back to the latest of the current records', () => {
    given(attendance('S1', { wentBack: true, before: '2024-11-30', current: [october, september] }))
      .added('attendance')
      .then(reached('S1', 'attendance', '2024-10-31'));
  });

  it('the retraction of the last record leaves the stored feed with no period, which is written', () => {
    given(attendance('S1', { wentBack: true, before: '2024-09-30', current: [] }))
      .added('attendance')
      .then(reached('S1', 'attendance', null));
  });

  it('a feed left with no period writes nothing when a retraction leaves it with none again', () => {
    given(attendance('S1', { wentBack: true, before: null, current: [] }))
      .added('attendance')
      .then([]);
  });

  it('a restatement reaches the period it reached: nothing changes, unless a later record comes with it', () => {
    const restated = { ...october, attendanceDays: 19 };
    given(attendance('S1', { wentBack: true, before: '2024-10-31', current: [september, restated] }))
      .added('attendance', restated)
      .then([]);
    given(attendance('S1', { wentBack: true, before: '2024-10-31', current: [september, restated, november] }))
      .added('attendance', restated, november)
      .then(reached('S1', 'attendance', '2024-11-30'));
  });

  it("each school feed counts its own school's records; all current rows come before the history rows, in the order given", () => {
    const s2 = month('S2', '2024-12-01', '2024-12-31');
    given(attendance('S2', { before: '2024-11-30' }), attendance('S1', { before: '2024-09-30' }))
      .added('attendance', october, s2)
      .then([
        { table: 'feed_coverage', op: 'upsert', key: { schoolId: 'S2', feed: 'attendance' }, values: { lastPeriodEnd: '2024-12-31', knownAt: T1 } },
        { table: 'feed_coverage', op: 'upsert', key: { schoolId: 'S1', feed: 'attendance' }, values: { lastPeriodEnd: '2024-10-31', knownAt: T1 } },
        { table: 'feed_coverage_history', op: 'upsert', key: { schoolId: 'S2', feed: 'attendance', knownAt: T1 }, values: { lastPeriodEnd: '2024-12-31' } },
        { table: 'feed_coverage_history', op: 'upsert', key: { schoolId: 'S1', feed: 'attendance', knownAt: T1 }, values: { lastPeriodEnd: '2024-10-31' } },
      ]);
  });
});
