import { FieldIssue, ValidationError } from '../errors';

/**
 * Student identifiers never enter the store (docs/feeds.md). A column is taken as
 * student-level when its name, lower-cased with everything but letters and digits removed,
 * contains one of these words or is one of the short codes. `School Name` and `Number Tested`
 * pass; `Student ID`, `SASID`, `Last_Name`, `DOB` do not.
 */
const CONTAINS = [
  'studentid',
  'studentnumber',
  'studentname',
  'pupilid',
  'sasid',
  'lasid',
  'firstname',
  'lastname',
  'middlename',
  'givenname',
  'familyname',
  'surname',
  'dateofbirth',
  'birthdate',
  'birthday',
  'socialsecurity',
];
const EXACT = ['ssid', 'ssn', 'dob', 'nsn', 'stuid', 'studentkey', 'student'];

export function studentLevelColumns(columns: readonly string[]): string[] {
  return columns.filter((column) => {
    const normalised = column.toLowerCase().replace(/[^a-z0-9]/g, '');
    return EXACT.includes(normalised) || CONTAINS.some((word) => normalised.includes(word));
  });
}

/** One issue per student-level column, naming it and what to do. */
export function studentLevelIssues(columns: readonly string[]): FieldIssue[] {
  return studentLevelColumns(columns).map((column) => ({
    field: column,
    message:
      'student-level column: feeds are school-level and must not carry student ids, SASIDs, names or birth dates; ' +
      'remove the column (or aggregate to one row per school) and push again. Nothing of this file was stored',
  }));
}

/** Rejects a whole file or batch before anything of it is stored. */
export function assertSchoolLevel(columns: readonly string[]): void {
  const issues = studentLevelIssues(columns);
  if (issues.length > 0) throw new ValidationError(issues);
}
