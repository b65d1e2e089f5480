import { ValidationError } from '../errors';
import { IndicatorCatalogue } from '../metrics/indicator-catalogue';
import { MappingProfile, mappingProfileSchema, prepareMapping, validateFeedRecord } from './mapping-profile';

const NO_INDICATORS = new IndicatorCatalogue([]);

const canonical = mappingProfileSchema.parse({ name: 'canonical', description: 'header row = field names' });

const nycShaped: MappingProfile = mappingProfileSchema.parse({
  name: 'nyc-like',
  description: 'NYC DOE math results shape',
  feeds: ['assessment'],
  columns: {
    DBN: 'schoolId',
    Grade: 'grade',
    Year: 'schoolYear',
    Demographic: 'studentGroup',
    'Number Tested': 'tested',
    'Mean Scale Score': 'meanScaleScore',
    'Num Level 1': 'levels.level_1',
    'Num Level 3 and 4': 'proficient',
  },
  ignore: ['Pct Level 1', 'Pct Level 3 and 4'],
  constants: { window: 'annual', assessment: 'nys', subject: 'math' },
  values: { grade: { '3': '03', 'All Grades': 'all' }, studentGroup: { 'All Students': 'all' } },
  skip: [{ column: 'Demographic', in: ['Female', 'Male'] }],
  schoolYearFormat: 'end-year',
});

const NYC_HEADER = [
  'DBN',
  'Grade',
  'Year',
  'Demographic',
  'Number Tested',
  'Mean Scale Score',
  'Num Level 1',
  'Pct Level 1',
  'Num Level 3 and 4',
  'Pct Level 3 and 4',
];

describe('vendor mapping profile', () => {
  const map = prepareMapping(nycShaped, 'assessment', NYC_HEADER, NO_INDICATORS);

  it('maps a vendor row: columns, value maps, constants, and Year 2006 as school year 2005-06', () => {
    expect(map(['01M015', '3', '2006', 'All Students', '39', '667', '2', '5.1', '28', '71.8'], 2)).toEqual({
      kind: 'record',
      record: {
        schoolId: '01M015',
        schoolYear: '2005-06',
        window: 'annual',
        assessment: 'nys',
        subject: 'math',
        grade: '03',
        studentGroup: 'all',
        tested: 39,
        proficient: 28,
        meanScaleScore: 667,
        levels: { level_1: 2 },
        suppressed: false,
      },
    });
    expect(map(['01M015', 'All Grades', '2006', 'All Students', '120', '670', '5', '4.2', '80', '66.7'], 3)).toMatchObject({
      record: { grade: 'all', tested: 120, proficient: 80 },
    });
  });

  it('records `s` cells as suppressed with unknown counts, never zero', () => {
    expect(map(['01M015', '3', '2006', 'All Students', '4', 's', 's', 's', 's', 's'], 4)).toMatchObject({
      kind: 'record',
      record: { tested: 4, proficient: null, meanScaleScore: null, levels: { level_1: null }, suppressed: true },
    });
  });

  it('skips rows the profile leaves out on purpose', () => {
    expect(map(['01M015', '3', '2006', 'Female', '20', '660', '1', '5', '14', '70'], 5)).toEqual({ kind: 'skipped' });
  });

  it('names the row, the vendor column and the expectation when a row is wrong', () => {
    expect(map(['01M015', '3', '2006', 'All Students', '39', '667', '2', '5.1', '41', '71.8'], 6)).toEqual({
      kind: 'rejected',
      issues: [{ row: 6, field: 'Num Level 3 and 4 (proficient)', message: 'expected at most the number tested (39), got 41' }],
    });
    expect(map(['01M015', '3', '06', 'All Students', 'many', '667', '2', '5.1', '20', '71.8'], 7)).toEqual({
      kind: 'rejected',
      issues: [
        { row: 7, field: 'Year (schoolYear)', message: "expected a school year written as the year it ends, e.g. 2006 for 2005-06, got '06'" },
        { row: 7, field: 'Number Tested (tested)', message: "expected a number, got 'many'" },
      ],
    });
    expect(map(['01M015', '13', '2006', 'All Students', '-3', '667', '2', '5.1', '0', '0'], 8)).toMatchObject({
      kind: 'rejected',
      issues: [
        { row: 8, field: 'Grade (grade)', message: expect.stringContaining('expected one of') },
        { row: 8, field: 'Number Tested (tested)', message: 'expected a count of 0 or more' },
      ],
    });
  });

  it('rejects the whole file for a header it cannot map, before any row', () => {
    const header = [...NYC_HEADER.filter((column) => column !== 'Num Level 3 and 4'), 'Pct Level 2'];
    expect(() => prepareMapping(nycShaped, 'assessment', header, NO_INDICATORS)).toThrow(ValidationError);
    try {
      prepareMapping(nycShaped, 'assessment', header, NO_INDICATORS);
    } catch (error) {
      expect((error as ValidationError).issues).toEqual([
        { field: 'Pct Level 2', message: "column is not mapped by profile 'nyc-like': map it under columns or list it under ignore" },
        { field: 'proficient', message: 'no column gives proficient: expected a column named proficient or mapped to it' },
      ]);
    }
    expect(() => prepareMapping(nycShaped, 'attendance', NYC_HEADER, NO_INDICATORS)).toThrow(/profile 'nyc-like' maps assessment files, not attendance/);
  });

  it('says which known profile a header fits, in one message, rather than one per column', () => {
    const issuesOf = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return (error as ValidationError).issues;
      }
      return [];
    };
    // the NYC header pushed as canonical: 10 unknown columns and 9 missing fields become one hint
    expect(issuesOf(() => prepareMapping(canonical, 'assessment', NYC_HEADER, NO_INDICATORS, [canonical, nycShaped]))).toEqual([
      { field: 'profile', message: "this looks like nyc-like: add ?profile=nyc-like (CLI: --profile nyc-like); the header does not fit profile 'canonical'" },
    ]);
    // a header no known profile takes keeps every issue: 11 unknown columns + 9 missing fields
    expect(issuesOf(() => prepareMapping(canonical, 'assessment', [...NYC_HEADER, 'Comment'], NO_INDICATORS, [canonical, nycShaped]))).toHaveLength(20);
    // a profile of another feed is no hint
    expect(issuesOf(() => prepareMapping(canonical, 'attendance', NYC_HEADER, NO_INDICATORS, [canonical, nycShaped]))).not.toContainEqual(
      expect.objectContaining({ field: 'profile' }),
    );
  });

  it('rejects a file with student-level columns as a whole', () => {
    expect(() => prepareMapping(canonical, 'assessment', ['schoolId', 'Student ID', 'Last_Name', 'DOB', 'School Name'], NO_INDICATORS)).toThrow(
      /Student ID: student-level column.*Last_Name: student-level column.*DOB: student-level column/,
    );
  });
});

