import { ValidationError } from '../errors';
import { contractYearOf, SchoolYear, schoolYearOfContractYear, schoolYearOfDate } from '../school-year';
import { TargetStatus } from './target-evaluation';

/**
 * The monthly progress report (docs/domain.md, the annual review): what changed in one calendar month of a
 * contract's open year, read as the difference between the read model as known at the month's
 * start and as known at its end. The pure part: the month's bounds, which contract year is open,
 * and which changes to list; the service reads both states and hands them here.
 */

/**
 * A calendar month and its two knowledge times: `start`, 00:00 UTC of its first day, and `end`,
 * 00:00 UTC of the next month's first day. A read "as of" a time sees what was known at or before
 * it (as `?asOf=` does everywhere), so the month holds what became known after `start` and at or
 * before `end`: one month's report ends where the next one's starts, and nothing falls between.
 */
export interface ReportMonth {
  /** YYYY-MM. */
  month: string;
  /** YYYY-MM-DD. */
  firstDay: string;
  lastDay: string;
  start: Date;
  end: Date;
}

const MONTH = /^(\d{4})-(\d{2})$/;

const pad = (value: number): string => String(value).padStart(2, '0');

/** The month of `year` and `month` (1-12): its days and knowledge times. */
function monthOf(year: number, month: number): ReportMonth {
  const start = new Date(Date.UTC(year, month - 1, 1));
  const end = new Date(Date.UTC(year, month, 1));
  const last = new Date(end.getTime() - 86_400_000);
  return { month: `${year}-${pad(month)}`, firstDay: `${year}-${pad(month)}-01`, lastDay: last.toISOString().slice(0, 10), start, end };
}

/** The last month that had ended by `now`: June for any time in July (July 1 00:00 included). */
export function lastCompleteMonth(now: Date): ReportMonth {
  const month = now.getUTCMonth(); // 0-based: the number of the month before
  return month === 0 ? monthOf(now.getUTCFullYear() - 1, 12) : monthOf(now.getUTCFullYear(), month);
}

/**
 * `?month=YYYY-MM`: a month from 1900 to 2100; the last complete month as of `now` when absent.
 * A ValidationError naming `month` and what was expected otherwise.
 */
export function parseReportMonth(text: string | undefined, now: Date): ReportMonth {
  if (text === undefined || text === '') return lastCompleteMonth(now);
  const match = MONTH.exec(text);
  const year = Number(match?.[1]);
  const month = Number(match?.[2]);
  if (!match || month < 1 || month > 12 || year < 1900 || year > 2100)
    throw ValidationError.of('month', `expected a month as YYYY-MM (e.g. 2024-07), got '${text}'`);
  return monthOf(year, month);
}

/** The month before `month`: the previous report's. */
export function previousMonth(month: ReportMonth): ReportMonth {
  const [year, number] = month.month.split('-').map(Number);
  return number === 1 ? monthOf(year - 1, 12) : monthOf(year, number - 1);
}

/** The contract year open in a month: the one whose school year holds the month's last day. */
export type OpenYear =
  | { kind: 'open'; contractYear: number; schoolYear: SchoolYear }
  | { kind: 'before'; firstSchoolYear: SchoolYear }
  | { kind: 'after'; lastSchoolYear: SchoolYear };

/** Which contract year of a term starting in `startYear` the month falls in, or that it falls before or after the term. */
export function openContractYear(contract: { startYear: SchoolYear; termYears: number }, month: Pick<ReportMonth, 'lastDay'>): OpenYear {
  const schoolYear = schoolYearOfDate(month.lastDay);
  const contractYear = contractYearOf(contract.startYear, schoolYear);
  if (contractYear < 1) return { kind: 'before', firstSchoolYear: contract.startYear };
  if (contractYear > contract.termYears) return { kind: 'after', lastSchoolYear: schoolYearOfContractYear(contract.startYear, contract.termYears) };
  return { kind: 'open', contractYear, schoolYear };
}

/** Whether a knowledge time falls in the month: after its start, at or before its end. */
export function knownInMonth(knownAt: string | Date, month: Pick<ReportMonth, 'start' | 'end'>): boolean {
  const at = new Date(knownAt).getTime();
  return at > month.start.getTime() && at <= month.end.getTime();
}

/** A scorecard line as the report compares it. */
export interface ProgressLine {
  scope: 'school' | 'cluster';
  subjectId: string;
  metric: string;
  contractYear: number;
  status: TargetStatus;
  threshold: number | null;
  actual: number | null;
}

