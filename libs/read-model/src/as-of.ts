import { ValidationError } from '@turnaround/domain';

/**
 * `?asOf=`: a knowledge time (DESIGN.md section 3). Reads answer from the history tables, as
 * the service knew things at that instant; absent, they answer as it knows them now.
 */
export function parseAsOf(text: string | undefined, field = 'asOf'): Date | undefined {
  if (text === undefined || text === '') return undefined;
  const date = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(date.getTime()))
    throw ValidationError.of(field, `expected an ISO date or time, e.g. 2025-03-01 or 2025-03-01T12:00:00Z, got '${text}'`);
  return date;
}