describe('canonical CSV: header row = field names', () => {
  const header = ['schoolId', 'schoolYear', 'periodStart', 'periodEnd', 'membershipDays', 'attendanceDays', 'enrollment', 'chronicallyAbsent'];
  const map = prepareMapping(canonical, 'attendance', header, NO_INDICATORS);

  it('converts numbers and leaves empty optional cells out', () => {
    expect(map(['S1', '2024-25', '2024-09-01', '2024-09-30', '1,200', '1140.5', '', ''], 2)).toEqual({
      kind: 'record',
      record: { schoolId: 'S1', schoolYear: '2024-25', periodStart: '2024-09-01', periodEnd: '2024-09-30', membershipDays: 1200, attendanceDays: 1140.5 },
    });
  });

  it('refuses a suppression marker where a count cannot be suppressed', () => {
    expect(map(['S1', '2024-25', '2024-09-01', '2024-09-30', 's', '10', '', ''], 3)).toEqual({
      kind: 'rejected',
      issues: [{ row: 3, field: 'membershipDays', message: "got suppression marker 's': only assessment counts may be suppressed, expected a value" }],
    });
  });

  it('rejects impossible numbers and a school year not written YYYY-YY', () => {
    expect(map(['S1', '2024-2025', '2024-09-30', '2024-09-01', '100', '120', '', ''], 4)).toMatchObject({
      kind: 'rejected',
      issues: expect.arrayContaining([
        { row: 4, field: 'schoolYear', message: 'expected a school year written YYYY-YY with consecutive years, e.g. "2024-25"' },
      ]),
    });
    expect(map(['S1', '2024-25', '2024-09-30', '2024-09-01', '100', '120', '', ''], 5)).toEqual({
      kind: 'rejected',
      issues: [
        { row: 5, field: 'periodEnd', message: 'expected a date on or after periodStart 2024-09-30' },
        { row: 5, field: 'attendanceDays', message: 'expected at most membershipDays (100), got 120' },
      ],
    });
  });

  it('names unknown columns with the fields it expected', () => {
    expect(() => prepareMapping(canonical, 'attendance', [...header, 'absences'], NO_INDICATORS)).toThrow(
      /absences: expected a attendance field \(schoolId, schoolYear, periodStart/,
    );
  });

  it('checks JSON records against the same schema', () => {
    expect(validateFeedRecord('indicators', { schoolId: 'S1', schoolYear: '2024-25', indicator: 'dropouts', numerator: -1 }, 9, NO_INDICATORS)).toEqual({
      kind: 'rejected',
      issues: [{ row: 9, field: 'numerator', message: 'expected a number of 0 or more' }],
    });
  });
});
