import { ValidationError } from '../errors';
import { mathResult } from '../testing/feed-records';
import { AssessmentResultsReported, AttendanceReported, IndicatorReported, StaffingReported } from '../events/feed-events';
import { DEFAULT_FEED_CADENCES, FeedCadence, feedCoverage, parseFeedCadence, periodEndOf } from './feed-coverage';

const { attendance, staffing, assessment } = DEFAULT_FEED_CADENCES as Record<'attendance' | 'staffing' | 'assessment', FeedCadence>;
const REGISTERED = '2023-06-01';

describe('feed coverage: the next report a feed owes and how late it is, from the facts and the date', () => {
  it('expects the month after the last attendance period, by the 15th of the month after (over a calendar year boundary)', () => {
    // December 2024 received: January 2025 is next, due January 31 + 15 days = February 15; March 1 is 14 days later (February has 28 days).
    expect(feedCoverage(attendance, { feed: 'attendance', lastPeriodEnd: '2024-12-31', expectedFrom: REGISTERED }, '2025-03-01')).toEqual({
      feed: 'attendance',
      lastPeriodEnd: '2024-12-31',
      nextPeriod: '2025-01',
      dueBy: '2025-02-15',
      daysOverdue: 14,
      overdue: true,
    });
  });

  it('is not late on the last day of grace, and one day late the day after', () => {
    const facts = { feed: 'attendance' as const, lastPeriodEnd: '2024-12-31', expectedFrom: REGISTERED };
    expect(feedCoverage(attendance, facts, '2025-02-15')).toMatchObject({ daysOverdue: 0, overdue: false });
    expect(feedCoverage(attendance, facts, '2025-02-16')).toMatchObject({ daysOverdue: 1, overdue: true });
  });

  it('counts February 29 in a leap year', () => {
    // January 2024 received: February 2024 ends on the 29th, + 15 days = March 15.
    expect(feedCoverage(attendance, { feed: 'attendance', lastPeriodEnd: '2024-01-31', expectedFrom: REGISTERED }, '2024-03-20')).toMatchObject({
      nextPeriod: '2024-02',
      dueBy: '2024-03-15',
      daysOverdue: 5,
    });
  });

  it('skips the summer: after June attendance the next report is September (a school year boundary)', () => {
    // June 2025 received: July and August are not due; September 30 + 15 = October 15; November 1 is 17 days later.
    expect(feedCoverage(attendance, { feed: 'attendance', lastPeriodEnd: '2025-06-30', expectedFrom: REGISTERED }, '2025-11-01')).toMatchObject({
      nextPeriod: '2025-09',
      dueBy: '2025-10-15',
      daysOverdue: 17,
      overdue: true,
    });
  });

  it('counts a period by the month it ends in: one ending mid-month reports that month', () => {
    expect(feedCoverage(attendance, { feed: 'attendance', lastPeriodEnd: '2025-01-17', expectedFrom: REGISTERED }, '2025-02-01')).toMatchObject({
      nextPeriod: '2025-02',
      dueBy: '2025-03-15',
      overdue: false,
    });
  });

  it('expects staffing in June after October, and in October after June, each within 30 days', () => {
    // The October 1 count received: June 2025 is next, June 30 + 30 days = July 30.
    expect(feedCoverage(staffing, { feed: 'staffing', lastPeriodEnd: '2024-10-01', expectedFrom: REGISTERED }, '2025-08-04')).toMatchObject({
      nextPeriod: '2025-06',
      dueBy: '2025-07-30',
      daysOverdue: 5,
    });
    // The June 15 report received: October 2025 is next, October 31 + 30 days = November 30; December 1 is a day later.
    expect(feedCoverage(staffing, { feed: 'staffing', lastPeriodEnd: '2025-06-15', expectedFrom: REGISTERED }, '2025-12-01')).toMatchObject({
      nextPeriod: '2025-10',
      dueBy: '2025-11-30',
      daysOverdue: 1,
    });
  });

  it('expects the state test once a year: the school year after the last one received, by September 30', () => {
    // 2024-25 received (its period ends 2025-06-30): 2025-26 is next, June 30, 2026 + 92 days = September 30, 2026.
    const facts = { feed: 'assessment' as const, lastPeriodEnd: '2025-06-30', expectedFrom: REGISTERED };
    expect(feedCoverage(assessment, facts, '2026-09-30')).toMatchObject({ nextPeriod: '2026-06', dueBy: '2026-09-30', daysOverdue: 0, overdue: false });
    // to January 1, 2027: October 31 + November 30 + December 31 + 1 = 93 days
    expect(feedCoverage(assessment, facts, '2027-01-01')).toMatchObject({ daysOverdue: 93, overdue: true });
  });

  it('expects a feed that never arrived from the month the school was registered (or the next month of its cadence)', () => {
    // Registered November 20, 2024: November's attendance is due December 15.
    expect(feedCoverage(attendance, { feed: 'attendance', expectedFrom: '2024-11-20' }, '2024-12-20')).toEqual({
      feed: 'attendance',
      lastPeriodEnd: null,
      nextPeriod: '2024-11',
      dueBy: '2024-12-15',
      daysOverdue: 5,
      overdue: true,
    });
    // Registered in July: attendance is first due for September.
    expect(feedCoverage(attendance, { feed: 'attendance', expectedFrom: '2025-07-10' }, '2025-08-01')).toMatchObject({ nextPeriod: '2025-09', overdue: false });
  });

  it('reads a cadence written months:grace, and names the setting and the expected form when it is wrong', () => {
    expect(parseFeedCadence('CADENCE_STAFFING', '10, 6:30')).toEqual({ months: [10, 6], graceDays: 30 });
    expect(parseFeedCadence('CADENCE_ATTENDANCE', '1,2,3,4,5,6,7,8,9,10,11,12:0')).toEqual({ months: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], graceDays: 0 });
    for (const wrong of ['', '13:5', '6', '6,6:30', 'june:30', '0:1'])
      expect(() => parseFeedCadence('CADENCE_STAFFING', wrong)).toThrow(
        ValidationError.of(
          'CADENCE_STAFFING',
          `expected the months it is due in (1-12, each once, comma-separated), a colon and the days of grace, e.g. 10,6:30; got '${wrong}'`,
        ),
      );
  });

  it('names the date that is not a date', () => {
    expect(() => feedCoverage(attendance, { feed: 'attendance', lastPeriodEnd: '2025/01/31', expectedFrom: REGISTERED }, '2025-03-01')).toThrow(
      ValidationError.of('lastPeriodEnd', "expected a date written YYYY-MM-DD, got '2025/01/31'"),
    );
    expect(() => feedCoverage(attendance, { feed: 'attendance', expectedFrom: REGISTERED }, 'today')).toThrow(
      ValidationError.of('today', "expected a date written YYYY-MM-DD, got 'today'"),
    );
  });
});

