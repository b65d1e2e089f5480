import { GRADES, lastDayOfSchoolYear, startCalendarYear } from '@turnaround/domain';

/**
 * Record builders shared by the demo zone (`demo-zone.ts`) and the state-sized bench dataset
 * (`state-dataset.ts`): one school's assessment rows, attendance month and staffing report, in
 * the canonical shape of the feeds (docs/feeds.md).
 */

const TESTED_GRADES = GRADES.filter((grade) => grade >= '03' && grade <= '08');

/**
 * Grade 03-08 rows plus the all-grades row (as vendor files carry them). With `suppressSmall`,
 * grade 08 has 6 students and is suppressed: the all-grades row still counts them.
 */
export function gradeRows(
  schoolId: string,
  schoolYear: string,
  subject: string,
  rate: number,
  options: { suppressSmall?: boolean; window?: string; assessment?: string; studentGroup?: string } = {},
): Record<string, unknown>[] {
  const { suppressSmall = false, window = 'annual', assessment = 'state_test', studentGroup = 'all' } = options;
  const rows = TESTED_GRADES.map((grade, g) => {
    const tested = suppressSmall && grade === '08' ? 6 : 60 + ((g * 7 + schoolId.length * 3) % 15);
    const proficient = Math.round(tested * Math.min(0.95, Math.max(0.02, rate + (g - 2.5) * 0.01)));
    const suppressed = tested < 10;
    return {
      schoolId,
      schoolYear,
      window,
      assessment,
      subject,
      grade,
      studentGroup,
      tested,
      proficient: suppressed ? null : proficient,
      suppressed,
      counted: proficient,
    };
  });
  const all = {
    ...rows[0],
    grade: 'all',
    tested: rows.reduce((sum, row) => sum + row.tested, 0),
    proficient: rows.reduce((sum, row) => sum + row.counted, 0),
    suppressed: false,
  };
  return [...rows, all].map(({ counted: _counted, ...row }) => row);
}

/** One calendar month of attendance (`month` 1-12) in a school year, at `rate`, for `enrollment` students. */
export function attendanceMonth(schoolId: string, schoolYear: string, month: number, rate: number, enrollment = 400): Record<string, unknown> {
  const start = startCalendarYear(schoolYear);
  const calendarYear = month >= 7 ? start : start + 1;
  const periodStart = `${calendarYear}-${String(month).padStart(2, '0')}-01`;
  const periodEnd = month === 6 ? lastDayOfSchoolYear(schoolYear) : new Date(Date.UTC(calendarYear, month, 0)).toISOString().slice(0, 10);
  const membershipDays = enrollment * 20;
  const elapsed = ((month + 5) % 12) + 1; // September is month 1 of the school year
  return {
    schoolId,
    schoolYear,
    periodStart,
    periodEnd,
    membershipDays,
    attendanceDays: Math.round(membershipDays * rate),
    enrollment,
    chronicallyAbsent: Math.round((6 * elapsed * enrollment) / 400),
  };
}

/** A staffing report of `teachers` teachers, `returning` of them back from last year, and `newHires` hired. */
export function staffingReport(
  schoolId: string,
  schoolYear: string,
  asOf: string,
  staff: { teachers: number; returning: number; newHires: number },
): Record<string, unknown> {
  const { teachers, returning, newHires } = staff;
  return {
    schoolId,
    schoolYear,
    asOf,
    teachers,
    teachersReturning: returning,
    newHires,
    vacancies: asOf.slice(5) === '10-01' ? 3 : 1,
    teacherAbsenceDays: teachers * 7.5,
    teacherWorkDays: teachers * 180,
  };
}
