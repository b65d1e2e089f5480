import { AlertStage } from '../alerts/alert-rules';
import { MetricDefinition } from '../metrics/metric-catalogue';
import { Estimate, SchoolCounts } from '../research/proof-points';
import { SchoolYear } from '../school-year';
import { ScorecardLine } from './scorecard';
import { TargetStatus } from './target-evaluation';

/** A cluster line of a contract's scorecard, as the annual review reads it (docs/domain.md, the annual review). */
export type ClusterRuleLine = Pick<ScorecardLine, 'metric' | 'contractYear' | 'status' | 'kind' | 'threshold' | 'actual' | 'schools'>;

const VERDICT: Record<TargetStatus, string> = {
  met: 'met',
  missed: 'missed',
  at_risk: 'is at risk in',
  on_track: 'is on track in',
  pending: 'cannot be judged yet in',
};

/** A number as a board reads it: at most three decimals, no trailing zeros. */
const figure = (value: number): string => String(Number(value.toFixed(3)));

/**
 * The cluster rule of docs/domain.md#statuses in words, for one cluster line: the verdict, then the
 * two facts it rests on, each only where the line has it: how many of the schools with a school
 * target missed it against "more than half" (exactly half is not more than half), and the
 * cluster's aggregate against the cluster target. A board reads the sentence beside the
 * numbers, so it says nothing the line does not hold.
 */
export function clusterRuleSentence(line: ClusterRuleLine): string {
  const facts: string[] = [];
  if (line.schools && line.schools.counted > 0) {
    const { counted, missed } = line.schools;
    const share = missed * 2 > counted ? 'more than half' : missed * 2 === counted ? 'exactly half, not more than half' : 'not more than half';
    facts.push(`${missed} of ${counted} schools missed their targets (${share})`);
  }
  if (line.kind !== 'school_majority') {
    facts.push(
      line.actual === null || line.threshold === null
        ? "the cluster's aggregate has no result against its target yet"
        : `the cluster's aggregate was ${figure(line.actual)} against a target of ${figure(line.threshold)}`,
    );
  }
  return `The cluster ${VERDICT[line.status]} year ${line.contractYear} for ${line.metric}${facts.length > 0 ? `: ${facts.join('; ')}` : ''}.`;
}

/** A cluster line with when the service learned it as shown (its `knownAt`). */
export interface RecordLine extends Pick<ScorecardLine, 'metric' | 'contractYear' | 'status' | 'evidence'> {
  knownAt: string;
}

/** An alert of the contract, any scope, as the record reads it. */
export interface RecordAlert {
  metric: string;
  contractYear: number;
  checkpoint: AlertStage;
  raisedAt: string;
}

/** Whether a year's first early warning came before its year-end result was known. */
export type WarningTiming = 'before' | 'after' | 'no warning' | 'not final yet';

export interface MetricRecord {
  metric: string;
  met: number[];
  missed: number[];
  /** The longest run of consecutive contract years missed. */
  consecutiveMisses: number;
  years: { contractYear: number; status: TargetStatus; firstWarningAt: string | null; resultAt: string | null; warning: WarningTiming }[];
}

/**
 * What the record shows per metric, by the contract's own terms (docs/domain.md, the annual review): the
 * contract years its cluster line met and missed, the longest run of consecutive misses, and for
 * each year whether the first early warning of the metric (any school or the cluster) was raised
 * before the year-end result: the earlier of the final line's knowledge time and the first
 * year-end alert. Facts only: it counts, it does not recommend.
 */
export function contractRecord(clusterLines: readonly RecordLine[], alerts: readonly RecordAlert[]): MetricRecord[] {
  const metrics = [...new Set(clusterLines.map((line) => line.metric))].sort();
  return metrics.map((metric) => {
    const lines = clusterLines.filter((line) => line.metric === metric).sort((a, b) => a.contractYear - b.contractYear);
    const years = lines.map((line) => {
      const of = (checkpoint: AlertStage) =>
        alerts
          .filter((alert) => alert.metric === metric && alert.contractYear === line.contractYear && alert.checkpoint === checkpoint)
          .map((alert) => new Date(alert.raisedAt).toISOString())
          .sort()[0] ?? null;
      const firstWarningAt = of('early_warning');
      const results = [of('year_end'), line.evidence === 'final' ? new Date(line.knownAt).toISOString() : null]
        .filter((at): at is string => at !== null)
        .sort();
      const resultAt = line.evidence === 'final' ? results[0] : null;
      const warning: WarningTiming =
        resultAt === null ? 'not final yet' : firstWarningAt === null ? 'no warning' : firstWarningAt < resultAt ? 'before' : 'after';
      return { contractYear: line.contractYear, status: line.status, firstWarningAt, resultAt, warning };
    });
    let run = 0;
    let consecutiveMisses = 0;
    let previous: number | undefined;
    for (const year of years) {
      run = year.status === 'missed' ? (previous !== undefined && previous === year.contractYear - 1 && run > 0 ? run + 1 : 1) : 0;
      consecutiveMisses = Math.max(consecutiveMisses, run);
      previous = year.contractYear;
    }
    return {
      metric,
      met: years.filter((year) => year.status === 'met').map((year) => year.contractYear),
      missed: years.filter((year) => year.status === 'missed').map((year) => year.contractYear),
      consecutiveMisses,
      years,
    };
  });
}

