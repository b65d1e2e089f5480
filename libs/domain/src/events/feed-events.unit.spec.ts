import { parseWith } from './event-catalogue';
import { assessmentResultsReported, attendanceReported, staffingReported } from './feed-events';

const assessment = {
  schoolId: '01M015',
  schoolYear: '2010-11',
  window: 'annual',
  assessment: 'nys',
  subject: 'math',
  grade: '03',
  studentGroup: 'all',
  tested: 40,
  proficient: 12,
};

describe('feed event schemas', () => {
  it('takes an assessment code as a state writes it (MCAS, STAAR) and stores it in lower case, one natural key', () => {
    expect(parseWith(assessmentResultsReported.schema, { ...assessment, assessment: 'MCAS' })).toMatchObject({ assessment: 'mcas' });
    expect(parseWith(assessmentResultsReported.schema, { ...assessment, assessment: 'Staar_EOC' })).toMatchObject({ assessment: 'staar_eoc' });
    expect(() => parseWith(assessmentResultsReported.schema, { ...assessment, assessment: 'MCAS-2' })).toThrow(
      /assessment: expected an assessment code of letters, digits and _, in any case \(e.g. "MCAS"\)/,
    );
  });

  it('records a suppressed row with unknown counts, never zero', () => {
    const row = parseWith(assessmentResultsReported.schema, { ...assessment, proficient: null, suppressed: true });
    expect(row).toMatchObject({ tested: 40, proficient: null, suppressed: true });
    expect(() => parseWith(assessmentResultsReported.schema, { ...assessment, proficient: null })).toThrow(
      /proficient: expected the number proficient \(or mark the row suppressed\)/,
    );
  });

  it('rejects impossible numbers, naming the row and the field', () => {
    expect(() => parseWith(assessmentResultsReported.schema, { ...assessment, proficient: 41 }, 7)).toThrow(
      /row 7: proficient: expected at most the number tested \(40\), got 41/,
    );
    expect(() => parseWith(assessmentResultsReported.schema, { ...assessment, tested: -1 })).toThrow(/tested: expected a count of 0 or more/);
    const attendance = {
      schoolId: 'S1',
      schoolYear: '2024-25',
      periodStart: '2024-09-01',
      periodEnd: '2024-09-30',
      membershipDays: 1000,
      attendanceDays: 940,
    };
    expect(() => parseWith(attendanceReported.schema, { ...attendance, attendanceDays: 1001 })).toThrow(/attendanceDays: expected at most membershipDays/);
    expect(() => parseWith(attendanceReported.schema, { ...attendance, periodEnd: '2024-08-31' })).toThrow(/periodEnd: expected a date on or after/);
    expect(() => parseWith(attendanceReported.schema, { ...attendance, periodEnd: '2025-07-15' })).toThrow(/inside school year 2024-25/);
    expect(() => parseWith(attendanceReported.schema, { ...attendance, periodEnd: '2024-02-30' })).toThrow(/real calendar date/);
    expect(() => parseWith(staffingReported.schema, { schoolId: 'S1', schoolYear: '2024-25', asOf: '2024-10-01', teachers: 30, newHires: 31 })).toThrow(
      /newHires: expected at most the number of teachers \(30\)/,
    );
  });
});
