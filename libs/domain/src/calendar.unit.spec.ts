import { calendarDateProblem, parseCalendarDate, parseKnowledgeTime, readKnowledgeTime } from './calendar';
import { ValidationError } from './errors';
import { isoDateSchema } from './events/event';
import { parseWith } from './events/event-catalogue';

const at = (text: string) => {
  const read = readKnowledgeTime(text);
  return 'at' in read ? read.at.toISOString() : read.problem;
};

describe('calendar dates: the day must exist, the year must be one a school record can have', () => {
  it('takes February 29 in a leap year only (every fourth year, not a century unless it divides by 400)', () => {
    expect(calendarDateProblem('2024-02-29')).toBeUndefined();
    expect(calendarDateProblem('2000-02-29')).toBeUndefined();
    expect(calendarDateProblem('2025-02-29')).toBe("expected a real calendar date, got '2025-02-29': February 2025 has 28 days");
    expect(calendarDateProblem('1900-02-29')).toBe("expected a real calendar date, got '1900-02-29': February 1900 has 28 days");
    expect(calendarDateProblem('2100-02-29')).toBe("expected a real calendar date, got '2100-02-29': February 2100 has 28 days");
  });

  it('refuses a day the month does not have rather than rolling it over (2025-02-30 is not March 2)', () => {
    expect(calendarDateProblem('2025-02-30')).toBe("expected a real calendar date, got '2025-02-30': February 2025 has 28 days");
    expect(calendarDateProblem('2025-04-31')).toBe("expected a real calendar date, got '2025-04-31': April 2025 has 30 days");
    expect(calendarDateProblem('2025-01-00')).toBe("expected a real calendar date, got '2025-01-00': January 2025 has 31 days");
    expect(calendarDateProblem('2025-13-01')).toBe("expected a month from 01 to 12, got '2025-13-01'");
    expect(calendarDateProblem('2025-12-31')).toBeUndefined();
  });

  it('refuses year 0, years before 1900 and absurd ones, and says which years it takes', () => {
    expect(calendarDateProblem('0000-01-01')).toBe("expected a year from 1900 to 2100, got 0000 ('0000-01-01')");
    expect(calendarDateProblem('1899-12-31')).toBe("expected a year from 1900 to 2100, got 1899 ('1899-12-31')");
    expect(calendarDateProblem('9999-12-31')).toBe("expected a year from 1900 to 2100, got 9999 ('9999-12-31')");
    expect(calendarDateProblem('1900-01-01')).toBeUndefined();
    expect(calendarDateProblem('2100-12-31')).toBeUndefined();
  });

  it('takes only YYYY-MM-DD, and names the field when it refuses', () => {
    expect(calendarDateProblem('2025-3-1')).toBe("expected a date written YYYY-MM-DD, e.g. 2025-03-01, got '2025-3-1'");
    expect(calendarDateProblem('03/01/2025')).toBe("expected a date written YYYY-MM-DD, e.g. 2025-03-01, got '03/01/2025'");
    expect(calendarDateProblem('2025-03-01T00:00:00Z')).toBe("expected a date written YYYY-MM-DD, e.g. 2025-03-01, got '2025-03-01T00:00:00Z'");
    expect(parseCalendarDate('2025-03-01', 'periodEnd')).toBe('2025-03-01');
    expect(() => parseCalendarDate('2025-02-30', 'periodEnd')).toThrow(
      ValidationError.of('periodEnd', "expected a real calendar date, got '2025-02-30': February 2025 has 28 days"),
    );
  });

  it('is the check of every date field of an event (attendance periods, a staffing report date)', () => {
    expect(() => parseWith(isoDateSchema, '2025-02-30')).toThrow("(record): expected a real calendar date, got '2025-02-30': February 2025 has 28 days");
    expect(() => parseWith(isoDateSchema, '0000-01-01')).toThrow("(record): expected a year from 1900 to 2100, got 0000 ('0000-01-01')");
    expect(parseWith(isoDateSchema, '2024-02-29')).toBe('2024-02-29');
  });
});

