import { ValidationError } from './errors';

/**
 * Dates as clients write them: a calendar date (`2025-03-01`, an attendance period's end, a
 * staffing report's date) and a knowledge time (`?asOf=`, `--as-of`: a date, or a date and
 * time with its offset). One reading for every entry point, so each refuses the same things
 * in the same words: a day the calendar does not have (`2025-02-30` is not March 2), and a
 * year no school record can have (before 1900 or after 2100; year 0 is not a year).
 */

/** The first and last calendar years a date may name. */
export const EARLIEST_YEAR = 1900;
export const LATEST_YEAR = 2100;

const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** A year the calendar allows here, or what is wrong with it. */
export function yearProblem(year: number): string | undefined {
  return year < EARLIEST_YEAR || year > LATEST_YEAR
    ? `expected a year from ${EARLIEST_YEAR} to ${LATEST_YEAR}, got ${String(year).padStart(4, '0')}`
    : undefined;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  return month === 2 ? (isLeapYear(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** What is wrong with year, month and day as a date, in words; undefined when the calendar has that day. */
function dayProblem(text: string, year: number, month: number, day: number): string | undefined {
  const outOfRange = yearProblem(year);
  if (outOfRange) return `${outOfRange} ('${text}')`;
  if (month < 1 || month > 12) return `expected a month from 01 to 12, got '${text}'`;
  const days = daysInMonth(year, month);
  if (day < 1 || day > days) return `expected a real calendar date, got '${text}': ${MONTH_NAMES[month - 1]} ${year} has ${days} days`;
  return undefined;
}

const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** What is wrong with a date written YYYY-MM-DD, in words; undefined when it is a real date of 1900-2100. */
export function calendarDateProblem(text: string): string | undefined {
  const match = CALENDAR_DATE.exec(text);
  if (!match) return `expected a date written YYYY-MM-DD, e.g. 2025-03-01, got '${text}'`;
  return dayProblem(text, Number(match[1]), Number(match[2]), Number(match[3]));
}

/** A calendar date written YYYY-MM-DD, as given; a ValidationError naming `field` otherwise. */
export function parseCalendarDate(text: string, field: string): string {
  const problem = calendarDateProblem(text);
  if (problem) throw ValidationError.of(field, problem);
  return text;
}

const EXPECTED_TIME = 'expected an ISO date or time, e.g. 2025-03-01 or 2025-03-01T12:00:00Z';
/** A date, optionally a time (`T` or a space before it), seconds and their fraction, and the offset. */
const KNOWLEDGE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?)?$/;
/** The offset's `+` of `2025-03-01T12:00:00+01:00`, read from a query string that was not encoded, is a space. */
const PLUS_READ_AS_SPACE = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)? \d{2}:?\d{2}$/;
const MAX_OFFSET_MINUTES = 14 * 60;

/**
 * A knowledge time: a date alone (`2025-03-01`, the start of that day in UTC), or a date and
 * time with `Z` or an offset (`2025-03-01T12:00:00+01:00`). A time without an offset is refused:
 * it would mean the server's own time zone. The instant, or what is wrong with the text.
 */
export function readKnowledgeTime(text: string): { at: Date } | { problem: string } {
  if (PLUS_READ_AS_SPACE.test(text))
    return {
      problem: `${EXPECTED_TIME}, got '${text}': a '+' in a query string reads as a space, so write the offset's + as %2B (or give the time in UTC with Z)`,
    };
  const match = KNOWLEDGE_TIME.exec(text);
  if (!match) return { problem: `${EXPECTED_TIME}, got '${text}'` };
  const [, year, month, day, hours, minutes, seconds, fraction, utc, sign, offsetHours, offsetMinutes] = match;
  const date = `${year}-${month}-${day}`;
  const problem = dayProblem(date, Number(year), Number(month), Number(day));
  if (problem) return { problem };
  if (hours === undefined) return { at: new Date(Date.UTC(Number(year), Number(month) - 1, Number(day))) };
  if (Number(hours) > 23) return { problem: `expected an hour from 00 to 23, got '${text}' (the end of a day is 00:00 of the next)` };
  if (Number(minutes) > 59) return { problem: `expected minutes from 00 to 59, got '${text}'` };
  if (seconds !== undefined && Number(seconds) > 59) return { problem: `expected seconds from 00 to 59, got '${text}'` };
  if (utc === undefined && sign === undefined)
    return { problem: `expected the time's offset, e.g. 2025-03-01T12:00:00Z (UTC) or 2025-03-01T12:00:00-05:00, got '${text}'` };
  const offset = sign === undefined ? 0 : (sign === '-' ? -1 : 1) * (Number(offsetHours) * 60 + Number(offsetMinutes));
  if (Number(offsetMinutes) > 59 || Math.abs(offset) > MAX_OFFSET_MINUTES) return { problem: `expected an offset from -14:00 to +14:00, got '${text}'` };
  const milliseconds = fraction === undefined ? 0 : Number(fraction.padEnd(3, '0').slice(0, 3));
  const local = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hours), Number(minutes), Number(seconds ?? 0), milliseconds);
  return { at: new Date(local - offset * 60_000) };
}

/** A knowledge time (see readKnowledgeTime); a ValidationError naming `field` and what was expected otherwise. */
export function parseKnowledgeTime(text: unknown, field: string): Date {
  if (typeof text !== 'string') throw ValidationError.of(field, `${EXPECTED_TIME}, given once`);
  const read = readKnowledgeTime(text);
  if ('problem' in read) throw ValidationError.of(field, read.problem);
  return read.at;
}
