import { AssessmentResultsReported, AttendanceReported, IndicatorCatalogue, MetricValue, StaffingReported } from '@turnaround/domain';
import { StoredEvent } from '@turnaround/event-store';
import { planMetricChanges, planRecordSteps, SchoolYearState, schoolYearsChangedBy } from './metrics.planner';
import { MetricRowChange } from './metrics.tables';

const T1 = '2025-06-01T00:00:00.000Z';
const NO_INDICATORS = new IndicatorCatalogue([]);

const math = (grade: AssessmentResultsReported['data']['grade'], tested: number, proficient: number): AssessmentResultsReported['data'] => ({
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
const staffing = (schoolYear: string, asOf: string, teachers: number, teachersReturning?: number): StaffingReported['data'] => ({
  schoolId: 'S1',
  schoolYear,
  asOf,
  teachers,
  ...(teachersReturning === undefined ? {} : { teachersReturning }),
});
const month = (periodStart: string, periodEnd: string, attendanceDays: number): AttendanceReported['data'] => ({
  schoolId: 'S1',
  schoolYear: '2024-25',
  periodStart,
  periodEnd,
  membershipDays: 20,
  attendanceDays,
});

/** A final value (an annual result), as the tables keep it. */
const stored = (metric: string, numerator: number, denominator: number, through = 'spring'): MetricValue => ({
  metric,
  numerator,
  denominator,
  suppressed: false,
  partial: false,
  final: true,
  through,
});

/** Given a school year in this state, then these row changes at T1. */
const given = (state: Partial<SchoolYearState> & Pick<SchoolYearState, 'feeds'>) => ({
  then: (expected: MetricRowChange[]) =>
    expect(
      planMetricChanges(
        [{ schoolId: 'S1', schoolYear: '2024-25', records: {}, priorYearStaffing: [], laterYearStaffingReported: false, stored: new Map(), ...state }],
        T1,
        NO_INDICATORS,
      ),
    ).toEqual(expected),
});
const storedAs = (...values: MetricValue[]) => new Map(values.map((value) => [value.metric, value]));

/** The rows a new or changed value writes: the metric as it stands, and the change in its history. */
const written = ({ metric, ...value }: MetricValue, schoolYear = '2024-25'): MetricRowChange[] => [
  { table: 'school_metrics', op: 'upsert', key: { schoolId: 'S1', schoolYear, metric }, values: { ...value, knownAt: T1 } },
  { table: 'school_metric_history', op: 'upsert', key: { schoolId: 'S1', schoolYear, metric, knownAt: T1 }, values: { ...value, removed: false } },
];

describe('the metrics planner: given a school year as stored, then the rows its changed records change', () => {
  it('sums the grades while no all-grades row stands: 12 + 18 proficient of 40 + 50 tested is 30 / 90', () => {
    const [metric, history] = written(stored('proficiency.math', 30, 90));
    given({ feeds: new Set(['assessment']), records: { assessment: [math('03', 40, 12), math('04', 50, 18)] } }).then([metric, history]);
  });

  it('takes the all-grades row over the sum of grades once it stands: 31 / 91, not 30 / 90', () => {
    const [metric, history] = written(stored('proficiency.math', 31, 91));
    given({
      feeds: new Set(['assessment']),
      records: { assessment: [math('03', 40, 12), math('04', 50, 18), math('all', 91, 31)] },
      stored: storedAs(stored('proficiency.math', 30, 90)),
    }).then([metric, history]);
  });

  it('writes nothing when the recomputed value equals the stored one (a retraction the all-grades row outweighs)', () => {
    given({ feeds: new Set(['assessment']), records: { assessment: [math('all', 91, 33)] }, stored: storedAs(stored('proficiency.math', 33, 91)) }).then([]);
  });

  it("deletes a metric its feed's records no longer give and marks its removal in the history, leaving other feeds' metrics alone", () => {
    given({
      feeds: new Set(['assessment']),
      records: { assessment: [] },
      stored: storedAs(stored('proficiency.math', 33, 91), stored('attendance_rate', 18, 20, '2024-09-30')),
    }).then([
      { table: 'school_metrics', op: 'delete', key: { schoolId: 'S1', schoolYear: '2024-25', metric: 'proficiency.math' } },
      {
        table: 'school_metric_history',
        op: 'upsert',
        key: { schoolId: 'S1', schoolYear: '2024-25', metric: 'proficiency.math', knownAt: T1 },
        values: { numerator: null, denominator: null, suppressed: false, partial: false, final: false, through: '', removed: true },
      },
    ]);
  });

  it('deletes a stored metric the metric table no longer knows, whichever feed changed', () => {
    given({ feeds: new Set(['attendance']), records: { attendance: [] }, stored: storedAs(stored('retired_metric', 1, 2)) }).then([
      { table: 'school_metrics', op: 'delete', key: { schoolId: 'S1', schoolYear: '2024-25', metric: 'retired_metric' } },
      {
        table: 'school_metric_history',
        op: 'upsert',
        key: { schoolId: 'S1', schoolYear: '2024-25', metric: 'retired_metric', knownAt: T1 },
        values: { numerator: null, denominator: null, suppressed: false, partial: false, final: false, through: '', removed: true },
      },
    ]);
  });

  it("divides the year's returning teachers by the year before's teachers: 30 of 40, final from the June report", () => {
    const [metric, history] = written({ ...stored('teacher_retention_rate', 30, 40), through: '2025-06-01' });
    given({
      feeds: new Set(['staffing']),
      records: { staffing: [staffing('2024-25', '2025-06-01', 44, 30)] },
      priorYearStaffing: [staffing('2023-24', '2024-06-01', 40)],
    }).then([metric, history]);
  });

  it('keeps retention open from an October report until a later year is reported, then final', () => {
    const open = { ...stored('teacher_retention_rate', 30, 40), final: false, through: '2024-10-01' };
    const facts = { feeds: new Set(['staffing'] as const), records: { staffing: [staffing('2024-25', '2024-10-01', 44, 30)] } };
    const priorYearStaffing = [staffing('2023-24', '2024-06-01', 40)];
    given({ ...facts, priorYearStaffing }).then(written(open).slice(0, 2));
    given({ ...facts, priorYearStaffing, laterYearStaffingReported: true, stored: storedAs(open) }).then(written({ ...open, final: true }));
  });

  it('sums the months of attendance in the order given (natural-key order), so equal records give equal values', () => {
    const months = [month('2024-09-01', '2024-09-30', 18), month('2024-10-01', '2024-10-31', 19)];
    const [metric, history] = written({ ...stored('attendance_rate', 37, 40, '2024-10-31'), final: false });
    given({ feeds: new Set(['attendance']), records: { attendance: months } }).then([metric, history]);
  });

  it('writes every upsert of the metrics, then every delete, then the history, so each is one statement', () => {
    const changes = planMetricChanges(
      ['S1', 'S2'].map((schoolId) => ({
        schoolId,
        schoolYear: '2024-25',
        feeds: new Set(['assessment'] as const),
        records: { assessment: [{ ...math('all', 10, 5), schoolId }] },
        priorYearStaffing: [],
        laterYearStaffingReported: false,
        stored: storedAs(stored('scale_score.math', 1, 1)),
      })),
      T1,
      NO_INDICATORS,
    );
    expect(changes.map(({ table, op }) => `${table} ${op}`)).toEqual([
      'school_metrics upsert',
      'school_metrics upsert',
      'school_metrics delete',
      'school_metrics delete',
      'school_metric_history upsert',
      'school_metric_history upsert',
      'school_metric_history upsert',
      'school_metric_history upsert',
    ]);
  });
});

describe('the records a piece of knowledge stores', () => {
  const event = (type: string, data: unknown, n: number): StoredEvent => ({
    type,
    schemaVersion: 1,
    data,
    metadata: { recordedAt: T1, source: { channel: 'system' }, correlationId: 'c', actor: 'test' },
    streamId: 'assessment-S1',
    revision: n,
    eventId: `e${n}`,
    position: String(n) as StoredEvent['position'],
  });

  it('stores runs of records, a key named twice keeping its later record, and retracts in log order between runs', () => {
    const steps = planRecordSteps(
      [
        event('AssessmentResultsReported', math('03', 40, 12), 1),
        event('ZoneRenamed', { zoneId: 'Z1', name: 'North' }, 2),
        event('AssessmentResultsReported', math('03', 40, 14), 3),
        event('RecordRetracted', { feed: 'assessment', naturalKey: 'S1/2024-25/spring/state_test/math/04/all', reason: 'mis-scored' }, 4),
        event('AssessmentResultsReported', math('04', 50, 18), 5),
      ],
      T1,
    );
    expect(steps).toEqual([
      { store: [{ feed: 'assessment', key: 'S1/2024-25/spring/state_test/math/03/all', record: math('03', 40, 14), recordedAt: T1 }] },
      { retract: { feed: 'assessment', naturalKey: 'S1/2024-25/spring/state_test/math/04/all' } },
      { store: [{ feed: 'assessment', key: 'S1/2024-25/spring/state_test/math/04/all', record: math('04', 50, 18), recordedAt: T1 }] },
    ]);
  });

  it("changes a record's own school year, and a staffing report next year's retention and last year's finality too", () => {
    expect(schoolYearsChangedBy('attendance', 'S1', '2024-25')).toEqual([{ schoolId: 'S1', schoolYear: '2024-25', feed: 'attendance' }]);
    expect(schoolYearsChangedBy('staffing', 'S1', '2024-25')).toEqual([
      { schoolId: 'S1', schoolYear: '2024-25', feed: 'staffing' },
      { schoolId: 'S1', schoolYear: '2025-26', feed: 'staffing' },
      { schoolId: 'S1', schoolYear: '2023-24', feed: 'staffing' },
    ]);
  });
});