/**
 * One metric's 2x2 difference in differences for the annual review (docs/research.md and
 * 13): the contract's cluster against the never-treated comparison schools, from `baselineYear`
 * (the year before the cluster's first contract year) to `year`. `difference` is null where no
 * school on one side or the other has the metric in both years.
 */
export interface ComparisonFigure {
  metric: string;
  contractYear: number;
  baselineYear: SchoolYear;
  year: SchoolYear;
  difference: Pick<Estimate, 'value' | 'ci95' | 'insufficient' | 'intervalInsufficient'> | null;
  /** Schools counted on each side; null with no difference. */
  schools: SchoolCounts | null;
}

/** A metric's name in a sentence: `attendance rate`, `proficiency in math`, `graduation rate` (an indicator by its own name). */
export function metricWords(metric: string, definition: MetricDefinition | undefined): string {
  if (!definition) return metric;
  const words = (name: string) => name.replace(/_/g, ' ');
  if (definition.argument === undefined) return words(definition.family);
  return definition.source === 'indicator' ? words(definition.argument) : `${words(definition.family)} in ${words(definition.argument)}`;
}

/**
 * A change of a metric in its reader's unit: a rate in percentage points to one decimal
 * (0.025 = 2.5 percentage points, docs/domain.md#targets), a scale score in scale-score points, a
 * count in its unit (minutes), anything else as the number itself. Signed unless `magnitude`.
 */
export function changeWords(change: number, definition: MetricDefinition | undefined, magnitude = false): string {
  const value = magnitude ? Math.abs(change) : change;
  // -0.0004 rounds to "-0.0": a difference of nothing has no sign.
  const fixed = (scaled: number) => scaled.toFixed(1).replace(/^-(0\.0)$/, '$1');
  if (definition?.isRate) return `${fixed(value * 100)} percentage points`;
  if (definition?.family === 'scale_score') return `${fixed(value)} scale-score points`;
  const number = String(Number(value.toFixed(3)));
  return definition?.unit ? `${number} ${definition.unit}` : number;
}

/**
 * The difference in differences as a board member reads it (docs/domain.md, the annual review): how much
 * more (or less) the metric grew in the cluster's schools than in comparison schools, with
 * lower-is-better said where it applies, then what the 95% interval says: it excludes zero, or
 * it includes zero and the difference may be chance (an interval touching zero includes it), or
 * it rests on fewer schools than a bootstrap needs. A figure counting fewer schools than it needs
 * on a side is not read at all: the sentence says which side is short, its n and the minimum.
 * `definition`: the metric's, resolved by the caller against its catalogues.
 */
export function comparisonSentence(figure: ComparisonFigure, definition: MetricDefinition | undefined): string {
  const label = metricWords(figure.metric, definition);
  const when = `From ${figure.baselineYear} to ${figure.year} (contract year ${figure.contractYear})`;
  const { difference, schools } = figure;
  if (difference === null || schools === null) {
    return `${when}, there is nothing to compare yet: the cluster's schools or the comparison schools have no ${label} in both years.`;
  }
  if (difference.insufficient) {
    const needed = difference.insufficient.needed;
    const short = [
      schools.treated < needed ? `of the cluster's schools (n = ${schools.treated})` : undefined,
      schools.comparison < needed ? `comparison schools (n = ${schools.comparison})` : undefined,
    ].filter((side): side is string => side !== undefined);
    return `${when}, too few ${short.join(' and too few ')} have ${label} in both years to compare (at least ${needed} needed on each side).`;
  }
  const size = changeWords(difference.value, definition, true);
  const zero = Number(size.split(' ')[0]) === 0;
  const lower = definition?.direction === 'lower_is_better' ? ' (lower is better)' : '';
  const grew = zero
    ? `${label} grew as much in the cluster's schools as in comparison schools (a difference of ${size})`
    : `${label} grew ${size} ${difference.value > 0 ? 'more' : 'less'} in the cluster's schools than in comparison schools${lower}`;
  const { ci95, intervalInsufficient } = difference;
  let interval: string;
  if (ci95 === null) interval = 'no 95% interval could be computed';
  else {
    const range = `the 95% interval, ${changeWords(ci95.lower, definition).replace(/ .*$/, '')} to ${changeWords(ci95.upper, definition)},`;
    if (intervalInsufficient)
      interval = `${range} rests on too few schools to read (n = ${intervalInsufficient.have}; at least ${intervalInsufficient.needed} needed on each side)`;
    else if (ci95.lower > 0 || ci95.upper < 0) interval = `${range} excludes zero`;
    else interval = `${range} includes zero, so the difference may be chance`;
  }
  return `${when}, ${grew}; ${interval}.`;
}
