import { ClusterMembership, FeedKind, FeedRecord, MetricValue, rollUp } from '@turnaround/domain';
import { SqlExecutor } from '@turnaround/postgres';
import { CoverageTouch } from './coverage/coverage.projection';
import { CoverageState } from './coverage/coverage.planner';
import { COVERAGE_TABLES } from './coverage/coverage.tables';
import { RecordToStore, SchoolYearFeed, SchoolYearState } from './metrics/metrics.planner';
import { METRICS_TABLES } from './metrics/metrics.tables';
import { ReadSideTables, schoolYearsOf, schoolYearState, stateAveragesOf, Touched } from './read-side-tables';
import { REGISTRY_TABLES } from './registry/registry.tables';
import { MemoryTables } from './rows/memory-tables';
import { RowChange, Table } from './rows/row-changes';
import { ContractToJudge, JudgementFacts, lineKey, StoredLine, TargetOnRecord } from './scorecards/scorecards.planner';
import { storedLineOf } from './scorecards/scorecards.projection';
import { SCORECARDS_TABLES } from './scorecards/scorecards.tables';

/** A `feed_records` row: the current record of a natural key. */
interface StoredRecord {
  feed: FeedKind;
  naturalKey: string;
  schoolId: string;
  schoolYear: string;
  data: FeedRecord;
  recordedAt: string;
  retracted: boolean;
}

type Row = Record<string, unknown>;

/** Byte order, as `COLLATE "C"` sorts (for the text the keys hold). */
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The read side's tables in memory, while `turnaround replay` folds the log (read-side.ts): the
 * same reads as `SqlReadSideTables`, answered from maps and in the same orders, and the planned
 * rows applied to `MemoryTables`. Once the fold stops, `copyInto` writes every table by COPY.
 * The records are held whole (about 350 bytes each), so `records` says how many there are: the
 * fold stops at a budget and the runner goes on in the database from there.
 */
export class MemoryReadSideTables implements ReadSideTables {
  private readonly registry = new MemoryTables(REGISTRY_TABLES);
  private readonly metrics = new MemoryTables(METRICS_TABLES, {
    school_metrics: [
      ['schoolId', 'schoolYear'],
      ['schoolYear', 'metric'],
    ],
  });
  private readonly coverage = new MemoryTables(COVERAGE_TABLES);
  private readonly scorecards = new MemoryTables(SCORECARDS_TABLES, { scorecard_targets: [['contractId']], scorecard_lines: [['contractId']] });
  private readonly byTables = new Map<Record<string, Table>, MemoryTables<Record<string, Table>>>([
    [REGISTRY_TABLES, this.registry],
    [METRICS_TABLES, this.metrics],
    [COVERAGE_TABLES, this.coverage],
    [SCORECARDS_TABLES, this.scorecards],
  ] as [Record<string, Table>, MemoryTables<Record<string, Table>>][]);
  /** Each feed's records by natural key; the same records by school year and feed, and the school years of each school's feed. */
  private readonly byKey = new Map<FeedKind, Map<string, StoredRecord>>();
  private readonly bySchoolYear = new Map<string, Set<StoredRecord>>();
  private readonly yearsOf = new Map<string, Set<string>>();
  private held = 0;

  /** How many records are held. */
  get records(): number {
    return this.held;
  }

  async write<Tables extends Record<string, Table>>(tables: Tables, changes: readonly RowChange<Tables>[]): Promise<void> {
    const memory = this.byTables.get(tables);
    if (!memory) throw new Error(`no tables in memory for ${Object.keys(tables).join(', ')}`);
    memory.apply(changes as never);
  }

  async storeRecords(records: readonly RecordToStore[]): Promise<{ feed: FeedKind; schoolId: string }[]> {
    const replaced: { feed: FeedKind; schoolId: string }[] = [];
    for (const { feed, key, record, recordedAt } of records) {
      const byKey = this.byKey.get(feed) ?? this.byKey.set(feed, new Map()).get(feed);
      const before = byKey?.get(key);
      if (before) {
        replaced.push({ feed, schoolId: before.schoolId });
        this.bySchoolYear.get(`${before.schoolId}|${before.schoolYear}|${feed}`)?.delete(before);
      } else this.held += 1;
      const stored: StoredRecord = {
        feed,
        naturalKey: key,
        schoolId: record.schoolId,
        schoolYear: record.schoolYear,
        data: record,
        recordedAt,
        retracted: false,
      };
      byKey?.set(key, stored);
      const group = `${stored.schoolId}|${stored.schoolYear}|${feed}`;
      this.bySchoolYear.set(group, (this.bySchoolYear.get(group) ?? new Set()).add(stored));
      const years = `${stored.schoolId}|${feed}`;
      this.yearsOf.set(years, (this.yearsOf.get(years) ?? new Set()).add(stored.schoolYear));
    }
    return replaced;
  }

