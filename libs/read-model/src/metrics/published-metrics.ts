import {
  aggregateWithheld,
  ComparisonMean,
  comparisonMeans,
  coveredBy,
  IndicatorCatalogue,
  insiderName,
  isSmallNumber,
  MINIMUM_SCHOOLS,
  planSuppression,
  rateOf,
  Role,
  SchoolYear,
  seesEveryNumber,
  SuppressionGroup,
  SuppressionPlan,
  WithheldReason,
} from '@turnaround/domain';
import { SqlExecutor } from '@turnaround/postgres';
import { MemberValue, MetricQueries, MetricReading, Restatement, rollUpMembers } from './metric.queries';

/** A reading as the API shows it to one reader. */
export interface ShownReading extends MetricReading {
  rate: number | null;
  /** The value covers fewer than nMin, by its metric's kind (`isSmallNumber`). */
  smallNumber: boolean;
  /** Its numbers are withheld from this reader: a small number, or one that would give a small number away. */
  withheld: boolean;
}

/** A comparison mean as the API shows it to one reader. */
export interface ShownComparisonMean extends Omit<ComparisonMean, 'mean'> {
  mean: number | null;
  withheld: boolean;
}

/** The aggregates the API reads: each a roll-up of whole clusters of a school year. */
export type AggregateScope = { kind: 'cluster'; clusterId: string } | { kind: 'partner'; partnerId: string } | { kind: 'zone'; zoneId: string };

/**
 * Metrics as a reader may see them (docs/metrics.md). The state office and researchers see
 * every value raw, flagged `smallNumber`. Everyone else (the public, a district or partner
 * reading what is not wholly its own) gets the plan of `planSuppression`: small numbers
 * withheld, a school withheld beside them where an aggregate would give one away, and an
 * aggregate withheld where nothing else would do. A district or partner sees its own schools
 * raw, and an aggregate of its own schools alone. The plan is made from the values and
 * memberships as known at `asOf`, so a read as of a past date withholds what it withheld then;
 * the dashboards' views (`published-metrics.views.ts`) make the same plan in SQL.
 */
export class PublishedMetrics {
  private readonly metrics: MetricQueries;

  constructor(
    sql: SqlExecutor,
    private readonly nMin: number,
    /** The process's catalogue: an indicator's kind says what a value covers (`coveredBy`). */
    private readonly indicators: IndicatorCatalogue,
  ) {
    this.metrics = new MetricQueries(sql);
  }

  async school(schoolId: string, reader: Role, year?: SchoolYear, asOf?: Date): Promise<ShownReading[]> {
    const readings = await this.metrics.school(schoolId, year, asOf);
    if (seesEveryNumber(reader) || readings.length === 0) return readings.map((reading) => this.shown(reading));
    const insider = insiderName(reader);
    if (insider && (await this.metrics.insidersOf([schoolId], asOf)).get(schoolId)?.includes(insider)) return readings.map((reading) => this.shown(reading));
    const groups = (await this.metrics.groupsOfSchool(schoolId, asOf)).filter((group) => readings.some((reading) => reading.schoolYear === group.schoolYear));
    const plans = await this.plans(groups, [...new Set(readings.map((reading) => reading.metric))], asOf);
    return readings.map((reading) => this.shown(reading, plans.get(keyOf(reading.schoolYear, reading.metric))?.withheld.get(schoolId)));
  }

  /**
   * The never-treated comparison schools' mean of each metric and school year (`comparisonMeans`),
   * as known at `asOf`. A mean of fewer schools than a proof point's interval needs
   * (MINIMUM_SCHOOLS.interval) is withheld from a reader who does not see every number: a few
   * schools' mean comes close to giving each one's value away.
   */
  async comparison(reader: Role, year?: SchoolYear, asOf?: Date, metrics?: readonly string[]): Promise<ShownComparisonMean[]> {
    const means = comparisonMeans(await this.metrics.comparisonValues(asOf, metrics)).filter((mean) => year === undefined || mean.schoolYear === year);
    const sees = seesEveryNumber(reader);
    return means.map((mean) => (sees || mean.schools >= MINIMUM_SCHOOLS.interval ? { ...mean, withheld: false } : { ...mean, mean: null, withheld: true }));
  }

  /** The schools' final values restated since (`MetricQueries.restatements`): for a reader who sees these schools' values raw (the state office, their district or partner). */
  restatements(schoolIds: readonly string[], asOf?: Date): Promise<Restatement[]> {
    return this.metrics.restatements(schoolIds, asOf);
  }

