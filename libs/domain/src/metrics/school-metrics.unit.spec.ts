import { AssessmentResultsReported, AttendanceReported, FEED_KINDS, StaffingReported } from '../events/feed-events';
import { feedOfMetric } from './metric-catalogue';
import { IndicatorCatalogue } from './indicator-catalogue';
import { MetricValue, rateOf, schoolYearMetrics, SchoolYearFacts } from './school-metrics';

const NO_INDICATORS = new IndicatorCatalogue([]);

type Row = AssessmentResultsReported['data'];
const row = (grade: Row['grade'], tested: number | null, proficient: number | null, extra: Partial<Row> = {}): Row => ({
  schoolId: 'S1',
  schoolYear: '2024-25',
  window: 'spring',
  assessment: 'state_test',
  subject: 'math',
  grade,
  studentGroup: 'all',
  tested,
  proficient,
  suppressed: tested === null || proficient === null,
  ...extra,
});
const facts = (partial: Partial<SchoolYearFacts>): SchoolYearFacts => ({
  schoolYear: '2024-25',
  assessment: [],
  attendance: [],
  staffing: [],
  indicators: [],
  priorYearStaffing: [],
  laterYearStaffingReported: false,
  ...partial,
});
const metric = (values: ReturnType<typeof schoolYearMetrics>, name: string) => values.find((value) => value.metric === name);

