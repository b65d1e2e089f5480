import { ValidationError } from '../errors';
import {
  alertSteps,
  feedsReceived,
  knownInMonth,
  lastCompleteMonth,
  newResults,
  openContractYear,
  parseReportMonth,
  previousMonth,
  ProgressLine,
  statusChanges,
} from './progress-report';

const CONTRACT = { startYear: '2023-24', termYears: 3 };

describe("the progress report's month (docs/domain.md, the annual review), by hand", () => {
  it('a month is its days and the two knowledge times around it', () => {
    expect(parseReportMonth('2024-02', new Date())).toEqual({
      month: '2024-02',
      firstDay: '2024-02-01',
      lastDay: '2024-02-29',
      start: new Date('2024-02-01T00:00:00Z'),
      end: new Date('2024-03-01T00:00:00Z'),
    });
  });
  it('December, the calendar year end, ends on January 1 of the next year', () => {
    const december = parseReportMonth('2024-12', new Date());
    expect([december.lastDay, december.end.toISOString()]).toEqual(['2024-12-31', '2025-01-01T00:00:00.000Z']);
    expect(previousMonth(parseReportMonth('2025-01', new Date())).month).toBe('2024-12');
  });
  it('without ?month=, the last month that had ended by the clock', () => {
    expect(lastCompleteMonth(new Date('2024-07-15T10:00:00Z')).month).toBe('2024-06');
    expect(lastCompleteMonth(new Date('2024-07-01T00:00:00Z')).month).toBe('2024-06');
    expect(lastCompleteMonth(new Date('2025-01-05T00:00:00Z')).month).toBe('2024-12');
    expect(parseReportMonth(undefined, new Date('2025-01-05T00:00:00Z')).month).toBe('2024-12');
    expect(parseReportMonth('', new Date('2024-08-05T00:00:00Z')).month).toBe('2024-07');
  });
  it('refuses anything but YYYY-MM, naming month', () => {
    for (const text of ['2024-13', '2024-00', '2024-7', 'July', '2024-07-01', '1899-12']) {
      expect(() => parseReportMonth(text, new Date())).toThrow(ValidationError);
      try {
        parseReportMonth(text, new Date());
      } catch (error) {
        expect((error as ValidationError).issues).toEqual([{ field: 'month', message: `expected a month as YYYY-MM (e.g. 2024-07), got '${text}'` }]);
      }
    }
  });
  it('a change belongs to the month it became known in: after the start, up to and with the end', () => {
    const july = parseReportMonth('2024-07', new Date());
    expect(knownInMonth('2024-07-01T00:00:00.000Z', july)).toBe(false);
    expect(knownInMonth('2024-07-01T00:00:00.001Z', july)).toBe(true);
    expect(knownInMonth('2024-08-01T00:00:00.000Z', july)).toBe(true);
    expect(knownInMonth('2024-08-01T00:00:00.001Z', july)).toBe(false);
  });
});

describe('the open contract year, by hand', () => {
  it("June, the school year's end, is still the year that began the July before", () => {
    expect(openContractYear(CONTRACT, parseReportMonth('2024-06', new Date()))).toEqual({ kind: 'open', contractYear: 1, schoolYear: '2023-24' });
    expect(openContractYear(CONTRACT, parseReportMonth('2024-07', new Date()))).toEqual({ kind: 'open', contractYear: 2, schoolYear: '2024-25' });
    expect(openContractYear(CONTRACT, parseReportMonth('2024-12', new Date()))).toEqual({ kind: 'open', contractYear: 2, schoolYear: '2024-25' });
  });
  it('a month before the term starts, or after it ends, is in no contract year', () => {
    expect(openContractYear(CONTRACT, parseReportMonth('2023-06', new Date()))).toEqual({ kind: 'before', firstSchoolYear: '2023-24' });
    expect(openContractYear(CONTRACT, parseReportMonth('2023-07', new Date()))).toEqual({ kind: 'open', contractYear: 1, schoolYear: '2023-24' });
    expect(openContractYear(CONTRACT, parseReportMonth('2026-07', new Date()))).toEqual({ kind: 'after', lastSchoolYear: '2025-26' });
  });
});

