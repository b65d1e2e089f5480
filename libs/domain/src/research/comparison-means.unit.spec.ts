import { comparisonMeans, SchoolValue } from './comparison-means';

const value = (schoolId: string, schoolYear: string, numerator: number | null, denominator: number | null, metric = 'attendance_rate'): SchoolValue => ({
  schoolId,
  schoolYear,
  metric,
  numerator,
  denominator,
});

describe("the comparison schools' mean", () => {
  it('averages the schools, not their students: 0.90 over 1,000 days and 0.80 over 100 give 0.85', () => {
    const [mean] = comparisonMeans([value('A', '2023-24', 900, 1000), value('B', '2023-24', 80, 100)]);
    expect(mean).toEqual({ metric: 'attendance_rate', schoolYear: '2023-24', mean: expect.closeTo(0.85, 12), schools: 2 });
  });

  it('leaves out a school without a value that year, and counts a school once', () => {
    const means = comparisonMeans([
      value('A', '2023-24', 900, 1000),
      value('B', '2023-24', null, null),
      value('C', '2023-24', 0, 0),
      value('A', '2023-24', 900, 1000),
    ]);
    expect(means).toEqual([{ metric: 'attendance_rate', schoolYear: '2023-24', mean: 0.9, schools: 1 }]);
  });

  it('keeps metrics and school years apart, ordered by metric then year', () => {
    const means = comparisonMeans([value('A', '2024-25', 95, 100), value('A', '2023-24', 90, 100), value('A', '2023-24', 3, 10, 'chronic_absence_rate')]);
    expect(means.map((mean) => [mean.metric, mean.schoolYear, mean.mean])).toEqual([
      ['attendance_rate', '2023-24', 0.9],
      ['attendance_rate', '2024-25', 0.95],
      ['chronic_absence_rate', '2023-24', 0.3],
    ]);
  });

  it('has nothing to say without values', () => {
    expect(comparisonMeans([])).toEqual([]);
  });
});