  async retractRecord(feed: FeedKind, naturalKey: string, knownAt: string): Promise<{ schoolId: string; schoolYear: string } | undefined> {
    const stored = this.byKey.get(feed)?.get(naturalKey);
    if (!stored) return undefined;
    Object.assign(stored, { retracted: true, recordedAt: knownAt });
    return { schoolId: stored.schoolId, schoolYear: stored.schoolYear };
  }

  async schoolYearStates(changed: readonly SchoolYearFeed[]): Promise<SchoolYearState[]> {
    return schoolYearsOf(changed).map((entry) => {
      const stored = new Map<string, MetricValue>();
      for (const row of this.metrics.rowsBy('school_metrics', ['schoolId', 'schoolYear'], [entry.schoolId, entry.schoolYear]))
        stored.set(row.metric as string, metricValueOf(row));
      return schoolYearState(
        entry,
        (feed, schoolYear) => this.currentRecords(entry.schoolId, schoolYear, feed).map(({ data }) => data),
        entry.feeds.has('staffing') ? this.latestStaffingYear(entry.schoolId) : undefined,
        stored,
      );
    });
  }

  async coverageStates(touched: readonly CoverageTouch[]): Promise<CoverageState[]> {
    return touched.map(({ schoolId, feed, wentBack }) => {
      const row = this.coverage.row('feed_coverage', { schoolId, feed });
      const state: CoverageState = { schoolId, feed, wentBack, before: (row?.lastPeriodEnd as string | null) ?? null };
      if (!wentBack) return state;
      const years = [...(this.yearsOf.get(`${schoolId}|${feed}`) ?? [])];
      return { ...state, current: years.flatMap((year) => this.currentRecords(schoolId, year, feed).map(({ data }) => data)) };
    });
  }

  async targetsInForce(contractIds: readonly string[]): Promise<Map<string, TargetOnRecord[]>> {
    const byContract = new Map<string, TargetOnRecord[]>();
    for (const contractId of [...contractIds].sort(byText)) {
      const rows = [...this.scorecards.rowsBy('scorecard_targets', ['contractId'], [contractId])].sort(
        (a, b) =>
          (a.contractYear as number) - (b.contractYear as number) ||
          byText(a.metric as string, b.metric as string) ||
          byText(a.scope as string, b.scope as string),
      );
      if (rows.length > 0)
        byContract.set(
          contractId,
          rows.map((row) => ({ ...(row.target as object), since: new Date(row.since as string).toISOString(), setBy: row.setBy }) as TargetOnRecord),
        );
    }
    return byContract;
  }

  async finalContractYears(contractId: string): Promise<number[]> {
    const years = new Set<number>();
    for (const row of this.scorecards.rowsBy('scorecard_lines', ['contractId'], [contractId]))
      if (row.evidence === 'final') years.add(row.contractYear as number);
    return [...years].sort((a, b) => a - b);
  }

  async contractsToJudge(touched: Touched): Promise<ContractToJudge[]> {
    const judged = [...this.registry.all('registry_contracts')].filter((row) => {
      const schoolIds = row.schoolIds as string[];
      return (
        touched.contracts.has(row.contractId as string) ||
        touched.clusters.has(row.clusterId as string) ||
        schoolIds.some((schoolId) => touched.schools.has(schoolId)) ||
        (touched.feeds &&
          [...this.scorecards.rowsBy('scorecard_targets', ['contractId'], [row.contractId])].some(
            (target) => (target.target as { goal?: string }).goal === 'stateAverage',
          ))
      );
    });
    judged.sort((a, b) => byText(a.contractId as string, b.contractId as string));
    const targets = await this.targetsInForce(judged.map((row) => row.contractId as string));
    return judged.map((row) => {
      const lines = new Map<string, StoredLine>();
      for (const lineRow of this.scorecards.rowsBy('scorecard_lines', ['contractId'], [row.contractId])) {
        const line = storedLineOf(lineRow as never);
        lines.set(lineKey(line), line);
      }
      return {
        contractId: row.contractId as string,
        partnerId: row.partnerId as string,
        clusterId: row.clusterId as string,
        schoolIds: row.schoolIds as string[],
        startYear: row.startYear as string,
        baselineYear: row.baselineYear as string,
        status: row.status as ContractToJudge['status'],
        targets: targets.get(row.contractId as string) ?? [],
        lines,
      };
    });
  }