describe('which lines changed status, by hand', () => {
  const line = (subjectId: string, status: ProgressLine['status'], partial: Partial<ProgressLine> = {}): ProgressLine => ({
    scope: subjectId.startsWith('C') ? 'cluster' : 'school',
    subjectId,
    metric: 'attendance_rate',
    contractYear: 1,
    status,
    threshold: 0.93,
    actual: null,
    ...partial,
  });
  it('lists a changed status from -> to, and leaves an unchanged one out', () => {
    const start = [line('S1', 'on_track', { actual: 0.94 }), line('S2', 'at_risk', { actual: 0.91 })];
    const end = [line('S1', 'missed', { actual: 0.9 }), line('S2', 'at_risk', { actual: 0.9 })];
    expect(statusChanges(start, end, 2)).toEqual([{ from: start[0], to: end[0] }]);
  });
  it('a line only the end has appears with no from; one only the start has, with no to', () => {
    const start = [line('S1', 'pending'), line('S9', 'pending')];
    const end = [line('S1', 'pending'), line('C', 'pending', { contractYear: 2, threshold: 0.95 })];
    expect(statusChanges(start, end, 2)).toEqual([{ from: undefined, to: end[1] }, { from: start[1] }]);
  });
  it('a status that changed twice within the month shows start -> end; one changed and back, nothing', () => {
    // Known at the start: pending; during the month at_risk, then met; at the end: met.
    expect(statusChanges([line('S1', 'pending')], [line('S1', 'met', { actual: 0.95 })], 1)).toEqual([
      { from: line('S1', 'pending'), to: line('S1', 'met', { actual: 0.95 }) },
    ]);
    expect(statusChanges([line('S1', 'on_track')], [line('S1', 'on_track')], 1)).toEqual([]);
  });
  it('leaves out the years after the open one', () => {
    expect(statusChanges([], [line('S1', 'pending', { contractYear: 3 })], 2)).toEqual([]);
  });
  it('tells a school line from the cluster line of the same metric and year', () => {
    const end = [line('S1', 'missed'), line('C', 'missed')];
    expect(statusChanges([line('S1', 'missed')], end, 1)).toEqual([{ from: undefined, to: end[1] }]);
  });
});

describe('new results, by hand', () => {
  const reading = (schoolYear: string, rate: number | null, denominator: number | null, metric = 'attendance_rate') => ({
    metric,
    schoolYear,
    rate,
    denominator,
  });
  it('a reading the start did not have is new; one with another value or n is restated; the same, nothing', () => {
    const start = [reading('2022-23', 0.88, 1000), reading('2023-24', 0.9, 800)];
    const end = [reading('2022-23', 0.88, 1000), reading('2023-24', 0.91, 1000), reading('2023-24', 0.2, 1000, 'chronic_absence_rate')];
    expect(newResults(start, end, '2024-25')).toEqual([{ reading: end[1], before: start[1] }, { reading: end[2] }]);
  });
  it('leaves out school years after the open one', () => {
    expect(newResults([], [reading('2025-26', 0.9, 10)], '2024-25')).toEqual([]);
  });
});

describe("an alert's steps in the month, by hand", () => {
  const july = parseReportMonth('2024-07', new Date());
  it('raised, acknowledged, acknowledged again, resolved and reopened, each when known; before the month, left out', () => {
    const history = [
      { status: 'open' as const, knownAt: '2024-06-20T00:00:00Z', acknowledgements: 0 },
      { status: 'acknowledged' as const, knownAt: '2024-07-02T00:00:00Z', acknowledgements: 1 },
      { status: 'acknowledged' as const, knownAt: '2024-07-03T00:00:00Z', acknowledgements: 2 },
      { status: 'acknowledged' as const, knownAt: '2024-07-04T00:00:00Z', acknowledgements: 2 },
      { status: 'resolved' as const, knownAt: '2024-07-10T00:00:00Z', acknowledgements: 2 },
      { status: 'open' as const, knownAt: '2024-07-20T00:00:00Z', acknowledgements: 2 },
      { status: 'resolved' as const, knownAt: '2024-08-02T00:00:00Z', acknowledgements: 2 },
    ];
    expect(alertSteps(history, july)).toEqual([
      { step: 'acknowledged', knownAt: '2024-07-02T00:00:00.000Z' },
      { step: 'acknowledged', knownAt: '2024-07-03T00:00:00.000Z' },
      { step: 'resolved', knownAt: '2024-07-10T00:00:00.000Z' },
      { step: 'reopened', knownAt: '2024-07-20T00:00:00.000Z' },
    ]);
    expect(alertSteps(history.slice(0, 1), parseReportMonth('2024-06', new Date()))).toEqual([{ step: 'raised', knownAt: '2024-06-20T00:00:00.000Z' }]);
  });
});

describe('feeds received in the month, by hand', () => {
  it('a feed whose last period moved on, or arrived for the first time; one unchanged or still missing, not', () => {
    const start = [
      { schoolId: 'S1', feed: 'attendance', lastPeriodEnd: '2024-03-31' },
      { schoolId: 'S2', feed: 'attendance', lastPeriodEnd: '2024-06-30' },
      { schoolId: 'S3', feed: 'attendance', lastPeriodEnd: null },
    ];
    const end = [
      { schoolId: 'S1', feed: 'attendance', lastPeriodEnd: '2024-06-30' },
      { schoolId: 'S2', feed: 'attendance', lastPeriodEnd: '2024-06-30' },
      { schoolId: 'S3', feed: 'attendance', lastPeriodEnd: null },
      { schoolId: 'S4', feed: 'attendance', lastPeriodEnd: '2024-06-30' },
    ];
    expect(feedsReceived(start, end)).toEqual([
      { feed: end[0], before: '2024-03-31' },
      { feed: end[3], before: null },
    ]);
  });
});
