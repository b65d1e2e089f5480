import { AttendanceReported } from '../events/feed-events';
import { schoolYearMetrics, SchoolYearFacts } from '../metrics/school-metrics';
import { attendancePeriodsInForce } from './attendance-periods';
import { decideRecords, emptyLedger, evolveLedger, FeedDecision, FeedLedger } from './feed-ledger';
import { naturalKeyOf } from './feed-record';
import { IndicatorCatalogue } from '../metrics/indicator-catalogue';

type Attendance = AttendanceReported['data'];
const period = (periodStart: string, periodEnd: string, membershipDays: number, attendanceDays: number): Attendance => ({
  schoolId: 'S1',
  schoolYear: '2024-25',
  periodStart,
  periodEnd,
  membershipDays,
  attendanceDays,
});
const september = period('2024-09-01', '2024-09-30', 8000, 7400);
const october = period('2024-10-01', '2024-10-31', 8800, 8000);
/** Year to date through October, with September's and October's days corrected (15,600 attended, not 15,400). */
const yearToDate = period('2024-09-01', '2024-10-31', 16800, 15600);
const november = period('2024-11-01', '2024-11-30', 8400, 7700);

function ledgerWith(...records: Attendance[]): FeedLedger {
  return evolveLedger(
    emptyLedger('attendance'),
    records.map((data) => ({ type: 'AttendanceReported', data })),
  );
}
function decideOne(ledger: FeedLedger, record: Attendance): FeedDecision {
  return decideRecords(ledger, [record])[0];
}
const attendanceRate = (attendance: Attendance[]) => {
  const facts: SchoolYearFacts = {
    schoolYear: '2024-25',
    assessment: [],
    attendance,
    staffing: [],
    indicators: [],
    priorYearStaffing: [],
    laterYearStaffingReported: false,
  };
  return schoolYearMetrics(facts, new IndicatorCatalogue([])).find((value) => value.metric === 'attendance_rate');
};

describe('attendance periods are never counted twice (docs/metrics.md)', () => {
  it('takes a year-to-date report that contains the monthly ones, and counts it instead of them', () => {
    expect(decideOne(ledgerWith(september, october), yearToDate)).toEqual({ outcome: 'accepted', event: { type: 'AttendanceReported', data: yearToDate } });
    // summed, the three would be (7,400 + 8,000 + 15,600) / (8,000 + 8,800 + 16,800) = 31,000 / 33,600;
    // the year to date replaces the months: 15,600 / 16,800
    expect(attendanceRate([september, october, yearToDate])).toMatchObject({ numerator: 15600, denominator: 16800, through: '2024-10-31' });
    // a later month adds to it: (15,600 + 7,700) / (16,800 + 8,400) = 23,300 / 25,200
    expect(decideOne(ledgerWith(september, october, yearToDate), november)).toMatchObject({ outcome: 'accepted' });
    expect(attendanceRate([september, october, yearToDate, november])).toMatchObject({ numerator: 23300, denominator: 25200, through: '2024-11-30' });
  });

  it('decides which periods count from the facts alone, whichever was learned first', () => {
    expect(attendancePeriodsInForce([yearToDate, september, november, october])).toEqual([yearToDate, november]);
    // the year to date withdrawn, the months count again: (7,400 + 8,000) / (8,000 + 8,800) = 15,400 / 16,800
    expect(attendanceRate([september, october])).toMatchObject({ numerator: 15400, denominator: 16800 });
  });

  it('refuses a period that partly overlaps another, naming the other period; nothing is appended', () => {
    const straddling = period('2024-10-15', '2024-11-14', 8400, 7800);
    expect(decideOne(ledgerWith(september, october), straddling)).toEqual({
      outcome: 'rejected',
      issues: [
        {
          field: 'periodStart',
          message:
            'expected a period that does not overlap one already reported, got 2024-10-15 to 2024-11-14, partly overlapping period 2024-10-01 to 2024-10-31: report periods that meet end to end, or one containing the other whole (a year-to-date report replaces the periods it contains)',
        },
      ],
    });
    // against the year to date in force, the months it replaced are not the ones named
    expect(decideOne(ledgerWith(september, october, yearToDate), straddling).issues?.[0].message).toMatch(/partly overlapping period 2024-09-01 to 2024-10-31/);
    // ending inside the other period, it is the end that overlaps
    expect(decideOne(ledgerWith(november), period('2024-10-20', '2024-11-10', 4000, 3700)).issues?.[0]).toMatchObject({
      field: 'periodEnd',
      message: expect.stringMatching(/period 2024-11-01 to 2024-11-30/),
    });
  });

  it('refuses a month inside a year-to-date report in force, but a resent month is still a duplicate', () => {
    const ledger = ledgerWith(september, october, yearToDate);
    expect(decideOne(ledger, { ...september, attendanceDays: 7450 })).toEqual({
      outcome: 'rejected',
      issues: [
        {
          field: 'periodStart',
          message:
            'expected a period that does not overlap one already reported, got 2024-09-01 to 2024-09-30, inside period 2024-09-01 to 2024-10-31: restate that period, or report one containing it whole',
        },
      ],
    });
    expect(decideOne(ledger, { ...september })).toEqual({ outcome: 'duplicate' });
  });

  it('takes a restated month as a restatement, and a restated year to date too', () => {
    const restatedOctober = { ...october, attendanceDays: 8100 };
    expect(decideOne(ledgerWith(september, october), restatedOctober)).toEqual({
      outcome: 'restated',
      event: { type: 'AttendanceReported', data: restatedOctober },
    });
    // restated, October counts once: (7,400 + 8,100) / (8,000 + 8,800) = 15,500 / 16,800
    expect(attendanceRate([september, restatedOctober])).toMatchObject({ numerator: 15500, denominator: 16800 });
    expect(decideOne(ledgerWith(september, october, yearToDate), { ...yearToDate, attendanceDays: 15650 })).toMatchObject({ outcome: 'restated' });
  });

  it('decides the periods of one push against each other too, as if each were stored before the next', () => {
    const straddling = period('2024-10-15', '2024-11-14', 8400, 7800);
    expect(decideRecords(ledgerWith(), [september, october, yearToDate, straddling]).map((decision) => decision.outcome)).toEqual([
      'accepted',
      'accepted',
      'accepted',
      'rejected',
    ]);
    expect(decideRecords(ledgerWith(september), [october, straddling])[1].issues?.[0].message).toMatch(/partly overlapping period 2024-10-01 to 2024-10-31/);
  });

  it('lets a retracted year to date give way: a period overlapping it alone is then taken', () => {
    const ledger = evolveLedger(ledgerWith(yearToDate), [
      { type: 'RecordRetracted', data: { feed: 'attendance', naturalKey: naturalKeyOf('attendance', yearToDate), reason: 'sent for the wrong school' } },
    ]);
    expect(decideOne(ledger, september)).toMatchObject({ outcome: 'accepted' });
  });
});