  async judgementFacts(contracts: readonly ContractToJudge[]): Promise<JudgementFacts> {
    const schoolIds = new Set(contracts.flatMap((contract) => contract.schoolIds));
    const memberships: Record<string, ClusterMembership[]> = {};
    const rows = [...this.registry.all('registry_memberships')].filter((row) => schoolIds.has(row.schoolId as string));
    rows.sort((a, b) => byText(a.fromYear as string, b.fromYear as string) || byText(a.clusterId as string, b.clusterId as string));
    for (const row of rows)
      (memberships[row.schoolId as string] ??= []).push({
        clusterId: row.clusterId as string,
        fromYear: row.fromYear as string,
        strategy: row.strategy as ClusterMembership['strategy'],
        ...(row.untilYear ? { untilYear: row.untilYear as string } : {}),
      });
    const stateAverages = new Map<string, MetricValue | undefined>();
    for (const { year, metric } of stateAveragesOf(contracts)) {
      const values = [...this.metrics.rowsBy('school_metrics', ['schoolYear', 'metric'], [year, metric])];
      values.sort((a, b) => byText(a.schoolId as string, b.schoolId as string));
      stateAverages.set(`${year}|${metric}`, rollUp(metric, values.map(metricValueOf)));
    }
    const districtOf = new Map<string, string>();
    for (const schoolId of schoolIds) {
      const school = this.registry.row('registry_schools', { schoolId });
      if (school) districtOf.set(schoolId, school.districtId as string);
    }
    return {
      memberships,
      value: (schoolId, year, metric) => {
        const row = this.metrics.row('school_metrics', { schoolId, schoolYear: year, metric });
        return row && schoolIds.has(schoolId) ? metricValueOf(row) : undefined;
      },
      stateAverage: (year, metric) => stateAverages.get(`${year}|${metric}`),
      districtOf,
    };
  }

  /** Writes every table into the (empty, migrated) tables `tx` sees, by COPY. */
  async copyInto(tx: SqlExecutor): Promise<void> {
    await this.registry.copyInto(tx);
    const byKey = this.byKey;
    const records = function* () {
      for (const keys of byKey.values())
        for (const { feed, naturalKey, schoolId, schoolYear, data, recordedAt, retracted } of keys.values())
          yield [feed, naturalKey, schoolId, schoolYear, data, recordedAt, retracted];
    };
    await tx.copyFrom('feed_records', ['feed', 'natural_key', 'school_id', 'school_year', 'data', 'recorded_at', 'retracted'], records());
    await this.metrics.copyInto(tx);
    await this.coverage.copyInto(tx);
    await this.scorecards.copyInto(tx);
  }

  /** The current records of a school year's feed, in natural-key order. */
  private currentRecords(schoolId: string, schoolYear: string, feed: FeedKind): StoredRecord[] {
    const group = [...(this.bySchoolYear.get(`${schoolId}|${schoolYear}|${feed}`) ?? [])].filter(({ retracted }) => !retracted);
    return group.sort((a, b) => byText(a.naturalKey, b.naturalKey));
  }

  /** The latest school year of a school's current staffing reports. */
  private latestStaffingYear(schoolId: string): string | undefined {
    const years = [...(this.yearsOf.get(`${schoolId}|staffing`) ?? [])].filter((year) => this.currentRecords(schoolId, year, 'staffing').length > 0);
    return years.sort(byText).at(-1);
  }
}

/** A `school_metrics` row's value. */
function metricValueOf(row: Row): MetricValue {
  return {
    metric: row.metric as string,
    numerator: row.numerator as number | null,
    denominator: row.denominator as number | null,
    suppressed: row.suppressed as boolean,
    partial: row.partial as boolean,
    final: row.final as boolean,
    through: row.through as string,
  };
}
