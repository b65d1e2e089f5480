import { IndicatorCatalogue, IndicatorEntry } from '../metrics/indicator-catalogue';
import { coveredBy, isSmallNumber, smallNumberBases, smallNumberBasis } from './small-numbers';

/** The shipped kinds, and a state's own count of students. */
const ENTRIES: IndicatorEntry[] = [
  { name: 'dropout_rate', kind: 'rate', direction: 'lower_is_better', description: 'dropouts / enrollment' },
  { name: 'discipline_incident_rate', kind: 'ratio', direction: 'lower_is_better', description: 'incidents / enrolled students' },
  { name: 'instructional_minutes', kind: 'count', unit: 'minutes', direction: 'higher_is_better', description: 'minutes of instruction' },
  { name: 'expulsions', kind: 'count', unit: 'students', direction: 'lower_is_better', description: 'students expelled' },
];
const catalogue = new IndicatorCatalogue(ENTRIES);
const N_MIN = 10;
const small = (metric: string, numerator: number, denominator: number) => isSmallNumber(metric, { numerator, denominator }, N_MIN, catalogue);

describe('small numbers follow the metric kind, never the value (docs/metrics.md)', () => {
  it('judges a rate indicator of 1 dropout in 1 enrolled by its denominator: small, not a count shown as it is', () => {
    expect(smallNumberBasis('indicator.dropout_rate', catalogue)).toBe('denominator');
    expect(small('indicator.dropout_rate', 1, 1)).toBe(true);
    expect(small('indicator.dropout_rate', 1, 40)).toBe(false);
  });

  it('judges a ratio by its denominator even when the numerator is larger', () => {
    expect(small('indicator.discipline_incident_rate', 30, 8)).toBe(true);
    expect(small('indicator.discipline_incident_rate', 3, 12)).toBe(false);
  });

  it('never calls a count of minutes small, whatever its value or roll-up denominator (the number of schools)', () => {
    expect(smallNumberBasis('indicator.instructional_minutes', catalogue)).toBe('none');
    expect(small('indicator.instructional_minutes', 64_800, 1)).toBe(false);
    expect(small('indicator.instructional_minutes', 5, 3)).toBe(false);
    expect(coveredBy('indicator.instructional_minutes', { numerator: 64_800, denominator: 1 }, catalogue)).toBeUndefined();
  });

  it('judges a count of students by the students it counts', () => {
    expect(smallNumberBasis('indicator.expulsions', catalogue)).toBe('numerator');
    expect(small('indicator.expulsions', 3, 1)).toBe(true);
    expect(small('indicator.expulsions', 12, 1)).toBe(false);
  });

  it('judges an uncatalogued indicator by its denominator (1 when it came without one) and the metric table by its denominators', () => {
    expect(small('indicator.grit', 7, 1)).toBe(true);
    expect(small('proficiency.math', 2, 9)).toBe(true);
    expect(small('proficiency.math', 2, 10)).toBe(false);
    expect(small('scale_score.math', 2_400, 9)).toBe(true);
    expect(isSmallNumber('proficiency.math', { numerator: null, denominator: null }, N_MIN, catalogue)).toBe(false);
  });

  it('lists for the dashboards every catalogued metric not judged by its denominator', () => {
    expect(smallNumberBases(catalogue)).toEqual({ 'indicator.instructional_minutes': 'none', 'indicator.expulsions': 'numerator' });
  });
});
