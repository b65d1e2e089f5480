import { PerformanceContractSigned, Target, TargetKind } from '../events/registry-events';
import { MetricValue } from '../metrics/school-metrics';
import { clusterInYear, ClusterMembership } from '../registry/school/school';
import { SchoolYear, schoolYearOfContractYear } from '../school-year';
import { DEFAULT_RULES, evaluateTarget, Evaluation, EvaluationRules, leadingMetricOf, rollUp } from './target-evaluation';

export type ScorecardContract = Pick<
  PerformanceContractSigned['data'],
  'contractId' | 'partnerId' | 'clusterId' | 'schoolIds' | 'startYear' | 'baselineYear'
> & { targets: readonly Target[] };

/** What a scorecard reads: memberships by school year, and metric values by school and year. */
export interface ScorecardFacts {
  memberships: Readonly<Record<string, readonly ClusterMembership[]>>;
  value(schoolId: string, year: SchoolYear, metric: string): MetricValue | undefined;
  stateAverage(year: SchoolYear, metric: string): MetricValue | undefined;
}

export interface ScorecardLine extends Evaluation {
  scope: 'school' | 'cluster';
  /** The school id, or the cluster id. */
  subjectId: string;
  metric: string;
  contractYear: number;
  schoolYear: SchoolYear;
  /** `school_majority`: the cluster line the majority rule adds where only school targets exist. */
  kind: TargetKind | 'school_majority';
  /** On cluster lines: how many member schools had a school target for the metric and year, and how many missed it. */
  schools?: { counted: number; missed: number };
}

/**
 * A contract's scorecard (DESIGN.md sections 6 and 7): one line per target and school (or the
 * cluster) with baseline, threshold, actual and status.
 *
 * - A school counts in the years it is a member of the contract's cluster: one that joins in
 *   contract year 2 has no lines for year 1, and is in the cluster's aggregate from year 2 on.
 * - A cluster's aggregate sums the numerators and denominators of the schools that are members
 *   in the contract year; its baseline sums the same schools in the baseline year, so that
 *   a gain compares like with like.
 * - A cluster is off track for a year when its aggregate misses the cluster target, or more
 *   than half of its schools miss theirs.
 */
export function contractScorecard(contract: ScorecardContract, facts: ScorecardFacts, rules: EvaluationRules = DEFAULT_RULES): ScorecardLine[] {
  const lines: ScorecardLine[] = [];
  const targets = [...contract.targets].sort((a, b) => a.contractYear - b.contractYear || compare(a.metric, b.metric) || compare(b.scope, a.scope));
  for (const target of targets) {
    const schoolYear = schoolYearOfContractYear(contract.startYear, target.contractYear);
    const members = contract.schoolIds.filter((schoolId) => clusterInYear(facts.memberships[schoolId] ?? [], schoolYear) === contract.clusterId);
    const leadingMetric = leadingMetricOf(target.metric);
    const stateAverage = facts.stateAverage(schoolYear, target.metric);
    const line = { metric: target.metric, contractYear: target.contractYear, schoolYear, kind: target.kind };
    if (target.scope === 'school') {
      for (const schoolId of members) {
        const evaluation = evaluateTarget(
          target,
          {
            baseline: facts.value(schoolId, contract.baselineYear, target.metric),
            actual: facts.value(schoolId, schoolYear, target.metric),
            leading: leadingMetric ? facts.value(schoolId, schoolYear, leadingMetric) : undefined,
            stateAverage,
          },
          rules,
        );
        lines.push({ ...line, scope: 'school', subjectId: schoolId, ...evaluation });
      }
    } else {
      const sum = (year: SchoolYear, metric: string) =>
        rollUp(metric, members.map((schoolId) => facts.value(schoolId, year, metric)).filter((value): value is MetricValue => value !== undefined));
      const evaluation = evaluateTarget(
        target,
        {
          baseline: sum(contract.baselineYear, target.metric),
          actual: sum(schoolYear, target.metric),
          leading: leadingMetric ? sum(schoolYear, leadingMetric) : undefined,
          stateAverage,
        },
        rules,
      );
      lines.push({ ...line, scope: 'cluster', subjectId: contract.clusterId, ...evaluation });
    }
  }
  return applyMajorityRule(contract.clusterId, lines);
}

function applyMajorityRule(clusterId: string, lines: ScorecardLine[]): ScorecardLine[] {
  const result = [...lines];
  const groups = new Map<string, ScorecardLine[]>();
  for (const line of lines.filter((candidate) => candidate.scope === 'school')) {
    const key = `${line.contractYear}|${line.metric}`;
    groups.set(key, [...(groups.get(key) ?? []), line]);
  }
  for (const schoolLines of groups.values()) {
    const { metric, contractYear, schoolYear } = schoolLines[0];
    const schools = { counted: schoolLines.length, missed: schoolLines.filter((line) => line.status === 'missed').length };
    const majorityMissed = schools.missed > schools.counted / 2;
    const index = result.findIndex((line) => line.scope === 'cluster' && line.metric === metric && line.contractYear === contractYear);
    if (index >= 0) {
      const cluster = result[index];
      result[index] =
        majorityMissed && cluster.status !== 'missed'
          ? { ...cluster, schools, status: 'missed', reason: `${schools.missed} of ${schools.counted} schools missed their targets` }
          : { ...cluster, schools };
      continue;
    }
    const allFinal = schoolLines.every((line) => line.status === 'met' || line.status === 'missed');
    const share = schools.missed / schools.counted;
    result.push({
      scope: 'cluster',
      subjectId: clusterId,
      metric,
      contractYear,
      schoolYear,
      kind: 'school_majority',
      schools,
      // The threshold is the share of schools that may miss; the actual is the share that did.
      threshold: 0.5,
      baseline: null,
      actual: allFinal || majorityMissed ? share : null,
      evidence: allFinal || majorityMissed ? 'final' : 'none',
      status: majorityMissed ? 'missed' : allFinal ? 'met' : 'pending',
      ...(majorityMissed ? { reason: `${schools.missed} of ${schools.counted} schools missed their targets` } : {}),
    });
  }
  return result;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
