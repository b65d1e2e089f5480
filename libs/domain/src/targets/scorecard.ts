import { PerformanceContractSigned, Target, TargetKind } from '../events/registry-events';
import { MetricCatalogues } from '../metrics/metric-catalogue';
import { MetricValue } from '../metrics/school-metrics';
import { clusterInYear, ClusterMembership } from '../registry/school/school';
import { SchoolYear, schoolYearOfContractYear } from '../school-year';
import { DEFAULT_RULES, evaluateTarget, Evaluation, EvaluationRules, leadingMetricOf, rollUp, TargetStatus } from './target-evaluation';

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
 * A contract's scorecard (docs/domain.md#targets and docs/domain.md#statuses): one line per target and school (or the
 * cluster) with baseline, threshold, actual and status.
 *
 * - A school counts in the years it is a member of the contract's cluster: one that joins in
 *   contract year 2 has no lines for year 1, and is in the cluster's aggregate from year 2 on.
 * - A cluster's aggregate sums the numerators and denominators of the schools that are members
 *   in the contract year; its baseline sums the same schools in the baseline year, so that
 *   a gain compares like with like.
 * - A cluster is off track for a year when its aggregate misses the cluster target, or more
 *   than half of its schools miss theirs (`majorityOfSchools`).
 *
 * `catalogues`: what says which way is better for an indicator's target (evaluateTarget).
 */
export function contractScorecard(
  contract: ScorecardContract,
  facts: ScorecardFacts,
  catalogues: MetricCatalogues,
  rules: EvaluationRules = DEFAULT_RULES,
): ScorecardLine[] {
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
          catalogues,
          rules,
        );
        lines.push({ ...line, scope: 'school', subjectId: schoolId, ...evaluation });
      }
    } else {
      const sum = (year: SchoolYear, metric: string) =>
        rollUp(
          metric,
          members.map((schoolId) => facts.value(schoolId, year, metric)).filter((value): value is MetricValue => value !== undefined),
        );
      const evaluation = evaluateTarget(
        target,
        {
          baseline: sum(contract.baselineYear, target.metric),
          actual: sum(schoolYear, target.metric),
          leading: leadingMetric ? sum(schoolYear, leadingMetric) : undefined,
          stateAverage,
        },
        catalogues,
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
    const majority = majorityOfSchools(schoolLines.map((line) => line.status));
    const schools = { counted: schoolLines.length, missed: majority.missed };
    const index = result.findIndex((line) => line.scope === 'cluster' && line.metric === metric && line.contractYear === contractYear);
    if (index >= 0) {
      // A cluster target's line is off track when its aggregate is, or when the schools are. It
      // takes the schools' status only with a threshold and an actual of its own (an alert
      // carries both); without them it stays pending, saying why and what the schools show.
      const cluster = result[index];
      const worse =
        majority.status === 'missed'
          ? cluster.status !== 'missed'
          : majority.status === 'at_risk' && cluster.status !== 'missed' && cluster.status !== 'at_risk';
      const judged = cluster.threshold !== null && cluster.actual !== null;
      result[index] = !worse
        ? { ...cluster, schools }
        : judged
          ? { ...cluster, schools, status: majority.status, reason: majority.reason }
          : { ...cluster, schools, reason: `${cluster.reason ?? 'the cluster target cannot be judged yet'}; ${majority.reason}` };
      continue;
    }
    result.push({
      scope: 'cluster',
      subjectId: clusterId,
      metric,
      contractYear,
      schoolYear,
      kind: 'school_majority',
      schools,
      // The threshold is the share of schools that may miss; the actual is the share that did
      // (final), or that missed or are at risk (while the year is open).
      threshold: 0.5,
      baseline: null,
      actual: majority.share,
      evidence: majority.evidence,
      status: majority.status,
      ...(majority.reason ? { reason: majority.reason } : {}),
    });
  }
  return result;
}

/** How a cluster stands by its schools' own lines for one metric and contract year. */
export interface SchoolMajority {
  status: TargetStatus;
  evidence: ScorecardLine['evidence'];
  /** The share of schools that missed (final), or that missed or are at risk (leading); null while pending. */
  share: number | null;
  missed: number;
  reason?: string;
}

/**
 * The majority rule on the statuses of a cluster's school lines (docs/domain.md#statuses: a
 * cluster is off track when more than half of its schools miss their targets), judged as soon
 * as the evidence decides it:
 * - `missed` once more than half have missed;
 * - `at_risk` while more than half have missed or are at risk (the year still open for some);
 * - `met` once every school has its final result (at most half missed);
 * - `on_track` when at least half are met or on track, so the others cannot make a majority;
 * - `pending` otherwise: too few schools have evidence either way. Exactly half is not more
 *   than half: 2 of 4 schools missed is not a miss.
 */
export function majorityOfSchools(statuses: readonly TargetStatus[]): SchoolMajority {
  const counted = statuses.length;
  const count = (...wanted: TargetStatus[]) => statuses.filter((status) => wanted.includes(status)).length;
  const missed = count('missed');
  const offTrack = count('missed', 'at_risk');
  const share = (schools: number) => (counted === 0 ? 0 : schools / counted);
  if (missed > counted / 2)
    return { status: 'missed', evidence: 'final', share: share(missed), missed, reason: `${missed} of ${counted} schools missed their targets` };
  if (offTrack > counted / 2)
    return {
      status: 'at_risk',
      evidence: 'leading',
      share: share(offTrack),
      missed,
      reason: `${offTrack} of ${counted} schools missed their targets or are at risk`,
    };
  if (count('met', 'missed') === counted) return { status: 'met', evidence: 'final', share: share(missed), missed };
  if (count('met', 'on_track') >= counted / 2) return { status: 'on_track', evidence: 'leading', share: share(offTrack), missed };
  return { status: 'pending', evidence: 'none', share: null, missed };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
