import { ValidationError } from '../errors';
import { AssessmentResultsReported, AttendanceReported, FeedKind, StaffingReported } from '../events/feed-events';
import { FeedRecord } from '../feeds/feed-record';
import { lastDayOfSchoolYear } from '../school-year';

/**
 * Data coverage (docs/domain.md#statuses): for a school and a feed, the last period received and
 * how late the next one is against the feed's cadence. A feed is due in some months of the year
 * (attendance every school month, staffing in October and June, the state test in June, when
 * the school year it covers ends), and its report for a month is late once the month and the
 * grace days after it have passed. A record "reports" the month its period ends in.
 */

/** When a feed is due: the months (1-12) whose report is expected, and the days of grace after such a month ends. */
export interface FeedCadence {
  months: readonly number[];
  graceDays: number;
}

/** The feeds whose coverage is watched; a feed without a cadence (indicators by default) is not. */
export type FeedCadences = Partial<Record<FeedKind, FeedCadence>>;

export const DEFAULT_FEED_CADENCES: FeedCadences = {
  // September to June; a month's attendance by the 15th of the next.
  attendance: { months: [9, 10, 11, 12, 1, 2, 3, 4, 5, 6], graceDays: 15 },
  // The October count and the June report, each within 30 days.
  staffing: { months: [10, 6], graceDays: 30 },
  // The state test of the school year ending in June, by September 30.
  assessment: { months: [6], graceDays: 92 },
};

/** One school's feed as the coverage judges it. */
export interface CoverageFacts {
  feed: FeedKind;
  /** The latest date a received record's period reaches (YYYY-MM-DD); undefined when none arrived. */
  lastPeriodEnd?: string;
  /** From when the feed is expected of the school (its registration, YYYY-MM-DD): the first report due is that month's. */
  expectedFrom: string;
}

export interface FeedCoverage {
  feed: FeedKind;
  lastPeriodEnd: string | null;
  /** The month whose report comes next, YYYY-MM. */
  nextPeriod: string;
  /** The last day that report is on time. */
  dueBy: string;
  /** Days past `dueBy` on the reference date; 0 when it is not yet late. */
  daysOverdue: number;
  overdue: boolean;
}

/**
 * The last day a record's period reaches (YYYY-MM-DD): what the record counts for as received.
 * Attendance reaches its periodEnd, a staffing report its asOf date (both checked YYYY-MM-DD
 * dates by the feeds' schemas); the state test (the spring or annual window) and an indicator
 * cover their school year, to June 30. Null for an interim test, which is not the state test
 * the assessment cadence waits for.
 */
export function periodEndOf(feed: FeedKind, record: FeedRecord): string | null {
  switch (feed) {
    case 'attendance':
      return (record as AttendanceReported['data']).periodEnd;
    case 'staffing':
      return (record as StaffingReported['data']).asOf;
    case 'assessment': {
      const { window } = record as AssessmentResultsReported['data'];
      return window === 'spring' || window === 'annual' ? lastDayOfSchoolYear(record.schoolYear) : null;
    }
    case 'indicators':
      return lastDayOfSchoolYear(record.schoolYear);
  }
}

const DAY_MS = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * The coverage of one feed of a school on `today` (YYYY-MM-DD): the first month of the cadence
 * after the month of the last period received (or from the month the feed is expected from,
 * when nothing arrived), due at the end of that month plus the grace days.
 */
export function feedCoverage(cadence: FeedCadence, facts: CoverageFacts, today: string): FeedCoverage {
  checkDate('today', today);
  const first = facts.lastPeriodEnd === undefined ? monthOf('expectedFrom', facts.expectedFrom) : monthOf('lastPeriodEnd', facts.lastPeriodEnd) + 1;
  const next = nextCadenceMonth(cadence, first);
  const dueBy = addDays(lastDayOfMonth(next), cadence.graceDays);
  const daysOverdue = Math.max(0, daysBetween(dueBy, today));
  return { feed: facts.feed, lastPeriodEnd: facts.lastPeriodEnd ?? null, nextPeriod: monthText(next), dueBy, daysOverdue, overdue: daysOverdue > 0 };
}

/** A cadence written `9,10,11,12,1,2,3,4,5,6:15`: the months it is due in, then the days of grace. */
export function parseFeedCadence(field: string, text: string): FeedCadence {
  const match = /^\s*(\d{1,2}(?:\s*,\s*\d{1,2})*)\s*:\s*(\d{1,3})\s*$/.exec(text);
  const months = match ? match[1].split(',').map(Number) : [];
  if (!match || months.some((month) => month < 1 || month > 12) || new Set(months).size !== months.length)
    throw ValidationError.of(
      field,
      `expected the months it is due in (1-12, each once, comma-separated), a colon and the days of grace, e.g. 10,6:30; got '${text}'`,
    );
  return { months, graceDays: Number(match[2]) };
}

function checkDate(field: string, date: string): RegExpExecArray {
  const match = DATE.exec(date);
  if (!match) throw ValidationError.of(field, `expected a date written YYYY-MM-DD, got '${date}'`);
  return match;
}

/** Months counted from year 0: January of year y is 12 y. */
function monthOf(field: string, date: string): number {
  const match = checkDate(field, date);
  return Number(match[1]) * 12 + Number(match[2]) - 1;
}

function nextCadenceMonth(cadence: FeedCadence, from: number): number {
  for (let month = from; month < from + 12; month += 1) if (cadence.months.includes((month % 12) + 1)) return month;
  throw ValidationError.of('months', 'expected a cadence with at least one month');
}

function monthText(month: number): string {
  return `${String(Math.floor(month / 12)).padStart(4, '0')}-${String((month % 12) + 1).padStart(2, '0')}`;
}

function lastDayOfMonth(month: number): string {
  return new Date(Date.UTC(Math.floor(month / 12), (month % 12) + 1, 0)).toISOString().slice(0, 10);
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Whole days from `earlier` to `later` (negative when `later` comes first). */
function daysBetween(earlier: string, later: string): number {
  return Math.round((Date.parse(`${later}T00:00:00Z`) - Date.parse(`${earlier}T00:00:00Z`)) / DAY_MS);
}
