import { IndicatorCatalogue } from '../metrics/indicator-catalogue';
import type { MetricValue } from '../metrics/school-metrics';

/**
 * What decides whether a metric's value is a small number (docs/metrics.md): its kind in
 * the metric table and the indicator catalogue, never the value itself.
 * - `denominator`: a rate or a ratio (every metric of the table, and an indicator catalogued as
 *   a rate or ratio) covers the students, teachers or days it divides by;
 * - `numerator`: a count of students (an indicator catalogued as a count in `students`) covers
 *   as many students as it counts;
 * - `none`: any other count (instructional minutes) is a fact about the school, not about a few
 *   students, and is never small.
 * An uncatalogued indicator's kind is unknown: it is judged by its denominator, which is 1 when
 * it came without one, so it stays out of public view until the catalogue says what it is.
 */
export type SmallNumberBasis = 'denominator' | 'numerator' | 'none';

/** The units in which a catalogued count counts students. */
const STUDENT_UNITS: ReadonlySet<string> = new Set(['students', 'student']);

export function smallNumberBasis(metric: string, indicators: IndicatorCatalogue): SmallNumberBasis {
  if (!metric.startsWith('indicator.')) return 'denominator';
  const entry = indicators.get(metric.slice('indicator.'.length));
  if (entry?.kind !== 'count') return 'denominator';
  return entry.unit !== undefined && STUDENT_UNITS.has(entry.unit) ? 'numerator' : 'none';
}

/**
 * Every catalogued metric not judged by its denominator, with its basis: what the service writes
 * to `service_settings` (`small_number_basis`) so that the dashboards' views judge as it does.
 */
export function smallNumberBases(indicators: IndicatorCatalogue): Record<string, Exclude<SmallNumberBasis, 'denominator'>> {
  const bases: Record<string, Exclude<SmallNumberBasis, 'denominator'>> = {};
  for (const entry of indicators.list()) {
    const basis = smallNumberBasis(`indicator.${entry.name}`, indicators);
    if (basis !== 'denominator') bases[`indicator.${entry.name}`] = basis;
  }
  return bases;
}

/**
 * How many students (or teachers, or days) a value covers, by its metric's basis: undefined for
 * a count that covers none, or a value without numbers (the vendor suppressed it).
 */
export function coveredBy(metric: string, value: Pick<MetricValue, 'numerator' | 'denominator'>, indicators: IndicatorCatalogue): number | undefined {
  const basis = smallNumberBasis(metric, indicators);
  if (basis === 'none' || value.numerator === null || value.denominator === null) return undefined;
  return basis === 'numerator' ? value.numerator : value.denominator;
}

/** A value that covers fewer than nMin: flagged `smallNumber`, and withheld from whoever does not see it raw. */
export function isSmallNumber(metric: string, value: Pick<MetricValue, 'numerator' | 'denominator'>, nMin: number, indicators: IndicatorCatalogue): boolean {
  const covered = coveredBy(metric, value, indicators);
  return covered !== undefined && covered < nMin;
}