/**
 * A line whose status differs between the month's two states: `from` is the line as known at the
 * start (undefined for a line that only the end has: a target set, a school joined), `to` as known
 * at the end (undefined for a line withdrawn). A status that changed and changed back within the
 * month is no change: the report compares the two states, not the steps between.
 */
export interface StatusChange<Line extends ProgressLine> {
  from?: Line;
  to?: Line;
}

const lineKey = (line: ProgressLine): string => `${line.scope}|${line.subjectId}|${line.metric}|${line.contractYear}`;

/** The lines of contract years up to `throughYear` whose status changed, appeared or went, in the end's order (then the withdrawn, in the start's). */
export function statusChanges<Line extends ProgressLine>(start: readonly Line[], end: readonly Line[], throughYear: number): StatusChange<Line>[] {
  const before = new Map(start.filter((line) => line.contractYear <= throughYear).map((line) => [lineKey(line), line]));
  const after = end.filter((line) => line.contractYear <= throughYear);
  const changes: StatusChange<Line>[] = [];
  for (const line of after) {
    const from = before.get(lineKey(line));
    before.delete(lineKey(line));
    if (!from || from.status !== line.status) changes.push({ from, to: line });
  }
  for (const from of before.values()) changes.push({ from });
  return changes;
}

/** A subject's reading of a metric in a school year, as the report compares it. */
export interface ProgressReading {
  metric: string;
  schoolYear: SchoolYear;
  rate: number | null;
  denominator: number | null;
}

/** A result of the month: a reading the start did not have (`before` undefined), or had with another value or n (a restatement). */
export interface NewResult<Reading extends ProgressReading> {
  reading: Reading;
  before?: Reading;
}

/** The readings of one subject known at the end that are new or restated since the start, of school years up to `throughYear` (YYYY-YY compares as text). */
export function newResults<Reading extends ProgressReading>(start: readonly Reading[], end: readonly Reading[], throughYear: SchoolYear): NewResult<Reading>[] {
  const key = (reading: ProgressReading) => `${reading.metric}|${reading.schoolYear}`;
  const before = new Map(start.map((reading) => [key(reading), reading]));
  return end
    .filter((reading) => reading.schoolYear <= throughYear)
    .flatMap((reading): NewResult<Reading>[] => {
      const was = before.get(key(reading));
      if (!was) return [{ reading }];
      return was.rate !== reading.rate || was.denominator !== reading.denominator ? [{ reading, before: was }] : [];
    });
}

export type AlertStatus = 'open' | 'acknowledged' | 'resolved';

/** What happened to an alert, read from two consecutive states of its history. */
export type AlertStep = 'raised' | 'acknowledged' | 'resolved' | 'reopened';

/**
 * The steps of an alert's history known in the month: its first state is its raising; a later
 * state is a step when its status differs from the one before (acknowledged, resolved, or open
 * again: reopened), or, while acknowledged, when it holds more acknowledgements (acknowledged
 * again). Other states (a value updated) are no step.
 */
export function alertSteps(
  history: readonly { status: AlertStatus; knownAt: string | Date; acknowledgements?: number }[],
  month: Pick<ReportMonth, 'start' | 'end'>,
): { step: AlertStep; knownAt: string }[] {
  const steps: { step: AlertStep; knownAt: string }[] = [];
  history.forEach((state, index) => {
    const previous = index === 0 ? undefined : history[index - 1];
    let step: AlertStep | undefined;
    if (!previous) step = 'raised';
    else if (state.status !== previous.status) step = state.status === 'open' ? 'reopened' : state.status;
    else if (state.status === 'acknowledged' && (state.acknowledgements ?? 0) > (previous.acknowledgements ?? 0)) step = 'acknowledged';
    if (step && knownInMonth(state.knownAt, month)) steps.push({ step, knownAt: new Date(state.knownAt).toISOString() });
  });
  return steps;
}

/** A school's feed as the coverage judges it on a day. */
export interface ProgressFeed {
  schoolId: string;
  feed: string;
  lastPeriodEnd?: string | null;
}

/** The feeds whose last period received moved on between the start and the end: what arrived in the month, with the period it reached. */
export function feedsReceived<Feed extends ProgressFeed>(start: readonly Feed[], end: readonly Feed[]): { feed: Feed; before: string | null }[] {
  const key = (feed: ProgressFeed) => `${feed.schoolId}|${feed.feed}`;
  const before = new Map(start.map((feed) => [key(feed), feed.lastPeriodEnd ?? null]));
  return end
    .filter((feed) => (feed.lastPeriodEnd ?? null) !== null && feed.lastPeriodEnd !== before.get(key(feed)))
    .map((feed) => ({ feed, before: before.get(key(feed)) ?? null }));
}
