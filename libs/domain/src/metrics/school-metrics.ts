import { AssessmentResultsReported, AttendanceReported, IndicatorReported, StaffingReported } from '../events/feed-events';
import { lastDayOfSchoolYear, SchoolYear, startCalendarYear } from '../school-year';
import { attendancePeriodsInForce } from '../feeds/attendance-periods';
import { IndicatorCatalogue } from './indicator-catalogue';

/**
 * One metric of one school (or roll-up) in one school year, kept as numerator and denominator
 * so that roll-ups sum both (docs/metrics.md). A rate is never averaged.
 */
export interface MetricValue {
  metric: string;
  /** Both null when every row the value would come from was suppressed by the vendor. */
  numerator: number | null;
  denominator: number | null;
  suppressed: boolean;
  /** Some rows it sums were suppressed: the value covers the reported rows only. */
  partial: boolean;
  /** The year's final result (docs/domain.md#statuses); otherwise leading evidence while the year is open. */
  final: boolean;
  /** How far the evidence reaches: an assessment window, or the last date covered. */
  through: string;
}

export function rateOf(value: Pick<MetricValue, 'numerator' | 'denominator'>): number | null {
  return value.numerator === null || value.denominator === null || value.denominator === 0 ? null : value.numerator / value.denominator;
}

type Assessment = AssessmentResultsReported['data'];
type Attendance = AttendanceReported['data'];
type Staffing = StaffingReported['data'];
type Indicator = IndicatorReported['data'];

/** The current records of one school and school year: restated ones replaced, retracted ones gone. */
export interface SchoolYearFacts {
  schoolYear: SchoolYear;
  assessment: readonly Assessment[];
  attendance: readonly Attendance[];
  staffing: readonly Staffing[];
  indicators: readonly Indicator[];
  /** Staffing reports of the year before: teacher retention divides by its teachers. */
  priorYearStaffing: readonly Staffing[];
  /** A staffing report of a later year exists: this year's last report is then final. */
  laterYearStaffingReported: boolean;
}

/** Every metric the facts of one school year give (the table of docs/metrics.md). */
export function schoolYearMetrics(facts: SchoolYearFacts, indicators: IndicatorCatalogue): MetricValue[] {
  return [
    ...assessmentMetrics(facts.assessment),
    ...attendanceMetrics(facts.schoolYear, attendancePeriodsInForce(facts.attendance)),
    ...staffingMetrics(facts),
    ...facts.indicators.map((row) => indicatorValue(row, indicators)),
  ].sort((a, b) => (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0));
}

/**
 * A count is its numerator alone (over 1, so roll-ups still sum both); a rate or ratio is
 * numerator / denominator. An uncatalogued indicator is kept as reported, over 1 without a
 * denominator: its kind is unknown, so nothing is made of it.
 */
function indicatorValue(row: Indicator, indicators: IndicatorCatalogue): MetricValue {
  const denominator = indicators.get(row.indicator)?.kind === 'count' ? 1 : (row.denominator ?? 1);
  return value(`indicator.${row.indicator}`, row.numerator, denominator, true, 'annual');
}

const FINAL_WINDOWS = ['annual', 'spring'] as const;
const INTERIM_WINDOWS = ['winter', 'fall'] as const;

function assessmentMetrics(rows: readonly Assessment[]): MetricValue[] {
  const values: MetricValue[] = [];
  const allStudents = rows.filter((row) => row.studentGroup === 'all');
  for (const subject of [...new Set(allStudents.map((row) => row.subject))].sort()) {
    const ofSubject = allStudents.filter((row) => row.subject === subject);
    const final = finalRows(ofSubject);
    if (final.rows.length > 0) {
      values.push(counted(`proficiency.${subject}`, final.rows, (row) => row.proficient, true, final.window));
      const scored = final.rows.filter((row) => row.meanScaleScore !== undefined);
      if (scored.length > 0)
        values.push(
          counted(
            `scale_score.${subject}`,
            scored,
            (row) => (row.meanScaleScore == null || row.tested === null ? null : row.meanScaleScore * row.tested),
            true,
            final.window,
          ),
        );
    }
    // The latest interim window is the leading evidence; the winter one is the last of the year.
    const interim = INTERIM_WINDOWS.find((window) => ofSubject.some((row) => row.window === window));
    if (interim) {
      const slice = gradeRule(ofSubject.filter((row) => row.window === interim));
      values.push(counted(`interim_proficiency.${subject}`, slice, (row) => row.proficient, interim === 'winter', interim));
    }
  }
  return values;
}

