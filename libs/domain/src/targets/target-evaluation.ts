import { Target } from '../events/registry-events';
import { MetricCatalogues, metricDefinition, metricFamilyOf } from '../metrics/metric-catalogue';
import { MetricValue, rateOf } from '../metrics/school-metrics';

/** docs/domain.md#statuses: the status of one school or cluster x metric x contract year. */
export type TargetStatus = 'pending' | 'on_track' | 'at_risk' | 'met' | 'missed';

export interface Evaluation {
  status: TargetStatus;
  /** The value the year must reach (at most, for lower-is-better metrics); absent when it cannot be set yet. */
  threshold: number | null;
  baseline: number | null;
  /** The final value, or while the year is open the leading evidence. */
  actual: number | null;
  evidence: 'final' | 'leading' | 'none';
  /** Why the status is what it is, when the numbers alone do not say (no baseline, suppressed, ...). */
  reason?: string;
}

export interface TargetFacts {
  /** The school's or cluster's value in the contract's baseline year. */
  baseline?: MetricValue;
  /** The value in the contract year: final, or leading evidence while the year is open. */
  actual?: MetricValue;
  /** For a proficiency target while the year is open: the latest interim proficiency. */
  leading?: MetricValue;
  /** The same metric over all schools of the state in the contract year, for `stateAverage` goals. */
  stateAverage?: MetricValue;
}

export interface EvaluationRules {
  /** Leading evidence this far short of the threshold still counts as on track (default 0). */
  tolerance: number;
}

export const DEFAULT_RULES: EvaluationRules = { tolerance: 0 };

/** Which way is better for a target's metric: an indicator's direction is its catalogue entry's. */
function lowerIsBetter(metric: string, catalogues: MetricCatalogues): boolean {
  return metricDefinition(metric, catalogues)?.direction === 'lower_is_better';
}

/**
 * The threshold a target sets (docs/domain.md#targets). Gains and gap closures move toward
 * "better": up for most metrics, down for lower-is-better ones (chronic absence, vacancies),
 * as the catalogues say.
 */
export function targetThreshold(
  target: Target,
  baseline: number | null,
  stateAverage: number | null,
  catalogues: MetricCatalogues,
): { threshold: number } | { reason: string } {
  const lower = lowerIsBetter(target.metric, catalogues);
  if (target.kind === 'absolute') return { threshold: target.value };
  if (baseline === null) return { reason: 'no baseline value for the baseline year' };
  switch (target.kind) {
    case 'gain':
      return { threshold: lower ? baseline - target.value : baseline + target.value };
    case 'gap_closure': {
      const goal = target.goal === 'stateAverage' ? stateAverage : (target.goal ?? (lower ? 0 : 1));
      if (goal === null) return { reason: 'no state average for the year yet' };
      return { threshold: baseline + target.value * (goal - baseline) };
    }
    case 'non_proficient_reduction':
      return { threshold: 1 - (1 - baseline) * (1 - target.value) };
  }
}

/**
 * Status of one target from its facts: final -> met/missed; leading evidence -> on_track/at_risk;
 * nothing -> pending. `catalogues`: what says which way is better for an indicator's target.
 */
export function evaluateTarget(target: Target, facts: TargetFacts, catalogues: MetricCatalogues, rules: EvaluationRules = DEFAULT_RULES): Evaluation {
  const baseline = facts.baseline ? rateOf(facts.baseline) : null;
  const lower = lowerIsBetter(target.metric, catalogues);
  const reaches = (actual: number, threshold: number, slack = 0) => (lower ? actual <= threshold + slack : actual >= threshold - slack);
  const set = targetThreshold(target, baseline, facts.stateAverage ? rateOf(facts.stateAverage) : null, catalogues);
  const threshold = 'threshold' in set ? set.threshold : null;
  const base = { threshold, baseline };

  const final = facts.actual?.final ? facts.actual : undefined;
  const leading = final ? undefined : (facts.leading ?? facts.actual);
  if (final) {
    const actual = rateOf(final);
    if (actual === null) return { ...base, status: 'pending', actual: null, evidence: 'none', reason: 'the final result is suppressed' };
    if (threshold === null) return { ...base, status: 'pending', actual, evidence: 'final', reason: (set as { reason: string }).reason };
    return { ...base, status: reaches(actual, threshold) ? 'met' : 'missed', actual, evidence: 'final' };
  }
  const actual = leading ? rateOf(leading) : null;
  if (actual === null)
    return { ...base, status: 'pending', actual: null, evidence: 'none', ...(leading ? { reason: 'the leading evidence is suppressed' } : {}) };
  if (threshold === null) return { ...base, status: 'pending', actual, evidence: 'leading', reason: (set as { reason: string }).reason };
  return { ...base, status: reaches(actual, threshold, rules.tolerance) ? 'on_track' : 'at_risk', actual, evidence: 'leading' };
}

/** The leading evidence of a metric while its year is open, when it is another metric. */
export function leadingMetricOf(metric: string): string | undefined {
  const named = metricFamilyOf(metric);
  return named?.family.family === 'proficiency' ? `interim_proficiency.${named.argument}` : undefined;
}

/** Sums numerators and denominators (docs/metrics.md): the roll-up of schools to a cluster, partner, zone or state. */
export function rollUp(metric: string, values: readonly MetricValue[]): MetricValue | undefined {
  if (values.length === 0) return undefined;
  const known = values.filter((value) => value.numerator !== null && value.denominator !== null);
  const through = values.reduce((latest, value) => (value.through > latest ? value.through : latest), values[0].through);
  const partial = known.length < values.length || known.some((value) => value.partial);
  if (known.length === 0)
    return { metric, numerator: null, denominator: null, suppressed: true, partial: false, final: values.every((value) => value.final), through };
  return {
    metric,
    numerator: known.reduce((sum, value) => sum + (value.numerator as number), 0),
    denominator: known.reduce((sum, value) => sum + (value.denominator as number), 0),
    suppressed: false,
    partial,
    final: values.every((value) => value.final),
    through,
  };
}