describe('knowledge times (asOf): a date, or a date and time with its offset', () => {
  it('reads a date alone as the start of that day in UTC', () => {
    expect(at('2025-03-01')).toBe('2025-03-01T00:00:00.000Z');
    expect(at('2024-02-29')).toBe('2024-02-29T00:00:00.000Z');
  });

  it('applies the offset: the same instant however it is written', () => {
    expect(at('2025-03-01T12:00:00Z')).toBe('2025-03-01T12:00:00.000Z');
    expect(at('2025-03-01T12:00:00+01:00')).toBe('2025-03-01T11:00:00.000Z');
    expect(at('2025-03-01T07:00:00-05:00')).toBe('2025-03-01T12:00:00.000Z');
    expect(at('2025-03-01T17:30:00+0530')).toBe('2025-03-01T12:00:00.000Z');
    // an offset can move the instant to another day, month or year
    expect(at('2025-03-01T00:30:00+01:00')).toBe('2025-02-28T23:30:00.000Z');
    expect(at('2024-12-31T23:00:00-05:00')).toBe('2025-01-01T04:00:00.000Z');
    expect(at('2025-03-01t12:00z')).toBe('2025-03-01T12:00:00.000Z');
    expect(at('2025-03-01 12:00:00Z')).toBe('2025-03-01T12:00:00.000Z');
    // what toISOString() writes reads back as itself; a finer fraction is cut to milliseconds
    expect(at('2025-03-01T12:34:56.789Z')).toBe('2025-03-01T12:34:56.789Z');
    expect(at('2025-03-01T12:34:56.789999Z')).toBe('2025-03-01T12:34:56.789Z');
  });

  it('refuses 24:00, a 60th second or minute, and an offset beyond 14 hours', () => {
    expect(at('2025-03-01T24:00:00Z')).toBe("expected an hour from 00 to 23, got '2025-03-01T24:00:00Z' (the end of a day is 00:00 of the next)");
    expect(at('2025-03-01T23:59:60Z')).toBe("expected seconds from 00 to 59, got '2025-03-01T23:59:60Z'");
    expect(at('2025-03-01T12:60:00Z')).toBe("expected minutes from 00 to 59, got '2025-03-01T12:60:00Z'");
    expect(at('2025-03-01T12:00:00+15:00')).toBe("expected an offset from -14:00 to +14:00, got '2025-03-01T12:00:00+15:00'");
    expect(at('2025-03-01T12:00:00+01:75')).toBe("expected an offset from -14:00 to +14:00, got '2025-03-01T12:00:00+01:75'");
  });

  it('refuses a time without an offset: it would be read in the server time zone', () => {
    expect(at('2025-03-01T12:00:00')).toBe(
      "expected the time's offset, e.g. 2025-03-01T12:00:00Z (UTC) or 2025-03-01T12:00:00-05:00, got '2025-03-01T12:00:00'",
    );
  });

  it("says so when an offset's + was read as a space from a query string that was not encoded", () => {
    expect(at('2025-03-01T12:00:00 01:00')).toBe(
      "expected an ISO date or time, e.g. 2025-03-01 or 2025-03-01T12:00:00Z, got '2025-03-01T12:00:00 01:00': a '+' in a query string reads as a space, so write the offset's + as %2B (or give the time in UTC with Z)",
    );
  });

  it('refuses impossible dates and years in a time too (no rollover, no year 0)', () => {
    expect(at('2025-02-30')).toBe("expected a real calendar date, got '2025-02-30': February 2025 has 28 days");
    expect(at('2025-02-29T12:00:00Z')).toBe("expected a real calendar date, got '2025-02-29': February 2025 has 28 days");
    expect(at('2024-02-29T12:00:00Z')).toBe('2024-02-29T12:00:00.000Z');
    expect(at('0000-01-01')).toBe("expected a year from 1900 to 2100, got 0000 ('0000-01-01')");
    expect(at('0000-01-01T00:00:00Z')).toBe("expected a year from 1900 to 2100, got 0000 ('0000-01-01')");
    expect(at('+002025-03-01T00:00:00Z')).toBe("expected an ISO date or time, e.g. 2025-03-01 or 2025-03-01T12:00:00Z, got '+002025-03-01T00:00:00Z'");
    expect(at('yesterday')).toBe("expected an ISO date or time, e.g. 2025-03-01 or 2025-03-01T12:00:00Z, got 'yesterday'");
  });

  it('names the parameter when it refuses, and wants it once', () => {
    expect(parseKnowledgeTime('2025-03-01T12:00:00+01:00', 'asOf').toISOString()).toBe('2025-03-01T11:00:00.000Z');
    expect(() => parseKnowledgeTime('2025-02-30', '--as-of')).toThrow(
      ValidationError.of('--as-of', "expected a real calendar date, got '2025-02-30': February 2025 has 28 days"),
    );
    expect(() => parseKnowledgeTime(['2025-03-01', '2025-04-01'], 'asOf')).toThrow(
      ValidationError.of('asOf', 'expected an ISO date or time, e.g. 2025-03-01 or 2025-03-01T12:00:00Z, given once'),
    );
  });
});
