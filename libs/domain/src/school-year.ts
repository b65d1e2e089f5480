import { z } from 'zod';

/**
 * A school year is written "2024-25" and runs July 1 to June 30. Contract year k is the k-th
 * school year from a contract's start year (DESIGN.md section 3).
 */
export type SchoolYear = string;

const SCHOOL_YEAR = /^(\d{4})-(\d{2})$/;

export function parseSchoolYear(text: string): number | undefined {
  const match = SCHOOL_YEAR.exec(text);
  if (!match) return undefined;
  const start = Number(match[1]);
  return (start + 1) % 100 === Number(match[2]) ? start : undefined;
}

export const schoolYearSchema = z
  .string()
  .refine((text) => parseSchoolYear(text) !== undefined, {
    message: 'expected a school year written YYYY-YY with consecutive years, e.g. "2024-25"',
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
