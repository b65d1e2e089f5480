import { Principal } from '@turnaround/platform';
import { AggregateScope, ScorecardLineReading, ShownComparisonMean, ShownReading } from '@turnaround/read-model';
import type { Trend } from '../views/trend-chart';
import { WebReads } from '../web-reads';
import { AlertRow, alertsOf, bySeverityThenNewest, ROUTES, scorecardOf } from './read';

/** A scorecard line of a contract, with the n and small-number flag of its subject's metric that year, as the metrics routes show it to the reader. */
export interface SubjectLine extends ScorecardLineReading {
  contractId: string;
  /** Which change set the line's target ('signed', 'amendment N', 'renewal'), as `GET /api/v1/contracts/:contractId` names it; undefined where it does not say. */
  setBy?: string;
  /** Undefined where the reader may not read the subject's metrics, or it has no value that year. */
  reading?: ShownReading;
}

const METRICS_ROUTE: Record<AggregateScope['kind'], string> = { zone: ROUTES.zoneMetrics, cluster: ROUTES.clusterMetrics, partner: ROUTES.partnerMetrics };

const idOf = (scope: AggregateScope): string => (scope.kind === 'zone' ? scope.zoneId : scope.kind === 'cluster' ? scope.clusterId : scope.partnerId);

/** A zone's, cluster's or partner's metrics as `GET /api/v1/{zones,clusters,partners}/:id/metrics` answers the reader; undefined for a role that may not read them. */
export async function aggregateMetricsOf(
  reads: WebReads,
  principal: Principal,
  scope: AggregateScope,
  asOf: Date | undefined,
): Promise<ShownReading[] | undefined> {
  if (!(await reads.access.mayRead(principal, METRICS_ROUTE[scope.kind], scope.kind, idOf(scope)))) return undefined;
  return reads.metrics.aggregate(scope, principal.role, undefined, asOf);
}

/** The contracts' lines (all, or of one scope) as `GET /api/v1/contracts/:contractId/scorecard` answers the reader, each naming its contract and its target's source. */
export async function contractLines(
  reads: WebReads,
  principal: Principal,
  contractIds: readonly string[],
  asOf: Date | undefined,
  scope?: 'cluster',
): Promise<SubjectLine[]> {
  const lines: SubjectLine[] = [];
  for (const contractId of contractIds) {
    const scorecard = await scorecardOf(reads, principal, contractId, asOf);
    lines.push(
      ...(await withSources(
        reads,
        principal,
        contractId,
        (scorecard?.lines ?? []).filter((line) => scope === undefined || line.scope === scope),
      )),
    );
  }
  return lines;
}

/**
 * Lines of one contract, each with the change that set its target: the contract's targets in
 * force (`GET /api/v1/contracts/:contractId`) name it, for the version in force since the
 * line's `targetSince` (a line as of an earlier date, judged by a target since replaced, names none).
 */
export async function withSources(reads: WebReads, principal: Principal, contractId: string, lines: readonly ScorecardLineReading[]): Promise<SubjectLine[]> {
  const targets = (await reads.access.mayRead(principal, ROUTES.contract, 'contract', contractId))
    ? (
        (await reads.registry.contract(contractId)) as unknown as {
          targets: { scope: string; metric: string; contractYear: number; since: string; setBy: string | null }[];
        }
      ).targets
    : [];
  return lines.map((line) => {
    const scope = line.kind === 'school_majority' ? 'school' : line.scope;
    const target = targets.find(
      (candidate) =>
        candidate.scope === scope && candidate.metric === line.metric && candidate.contractYear === line.contractYear && candidate.since === line.targetSince,
    );
    return { ...line, contractId, setBy: target?.setBy ?? undefined };
  });
}

/**
 * Each line with the reading of its subject's metric in its school year: a cluster's from the
 * cluster's metrics, a school's from the school's, each read as its API route answers the
 * reader. `known` holds readings already read (a page's own subject), keyed `scope|id`.
 */
