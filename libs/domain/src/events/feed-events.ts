import { z } from 'zod';
import { firstDayOfSchoolYear, lastDayOfSchoolYear, parseSchoolYear, schoolYearSchema } from '../school-year';
import { amountSchema, countSchema, defineEvent, EventOf, idSchema, isoDateSchema, slugSchema } from './event';

/**
 * School-level feed facts (docs/feeds.md). The grain is one school, one period, one
 * slice; student-level data never enters the store. A suppressed count is `null` with
 * `suppressed: true`, never zero.
 */

export const ASSESSMENT_WINDOWS = ['fall', 'winter', 'spring', 'annual'] as const;
export const GRADES = ['all', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12'] as const;
/** `all` and the ESSA reporting groups. */
export const STUDENT_GROUPS = [
  'all',
  'economically_disadvantaged',
  'students_with_disabilities',
  'english_learners',
  'american_indian_alaska_native',
  'asian',
  'black',
  'hispanic',
  'native_hawaiian_pacific_islander',
  'white',
  'two_or_more_races',
  'homeless',
  'foster_care',
  'military_connected',
] as const;

const suppressibleCount = countSchema.nullable();

/**
 * Assessment codes are written as states write them (`MCAS`, `STAAR`) and stored in lower case,
 * so `MCAS` and `mcas` are one assessment (one natural key).
 */
export const assessmentCodeSchema = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'expected an assessment code of letters, digits and _, in any case (e.g. "MCAS")')
  .toLowerCase();

/**
 * True when both are valid amounts and the first is larger. zod runs refinements even after a
 * field failed its own check; comparing a negative or missing count would add a second,
 * misleading issue to the one that names the real fault.
 */
function exceeds(value: number | null | undefined, limit: number | null | undefined): boolean {
  const valid = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 0;
  return valid(value) && valid(limit) && value > limit;
}

export const assessmentResultsReported = defineEvent(
  'AssessmentResultsReported',
  1,
  z
    .strictObject({
      schoolId: idSchema,
      schoolYear: schoolYearSchema,
      window: z.enum(ASSESSMENT_WINDOWS),
      assessment: assessmentCodeSchema,
      subject: slugSchema,
      grade: z.enum(GRADES),
      studentGroup: z.enum(STUDENT_GROUPS),
      tested: suppressibleCount,
      proficient: suppressibleCount,
      levels: z.record(z.string().min(1), suppressibleCount).optional(),
      meanScaleScore: amountSchema.nullable().optional(),
      suppressed: z.boolean().default(false),
    })
    .superRefine((row, context) => {
      const issue = (path: string, message: string) => context.addIssue({ code: 'custom', path: [path], message });
      if (!row.suppressed) {
        if (row.tested === null) issue('tested', 'expected the number tested (or mark the row suppressed)');
        if (row.proficient === null) issue('proficient', 'expected the number proficient (or mark the row suppressed)');
      }
      if (exceeds(row.proficient, row.tested)) issue('proficient', `expected at most the number tested (${row.tested}), got ${row.proficient}`);
    }),
);

export const attendanceReported = defineEvent(
  'AttendanceReported',
  1,
  z
    .strictObject({
      schoolId: idSchema,
      schoolYear: schoolYearSchema,
      periodStart: isoDateSchema,
      periodEnd: isoDateSchema,
      membershipDays: amountSchema,
      attendanceDays: amountSchema,
      enrollment: countSchema.optional(),
      chronicallyAbsent: countSchema.optional(),
    })
    .superRefine((row, context) => {
      const issue = (path: string, message: string) => context.addIssue({ code: 'custom', path: [path], message });
      if (row.periodEnd < row.periodStart) issue('periodEnd', `expected a date on or after periodStart ${row.periodStart}`);
      if (exceeds(row.attendanceDays, row.membershipDays))
        issue('attendanceDays', `expected at most membershipDays (${row.membershipDays}), got ${row.attendanceDays}`);
      if (row.chronicallyAbsent !== undefined && row.enrollment === undefined) issue('enrollment', 'expected enrollment whenever chronicallyAbsent is given');
      if (exceeds(row.chronicallyAbsent, row.enrollment))
        issue('chronicallyAbsent', `expected at most enrollment (${row.enrollment}), got ${row.chronicallyAbsent}`);
      // zod runs refinements even when a field failed its own check: only a real school year has days
      if (parseSchoolYear(row.schoolYear) === undefined) return;
      const start = firstDayOfSchoolYear(row.schoolYear);
      const end = lastDayOfSchoolYear(row.schoolYear);
      if (row.periodStart < start || row.periodEnd > end) issue('periodStart', `expected a period inside school year ${row.schoolYear} (${start} to ${end})`);
    }),
);