describe('the last day a record reaches, which coverage counts as received', () => {
  const test = (window: AssessmentResultsReported['data']['window']) => mathResult({ schoolYear: '2022-23', window });

  it('is the end of an attendance period, however short', () => {
    const week: AttendanceReported['data'] = {
      schoolId: 'S1',
      schoolYear: '2024-25',
      periodStart: '2025-01-13',
      periodEnd: '2025-01-17',
      membershipDays: 5,
      attendanceDays: 4,
    };
    expect(periodEndOf('attendance', week)).toBe('2025-01-17');
  });

  it('is the date a staffing report counts as of', () => {
    const october: StaffingReported['data'] = { schoolId: 'S1', schoolYear: '2024-25', asOf: '2024-10-01', teachers: 30 };
    expect(periodEndOf('staffing', october)).toBe('2024-10-01');
  });

  it('is June 30 ending the school year for the state test (spring or annual), and nothing for an interim', () => {
    expect(periodEndOf('assessment', test('spring'))).toBe('2023-06-30');
    expect(periodEndOf('assessment', test('annual'))).toBe('2023-06-30');
    expect(periodEndOf('assessment', test('fall'))).toBeNull();
    expect(periodEndOf('assessment', test('winter'))).toBeNull();
  });

  it('is June 30 ending the school year for an indicator, over a century boundary too', () => {
    const dropouts = (schoolYear: string): IndicatorReported['data'] => ({ schoolId: 'S1', schoolYear, indicator: 'dropouts', numerator: 3 });
    expect(periodEndOf('indicators', dropouts('2022-23'))).toBe('2023-06-30');
    expect(periodEndOf('indicators', dropouts('1999-00'))).toBe('2000-06-30');
  });
});