export async function withReadings(
  reads: WebReads,
  principal: Principal,
  lines: SubjectLine[],
  asOf: Date | undefined,
  known = new Map<string, ShownReading[] | undefined>(),
): Promise<SubjectLine[]> {
  for (const line of lines) {
    const key = `${line.scope}|${line.subjectId}`;
    if (known.has(key)) continue;
    if (line.scope === 'cluster') known.set(key, await aggregateMetricsOf(reads, principal, { kind: 'cluster', clusterId: line.subjectId }, asOf));
    else
      known.set(
        key,
        (await reads.access.mayRead(principal, ROUTES.schoolMetrics, 'school', line.subjectId))
          ? await reads.metrics.school(line.subjectId, principal.role, undefined, asOf)
          : undefined,
      );
  }
  return lines.map((line) => ({
    ...line,
    reading: known.get(`${line.scope}|${line.subjectId}`)?.find((reading) => reading.metric === line.metric && reading.schoolYear === line.schoolYear),
  }));
}

/** The alerts of the given contracts, as `GET /api/v1/alerts` lists them for the reader, most severe and newest first; undefined for a role that reads no alerts. */
export async function alertsOfContracts(
  reads: WebReads,
  principal: Principal,
  contractIds: readonly string[],
  asOf: Date | undefined,
): Promise<AlertRow[] | undefined> {
  const ids = new Set(contractIds);
  return (await alertsOf(reads, principal, { asOf }))?.filter((alert) => ids.has(alert.contractId)).sort(bySeverityThenNewest);
}

/**
 * A trend per metric the subject has a value of: its readings by school year, the thresholds
 * of its own target lines (`targets`, already the subject's), and the state average every school
 * that reported makes, what `stateAverage` targets close the gap to. The state's is read as
 * `GET /api/v1/state/metrics` answers the reader as of the page's date, so the chart draws one
 * moment: the state as then known beside the subject as then known, withheld where it would
 * give a small number away, as any aggregate. With `comparison` (the review's charts, as
 * `GET /api/v1/comparison/metrics` answers the reader), the comparison schools' mean beside them.
 */
export async function trendsOf(
  reads: WebReads,
  principal: Principal,
  readings: readonly ShownReading[],
  targets: readonly ScorecardLineReading[],
  asOf: Date | undefined,
  comparison?: readonly ShownComparisonMean[],
): Promise<Trend[]> {
  const metrics = [...new Set(readings.map((reading) => reading.metric))].sort();
  const states = reads.access.may(principal, ROUTES.stateMetrics) ? await reads.metrics.state(principal.role, undefined, asOf, metrics) : [];
  const trends: Trend[] = [];
  for (const metric of metrics) {
    const years = [...new Set([...readings, ...targets].filter((row) => row.metric === metric).map((row) => row.schoolYear))].sort();
    const points = [];
    for (const schoolYear of years) {
      const reading = readings.find((row) => row.metric === metric && row.schoolYear === schoolYear);
      // A majority line's threshold is the share of schools that must meet theirs, not a value of the metric.
      const target = targets.find(
        (line) => line.metric === metric && line.schoolYear === schoolYear && line.threshold !== null && line.kind !== 'school_majority',
      );
      points.push({
        schoolYear,
        value: reading?.rate ?? null,
        n: reading?.denominator ?? null,
        smallNumber: reading?.smallNumber ?? false,
        withheld: reading?.withheld ?? false,
        final: reading?.final,
        target: target?.threshold ?? null,
        state: states.find((row) => row.metric === metric && row.schoolYear === schoolYear)?.rate ?? null,
        ...(comparison ? { comparison: comparison.find((row) => row.metric === metric && row.schoolYear === schoolYear)?.mean ?? null } : {}),
      });
    }
    trends.push({ metric, points });
  }
  return trends;
}
