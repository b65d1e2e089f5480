import {
  addSchoolYears,
  contractYearOf,
  firstDayOfSchoolYear,
  lastDayOfSchoolYear,
  parseSchoolYear,
  schoolYearOfContractYear,
  schoolYearOfDate,
} from './school-year';

describe('school year', () => {
  it('is written YYYY-YY with consecutive years', () => {
    expect(parseSchoolYear('2024-25')).toBe(2024);
    expect(parseSchoolYear('1999-00')).toBe(1999);
    expect(parseSchoolYear('2024-26')).toBeUndefined();
    expect(parseSchoolYear('2024-2025')).toBeUndefined();
    expect(parseSchoolYear('2024')).toBeUndefined();
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