export const staffingReported = defineEvent(
  'StaffingReported',
  1,
  z
    .strictObject({
      schoolId: idSchema,
      schoolYear: schoolYearSchema,
      asOf: isoDateSchema,
      teachers: countSchema,
      teachersReturning: countSchema.optional(),
      newHires: countSchema.optional(),
      vacancies: countSchema.optional(),
      principalNew: z.boolean().optional(),
      teacherAbsenceDays: amountSchema.optional(),
      teacherWorkDays: amountSchema.optional(),
    })
    .superRefine((row, context) => {
      const issue = (path: string, message: string) => context.addIssue({ code: 'custom', path: [path], message });
      if (exceeds(row.newHires, row.teachers)) issue('newHires', `expected at most the number of teachers (${row.teachers}), got ${row.newHires}`);
      if (exceeds(row.teachersReturning, row.teachers))
        issue('teachersReturning', `expected at most the number of teachers (${row.teachers}), got ${row.teachersReturning}`);
      if ((row.teacherAbsenceDays === undefined) !== (row.teacherWorkDays === undefined))
        issue('teacherWorkDays', 'expected teacherAbsenceDays and teacherWorkDays together');
      if (exceeds(row.teacherAbsenceDays, row.teacherWorkDays))
        issue('teacherAbsenceDays', `expected at most teacherWorkDays (${row.teacherWorkDays}), got ${row.teacherAbsenceDays}`);
    }),
);

export const indicatorReported = defineEvent(
  'IndicatorReported',
  1,
  z.strictObject({
    schoolId: idSchema,
    schoolYear: schoolYearSchema,
    indicator: slugSchema,
    numerator: amountSchema,
    denominator: z.number().finite().positive('expected a denominator above 0').optional(),
  }),
);

export const FEED_KINDS = ['assessment', 'attendance', 'staffing', 'indicators'] as const;
export type FeedKind = (typeof FEED_KINDS)[number];

/** Withdraws a feed record; nothing is deleted, projections stop counting it. */
export const recordRetracted = defineEvent(
  'RecordRetracted',
  1,
  z.strictObject({ feed: z.enum(FEED_KINDS), naturalKey: z.string().min(1), reason: z.string().min(1) }),
);

/**
 * A push ended: every event of the batch is stored. The facts of one push are known together
 * (one knowledge time), and this marks where that knowledge is complete in the log, so a
 * projection that judges at each knowledge time judges a push whole however the log is paged.
 */
export const feedBatchClosed = defineEvent(
  'FeedBatchClosed',
  1,
  z.strictObject({
    batchId: z.string().min(1),
    feed: z.enum(FEED_KINDS),
    status: z.enum(['completed', 'failed']),
    accepted: countSchema,
    restated: countSchema,
  }),
);

export type AssessmentResultsReported = EventOf<typeof assessmentResultsReported>;
export type AttendanceReported = EventOf<typeof attendanceReported>;
export type StaffingReported = EventOf<typeof staffingReported>;
export type IndicatorReported = EventOf<typeof indicatorReported>;
export type RecordRetracted = EventOf<typeof recordRetracted>;
export type FeedBatchClosed = EventOf<typeof feedBatchClosed>;
export type FeedEvent = AssessmentResultsReported | AttendanceReported | StaffingReported | IndicatorReported | RecordRetracted;
