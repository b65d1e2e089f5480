import { MetricValue, rateOf } from '../metrics/school-metrics';
import { SchoolYear } from '../school-year';

/** One school's value of a metric in a school year. */
export interface SchoolValue extends Pick<MetricValue, 'metric' | 'numerator' | 'denominator'> {
  schoolId: string;
  schoolYear: SchoolYear;
}

/** The comparison schools' mean of a metric in a school year, and how many schools it averages. */
export interface ComparisonMean {
  metric: string;
  schoolYear: SchoolYear;
  mean: number;
  schools: number;
}

/**
 * The never-treated comparison schools' mean of each metric and school year (docs/domain.md,
 * the annual review: the line a contract's trend is read against): the unweighted mean of the schools' own
 * values, as the proof points average schools, not a pooled rate. A school without a value that
 * year (no denominator) is not counted. Ordered by metric, then school year.
 */
export function comparisonMeans(values: readonly SchoolValue[]): ComparisonMean[] {
  const groups = new Map<string, { metric: string; schoolYear: SchoolYear; sum: number; schools: Set<string> }>();
  for (const value of values) {
    const rate = rateOf(value);
    if (rate === null) continue;
    const key = `${value.metric}|${value.schoolYear}`;
    const group = groups.get(key) ?? { metric: value.metric, schoolYear: value.schoolYear, sum: 0, schools: new Set<string>() };
    groups.set(key, group);
    if (group.schools.has(value.schoolId)) continue;
    group.schools.add(value.schoolId);
    group.sum += rate;
  }
  return [...groups.values()]
    .map((group) => ({ metric: group.metric, schoolYear: group.schoolYear, mean: group.sum / group.schools.size, schools: group.schools.size }))
    .sort((a, b) => (a.metric === b.metric ? (a.schoolYear < b.schoolYear ? -1 : 1) : a.metric < b.metric ? -1 : 1));
}
