import { FieldIssue } from '../errors';

/**
 * Attendance periods (docs/metrics.md): a school year's attendance is a set of periods that
 * do not overlap, so nothing is counted twice. A period that contains periods already reported
 * (a year-to-date report) replaces them; a period that partly overlaps another is refused.
 *
 * The replaced periods' events stay in the log. Which periods are in force is worked out from
 * the current records alone (the larger period wins, whichever was learned first), so the
 * metrics, the ledger and an as-of replay all read the same set from the same facts.
 */
export interface AttendancePeriod {
  periodStart: string;
  periodEnd: string;
}

function contains(outer: AttendancePeriod, inner: AttendancePeriod): boolean {
  return outer.periodStart <= inner.periodStart && inner.periodEnd <= outer.periodEnd;
}

function samePeriod(a: AttendancePeriod, b: AttendancePeriod): boolean {
  return a.periodStart === b.periodStart && a.periodEnd === b.periodEnd;
}

/** The periods that count: every period not contained in a larger one of the set. */
export function attendancePeriodsInForce<Period extends AttendancePeriod>(periods: readonly Period[]): Period[] {
  return periods.filter((period) => !periods.some((other) => !samePeriod(other, period) && contains(other, period)));
}

/**
 * Why a new period cannot join the periods in force (another period of the same key is its
 * restatement and is left out by the caller), or undefined when it can: it overlaps none, or
 * contains whole each one it overlaps.
 */
export function attendancePeriodIssue(period: AttendancePeriod, inForce: readonly AttendancePeriod[]): FieldIssue | undefined {
  const clash = inForce.find(
    (other) => !samePeriod(other, period) && other.periodStart <= period.periodEnd && period.periodStart <= other.periodEnd && !contains(period, other),
  );
  if (!clash) return undefined;
  const other = `period ${clash.periodStart} to ${clash.periodEnd}`;
  if (contains(clash, period))
    return {
      field: 'periodStart',
      message: `expected a period that does not overlap one already reported, got ${period.periodStart} to ${period.periodEnd}, inside ${other}: restate that period, or report one containing it whole`,
    };
  const inside = clash.periodStart <= period.periodStart ? 'periodStart' : 'periodEnd';
  return {
    field: inside,
    message: `expected a period that does not overlap one already reported, got ${period.periodStart} to ${period.periodEnd}, partly overlapping ${other}: report periods that meet end to end, or one containing the other whole (a year-to-date report replaces the periods it contains)`,
  };
}
