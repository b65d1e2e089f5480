import { z } from 'zod';
import { EARLIEST_YEAR, LATEST_YEAR } from './calendar';

/**
 * A school year is written "2024-25" and runs July 1 to June 30. Contract year k is the k-th
 * school year from a contract's start year (docs/domain.md#valid-time-and-knowledge-time).
 */
export type SchoolYear = string;

const SCHOOL_YEAR = /^(\d{4})-(\d{2})$/;

/**
 * What is wrong with a school year as written, in words; undefined when it is one: YYYY-YY,
 * the second part the year after the first, both calendar years from 1900 to 2100. Said
 * without the value, as a schema issue is (a query parameter's refusal adds "got ...").
 */
export function schoolYearProblem(text: string): string | undefined {
  const match = SCHOOL_YEAR.exec(text);
  if (!match) return 'expected a school year written YYYY-YY with consecutive years, e.g. "2024-25"';
  const start = Number(match[1]);
  if ((start + 1) % 100 !== Number(match[2])) return `expected the year after ${match[1]} as the second part: "${schoolYearStartingIn(start)}"`;
  if (start < EARLIEST_YEAR || start + 1 > LATEST_YEAR)
    return `expected a school year from ${schoolYearStartingIn(EARLIEST_YEAR)} to ${schoolYearStartingIn(LATEST_YEAR - 1)}`;
  return undefined;
}

/** The calendar year a school year starts in, or undefined when it is not a school year (schoolYearProblem says why). */
export function parseSchoolYear(text: string): number | undefined {
  return schoolYearProblem(text) === undefined ? Number(text.slice(0, 4)) : undefined;
}

export const schoolYearSchema = z.string().superRefine((text, context) => {
  const problem = schoolYearProblem(text);
  if (problem) context.addIssue({ code: 'custom', message: problem });
});

/** The calendar year in which the school year starts (July 1). */
export function startCalendarYear(year: SchoolYear): number {
  const start = parseSchoolYear(year);
  if (start === undefined) throw new RangeError(`not a school year: ${year}`);
  return start;
}

export function schoolYearStartingIn(calendarYear: number): SchoolYear {
  return `${calendarYear}-${String((calendarYear + 1) % 100).padStart(2, '0')}`;
}

export function addSchoolYears(year: SchoolYear, count: number): SchoolYear {
  return schoolYearStartingIn(startCalendarYear(year) + count);
}

/** Positive when `later` comes after `earlier`, in whole school years. */
export function schoolYearsBetween(earlier: SchoolYear, later: SchoolYear): number {
  return startCalendarYear(later) - startCalendarYear(earlier);
}

/** Contract year (1-based) of `year` for a contract starting in `startYear`; 0 or less is before the contract. */
export function contractYearOf(startYear: SchoolYear, year: SchoolYear): number {
  return schoolYearsBetween(startYear, year) + 1;
}

export function schoolYearOfContractYear(startYear: SchoolYear, contractYear: number): SchoolYear {
  return addSchoolYears(startYear, contractYear - 1);
}

/** The school year a calendar date (YYYY-MM-DD) falls in. */
export function schoolYearOfDate(date: string): SchoolYear {
  const [year, month] = date.split('-').map(Number);
  return schoolYearStartingIn(month >= 7 ? year : year - 1);
}

/** July 1 that opens the school year, as YYYY-MM-DD. */
export function firstDayOfSchoolYear(year: SchoolYear): string {
  return `${startCalendarYear(year)}-07-01`;
}

/** June 30 that closes the school year, as YYYY-MM-DD. */
export function lastDayOfSchoolYear(year: SchoolYear): string {
  return `${startCalendarYear(year) + 1}-06-30`;
}