describe('school metrics (docs/metrics.md), computed by hand', () => {
  it('uses the all-grades row where it exists, never adding the grade rows to it', () => {
    // grade rows 12/40 + 18/50 = 30/90; the all row says 31/91 (a late-tested student): 31/91 wins
    const values = schoolYearMetrics(facts({ assessment: [row('03', 40, 12), row('04', 50, 18), row('all', 91, 31)] }), NO_INDICATORS);
    expect(metric(values, 'proficiency.math')).toEqual({
      metric: 'proficiency.math',
      numerator: 31,
      denominator: 91,
      suppressed: false,
      partial: false,
      final: true,
      through: 'spring',
    });
  });

  it('sums the grade rows when there is no all-grades row, leaving out a suppressed grade and saying so', () => {
    const values = schoolYearMetrics(facts({ assessment: [row('03', 40, 12), row('04', 50, 18), row('05', 6, null)] }), NO_INDICATORS);
    expect(metric(values, 'proficiency.math')).toMatchObject({ numerator: 30, denominator: 90, partial: true, suppressed: false });
  });

  it('records a suppressed all-grades row as suppressed, not as zero and not from the grade rows', () => {
    const values = schoolYearMetrics(facts({ assessment: [row('03', 4, 1), row('all', null, null)] }), NO_INDICATORS);
    expect(metric(values, 'proficiency.math')).toMatchObject({ numerator: null, denominator: null, suppressed: true });
  });

  it('takes an assessment\'s annual rows over its spring rows, and only the group "all"', () => {
    const values = schoolYearMetrics(
      facts({ assessment: [row('all', 100, 40), row('all', 100, 45, { window: 'annual' }), row('all', 20, 2, { studentGroup: 'english_learners' })] }),
      NO_INDICATORS,
    );
    expect(metric(values, 'proficiency.math')).toMatchObject({ numerator: 45, denominator: 100, through: 'annual' });
  });

  it('weights the scale score by the number tested: sum(mean x tested) / tested', () => {
    // (650 x 40 + 670 x 60) / 100 = (26000 + 40200) / 100 = 662
    const values = schoolYearMetrics(
      facts({ assessment: [row('03', 40, 10, { meanScaleScore: 650 }), row('04', 60, 30, { meanScaleScore: 670 })] }),
      NO_INDICATORS,
    );
    expect(metric(values, 'scale_score.math')).toMatchObject({ numerator: 66200, denominator: 100 });
    expect(rateOf(metric(values, 'scale_score.math') as MetricValue)).toBe(662);
  });

  it('reads interim proficiency from the latest interim window, as leading evidence', () => {
    const values = schoolYearMetrics(facts({ assessment: [row('all', 80, 20, { window: 'fall' }), row('all', 82, 30, { window: 'winter' })] }), NO_INDICATORS);
    expect(metric(values, 'interim_proficiency.math')).toMatchObject({ numerator: 30, denominator: 82, through: 'winter' });
    expect(metric(values, 'proficiency.math')).toBeUndefined();
  });

  it('sums attendance year to date, final once the periods reach June 30; chronic absence from the latest period', () => {
    const period = (
      periodStart: string,
      periodEnd: string,
      membershipDays: number,
      attendanceDays: number,
      chronicallyAbsent?: number,
    ): AttendanceReported['data'] => ({
      schoolId: 'S1',
      schoolYear: '2024-25',
      periodStart,
      periodEnd,
      membershipDays,
      attendanceDays,
      ...(chronicallyAbsent === undefined ? {} : { enrollment: 400, chronicallyAbsent }),
    });
    const open = schoolYearMetrics(
      facts({ attendance: [period('2024-09-01', '2024-12-31', 30000, 27600, 40), period('2025-01-01', '2025-03-31', 24000, 21600, 70)] }),
      NO_INDICATORS,
    );
    // (27600 + 21600) / (30000 + 24000) = 49200 / 54000 = 0.9111
    expect(metric(open, 'attendance_rate')).toMatchObject({ numerator: 49200, denominator: 54000, final: false, through: '2025-03-31' });
    expect(metric(open, 'chronic_absence_rate')).toMatchObject({ numerator: 70, denominator: 400, final: false });
    const closed = schoolYearMetrics(
      facts({ attendance: [period('2024-09-01', '2025-03-31', 54000, 49200), period('2025-04-01', '2025-06-30', 18000, 16000)] }),
      NO_INDICATORS,
    );
    expect(metric(closed, 'attendance_rate')).toMatchObject({ numerator: 65200, denominator: 72000, final: true });
  });

  it("computes staffing from the year's latest report, retention against last year's teachers", () => {
    const report = (asOf: string, extra: Partial<StaffingReported['data']>): StaffingReported['data'] => ({
      schoolId: 'S1',
      schoolYear: asOf < '2025-07-01' ? '2024-25' : '2025-26',
      asOf,
      teachers: 40,
      ...extra,
    });
    const values = schoolYearMetrics(
      facts({
        staffing: [
          report('2024-10-01', { vacancies: 9 }),
          report('2025-06-15', { vacancies: 2, teachersReturning: 30, newHires: 10, teacherAbsenceDays: 300, teacherWorkDays: 7200 }),
        ],
        priorYearStaffing: [report('2024-06-10', { teachers: 44 })],
      }),
      NO_INDICATORS,
    );
    expect(metric(values, 'vacancy_rate')).toMatchObject({ numerator: 2, denominator: 42, final: true, through: '2025-06-15' });
    expect(metric(values, 'teacher_retention_rate')).toMatchObject({ numerator: 30, denominator: 44 });
    expect(metric(values, 'new_teacher_share')).toMatchObject({ numerator: 10, denominator: 40 });
    expect(metric(values, 'teacher_attendance_rate')).toMatchObject({ numerator: 6900, denominator: 7200 });
    // an October report alone is leading evidence, until a later year's report closes the year
    expect(metric(schoolYearMetrics(facts({ staffing: [report('2024-10-01', { vacancies: 9 })] }), NO_INDICATORS), 'vacancy_rate')).toMatchObject({
      final: false,
    });
    expect(
      metric(schoolYearMetrics(facts({ staffing: [report('2024-10-01', { vacancies: 9 })], laterYearStaffingReported: true }), NO_INDICATORS), 'vacancy_rate'),
    ).toMatchObject({ final: true });
  });

  it("computes each feed's metrics from that feed's records alone, so a change to one feed recomputes only its metrics", () => {
    const staffing = (schoolYear: string, asOf: string, teachers: number, extra: Partial<StaffingReported['data']> = {}): StaffingReported['data'] => ({
      schoolId: 'S1',
      schoolYear,
      asOf,
      teachers,
      ...extra,
    });
    const all = facts({
      assessment: [row('all', 91, 31, { meanScaleScore: 742 }), row('all', 80, 20, { window: 'winter' })],
      attendance: [
        {
          schoolId: 'S1',
          schoolYear: '2024-25',
          periodStart: '2024-09-01',
          periodEnd: '2024-12-31',
          membershipDays: 30000,
          attendanceDays: 27600,
          enrollment: 400,
          chronicallyAbsent: 40,
        },
      ],
      staffing: [staffing('2024-25', '2025-06-15', 40, { vacancies: 2, teachersReturning: 30, newHires: 10, teacherAbsenceDays: 300, teacherWorkDays: 7200 })],
      indicators: [{ schoolId: 'S1', schoolYear: '2024-25', indicator: 'dropouts', numerator: 12, denominator: 480 }],
      priorYearStaffing: [staffing('2023-24', '2024-06-10', 44)],
      laterYearStaffingReported: true,
    });
    const only = (feed: (typeof FEED_KINDS)[number]) =>
      facts({
        [feed]: all[feed],
        ...(feed === 'staffing' ? { priorYearStaffing: all.priorYearStaffing, laterYearStaffingReported: all.laterYearStaffingReported } : {}),
      });
    const byFeed = FEED_KINDS.map((feed) => ({ feed, values: schoolYearMetrics(only(feed), NO_INDICATORS) }));
    for (const { feed, values } of byFeed) expect(values.map((value) => feedOfMetric(value.metric))).toEqual(values.map(() => feed));
    const together = byFeed.flatMap(({ values }) => values).sort((a, b) => (a.metric < b.metric ? -1 : 1));
    expect(together).toEqual(schoolYearMetrics(all, NO_INDICATORS));
    expect(together).toHaveLength(10);
  });

  it('takes any indicator as numerator and denominator, with no new code', () => {
    const values = schoolYearMetrics(
      facts({ indicators: [{ schoolId: 'S1', schoolYear: '2024-25', indicator: 'dropouts', numerator: 12, denominator: 480 }] }),
      NO_INDICATORS,
    );
    expect(metric(values, 'indicator.dropouts')).toMatchObject({ numerator: 12, denominator: 480, final: true });
  });
});
