import { AlertStage } from '../alerts/alert-rules';
import { ScorecardLine } from './scorecard';
import { TargetStatus } from './target-evaluation';

/** A cluster line of a contract's scorecard, as the annual review reads it (DESIGN.md section 13). */
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
 * The cluster rule of DESIGN.md section 7 in words, for one cluster line: the verdict, then the
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
 * What the record shows per metric, by the contract's own terms (DESIGN.md section 13): the
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
      const results = [of('year_end'), line.evidence === 'final' ? new Date(line.knownAt).toISOString() : null].filter((at): at is string => at !== null).sort();
      const resultAt = line.evidence === 'final' ? results[0] : null;
      const warning: WarningTiming = resultAt === null ? 'not final yet' : firstWarningAt === null ? 'no warning' : firstWarningAt < resultAt ? 'before' : 'after';
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
