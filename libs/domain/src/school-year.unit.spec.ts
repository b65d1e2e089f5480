import {
  addSchoolYears,
  contractYearOf,
  firstDayOfSchoolYear,
  lastDayOfSchoolYear,
  parseSchoolYear,
  schoolYearOfContractYear,
  schoolYearOfDate,
  schoolYearProblem,
  schoolYearSchema,
} from './school-year';
import { parseWith } from './events/event-catalogue';

describe('school year', () => {
  it('is written YYYY-YY with consecutive years', () => {
    expect(parseSchoolYear('2024-25')).toBe(2024);
    expect(parseSchoolYear('1999-00')).toBe(1999);
    expect(parseSchoolYear('2024-26')).toBeUndefined();
    expect(parseSchoolYear('2024-2025')).toBeUndefined();
    expect(parseSchoolYear('2024')).toBeUndefined();
  });

  it('says what is wrong: the form, a second part that does not follow the first, a year before 1900 or after 2100', () => {
    expect(schoolYearProblem('2024-25')).toBeUndefined();
    expect(schoolYearProblem('1900-01')).toBeUndefined();
    expect(schoolYearProblem('2099-00')).toBeUndefined();
    expect(schoolYearProblem('2024-2025')).toBe('expected a school year written YYYY-YY with consecutive years, e.g. "2024-25"');
    expect(schoolYearProblem('2024-26')).toBe('expected the year after 2024 as the second part: "2024-25"');
    expect(schoolYearProblem('2024-24')).toBe('expected the year after 2024 as the second part: "2024-25"');
    expect(schoolYearProblem('0000-01')).toBe('expected a school year from 1900-01 to 2099-00');
    expect(schoolYearProblem('1899-00')).toBe('expected a school year from 1900-01 to 2099-00');
    expect(schoolYearProblem('2100-01')).toBe('expected a school year from 1900-01 to 2099-00');
    expect(parseSchoolYear('0000-01')).toBeUndefined();
    expect(() => parseWith(schoolYearSchema, '2024-26')).toThrow('(record): expected the year after 2024 as the second part: "2024-25"');
  });

  it('runs July 1 to June 30', () => {
    expect(firstDayOfSchoolYear('2024-25')).toBe('2024-07-01');
    expect(lastDayOfSchoolYear('2024-25')).toBe('2025-06-30');
    expect(schoolYearOfDate('2024-07-01')).toBe('2024-25');
    expect(schoolYearOfDate('2025-06-30')).toBe('2024-25');
    expect(schoolYearOfDate('1999-09-01')).toBe('1999-00');
  });

  it('counts contract years from the start year', () => {
    expect(contractYearOf('2023-24', '2023-24')).toBe(1);
    expect(contractYearOf('2023-24', '2025-26')).toBe(3);
    expect(contractYearOf('2023-24', '2022-23')).toBe(0);
    expect(schoolYearOfContractYear('2023-24', 3)).toBe('2025-26');
    expect(addSchoolYears('2009-10', -1)).toBe('2008-09');
  });
});