/** Per assessment, its `annual` rows if it has any, else its `spring` rows; each through the grade rule. */
function finalRows(rows: readonly Assessment[]): { rows: Assessment[]; window: string } {
  const picked: Assessment[] = [];
  let window = 'spring';
  for (const assessment of [...new Set(rows.map((row) => row.assessment))].sort()) {
    const ofAssessment = rows.filter((row) => row.assessment === assessment);
    const finalWindow = FINAL_WINDOWS.find((candidate) => ofAssessment.some((row) => row.window === candidate));
    if (!finalWindow) continue;
    if (finalWindow === 'annual') window = 'annual';
    picked.push(...gradeRule(ofAssessment.filter((row) => row.window === finalWindow)));
  }
  return { rows: picked, window };
}

/** Where an all-grades row exists it is used, otherwise the grade rows are summed; never both (docs/metrics.md). */
function gradeRule<Row extends { grade: string }>(rows: readonly Row[]): Row[] {
  const all = rows.filter((row) => row.grade === 'all');
  return all.length > 0 ? all : [...rows];
}

/** Sums a count over rows and `tested` as its denominator, leaving out rows whose count is suppressed. */
function counted(metric: string, rows: readonly Assessment[], count: (row: Assessment) => number | null, final: boolean, through: string): MetricValue {
  const known = rows.filter((row) => row.tested !== null && count(row) !== null);
  if (known.length === 0) return { metric, numerator: null, denominator: null, suppressed: true, partial: false, final, through };
  const numerator = known.reduce((sum, row) => sum + (count(row) as number), 0);
  const denominator = known.reduce((sum, row) => sum + (row.tested as number), 0);
  return { ...value(metric, numerator, denominator, final, through), partial: known.length < rows.length };
}

function attendanceMetrics(year: SchoolYear, rows: readonly Attendance[]): MetricValue[] {
  if (rows.length === 0) return [];
  const through = rows.reduce((latest, row) => (row.periodEnd > latest ? row.periodEnd : latest), rows[0].periodEnd);
  const final = through >= lastDayOfSchoolYear(year);
  const values = [
    value(
      'attendance_rate',
      rows.reduce((sum, row) => sum + row.attendanceDays, 0),
      rows.reduce((sum, row) => sum + row.membershipDays, 0),
      final,
      through,
    ),
  ];
  // Chronic absence is a count of students so far this year: the latest period's count, not a sum.
  const latest = [...rows]
    .filter((row) => row.chronicallyAbsent !== undefined && row.enrollment !== undefined)
    .sort((a, b) => (a.periodEnd < b.periodEnd ? 1 : -1))[0];
  if (latest) values.push(value('chronic_absence_rate', latest.chronicallyAbsent as number, latest.enrollment as number, final, latest.periodEnd));
  return values;
}

function staffingMetrics(facts: SchoolYearFacts): MetricValue[] {
  const latest = latestReport(facts.staffing);
  if (!latest) return [];
  const juneOfYear = `${startCalendarYear(facts.schoolYear) + 1}-06`;
  const final = latest.asOf.startsWith(juneOfYear) || facts.laterYearStaffingReported;
  const values: MetricValue[] = [];
  const add = (metric: string, numerator: number, denominator: number) => values.push(value(metric, numerator, denominator, final, latest.asOf));
  if (latest.vacancies !== undefined) add('vacancy_rate', latest.vacancies, latest.teachers + latest.vacancies);
  if (latest.newHires !== undefined) add('new_teacher_share', latest.newHires, latest.teachers);
  if (latest.teacherAbsenceDays !== undefined && latest.teacherWorkDays !== undefined)
    add('teacher_attendance_rate', latest.teacherWorkDays - latest.teacherAbsenceDays, latest.teacherWorkDays);
  const prior = latestReport(facts.priorYearStaffing);
  if (latest.teachersReturning !== undefined && prior) add('teacher_retention_rate', latest.teachersReturning, prior.teachers);
  return values;
}

function latestReport(rows: readonly Staffing[]): Staffing | undefined {
  return rows.reduce<Staffing | undefined>((latest, row) => (!latest || row.asOf > latest.asOf ? row : latest), undefined);
}

function value(metric: string, numerator: number, denominator: number, final: boolean, through: string): MetricValue {
  return { metric, numerator, denominator, suppressed: false, partial: false, final, through };
}