  async aggregate(scope: AggregateScope, reader: Role, year?: SchoolYear, asOf?: Date): Promise<ShownReading[]> {
    return this.rolledUp(await this.membersOf(scope, year, asOf), reader, asOf);
  }

  /**
   * The state: every school that reported, in a zone or not, as `published_state_metrics` sums
   * them. It is what `stateAverage` targets are judged against; read as of a date it is the state
   * average as known then, beside the other values of that date. Of the `metrics` named only, where named.
   */
  async state(reader: Role, year?: SchoolYear, asOf?: Date, metrics?: readonly string[]): Promise<ShownReading[]> {
    return this.rolledUp(await this.metrics.stateMembers(year, asOf, metrics), reader, asOf);
  }

  /** The members' roll-up as the reader may see it: withheld where it is small, or holds a group only it would give away. */
  private async rolledUp(members: MemberValue[], reader: Role, asOf?: Date): Promise<ShownReading[]> {
    const readings = rollUpMembers(members);
    if (seesEveryNumber(reader)) return readings.map((reading) => this.shown(reading));
    const membersOf = new Map<string, MemberValue[]>();
    for (const member of members) {
      const key = keyOf(member.schoolYear, member.metric);
      membersOf.set(key, [...(membersOf.get(key) ?? []), member]);
    }
    const insiders = await this.metrics.insidersOf([...new Set(members.map((member) => member.schoolId))], asOf);
    const insider = insiderName(reader);
    const groups = [
      ...new Map(members.map((member) => [keyOf(member.schoolYear, member.clusterId), { schoolYear: member.schoolYear, groupId: member.clusterId }])).values(),
    ];
    const plans = await this.plans(groups, [...new Set(members.map((member) => member.metric))], asOf);
    return readings.map((reading) => {
      const ofReading = membersOf.get(keyOf(reading.schoolYear, reading.metric)) ?? [];
      // Its own schools' sum tells a district or partner nothing it does not see raw.
      if (insider && ofReading.every((member) => insiders.get(member.schoolId)?.includes(insider))) return this.shown(reading);
      const plan = plans.get(keyOf(reading.schoolYear, reading.metric)) ?? EMPTY_PLAN;
      const groupIds = [...new Set(ofReading.map((member) => member.clusterId))];
      return this.shown(reading, aggregateWithheld(plan, groupIds, coveredBy(reading.metric, reading, this.indicators), this.nMin));
    });
  }

  private membersOf(scope: AggregateScope, year?: SchoolYear, asOf?: Date): Promise<MemberValue[]> {
    switch (scope.kind) {
      case 'cluster':
        return this.metrics.clusterMembers(scope.clusterId, year, asOf);
      case 'partner':
        return this.metrics.partnerMembers(scope.partnerId, year, asOf);
      case 'zone':
        return this.metrics.zoneMembers(scope.zoneId, year, asOf);
    }
  }

  /** The plan of each school year and metric (keyed `year|metric`) over the given groups. */
  private async plans(
    groups: readonly { schoolYear: SchoolYear; groupId: string }[],
    metrics: readonly string[],
    asOf?: Date,
  ): Promise<Map<string, SuppressionPlan>> {
    const values = await this.metrics.groupedValues(groups, metrics, asOf);
    const insiders = await this.metrics.insidersOf([...new Set(values.map((value) => value.schoolId))], asOf);
    const byKey = new Map<string, Map<string, SuppressionGroup>>();
    for (const value of values) {
      const key = keyOf(value.schoolYear, value.metric);
      const ofKey = byKey.get(key) ?? new Map<string, SuppressionGroup>();
      byKey.set(key, ofKey);
      const group = ofKey.get(value.groupId) ?? { groupId: value.groupId, members: [] };
      ofKey.set(value.groupId, {
        ...group,
        members: [
          ...group.members,
          { schoolId: value.schoolId, covered: coveredBy(value.metric, value, this.indicators), insiders: insiders.get(value.schoolId) ?? [] },
        ],
      });
    }
    return new Map([...byKey].map(([key, ofKey]) => [key, planSuppression([...ofKey.values()], this.nMin)]));
  }

  private shown(reading: MetricReading, withheld?: WithheldReason): ShownReading {
    const smallNumber = isSmallNumber(reading.metric, reading, this.nMin, this.indicators);
    if (withheld) return { ...reading, numerator: null, denominator: null, rate: null, smallNumber, withheld: true };
    return { ...reading, rate: rateOf(reading), smallNumber, withheld: false };
  }
}

const EMPTY_PLAN: SuppressionPlan = { withheld: new Map(), exposed: new Set() };

function keyOf(schoolYear: string, other: string): string {
  return `${schoolYear}|${other}`;
}
