import { addSchoolYears, FeedKind, FeedRecord, MetricValue, schoolYearOfContractYear } from '@turnaround/domain';
import { CoverageTouch } from './coverage/coverage.projection';
import { CoverageState } from './coverage/coverage.planner';
import { RecordToStore, SchoolYearFeed, SchoolYearState } from './metrics/metrics.planner';
import { RowChange, Table } from './rows/row-changes';
import { ContractToJudge, JudgementFacts, TargetOnRecord } from './scorecards/scorecards.planner';

/** What a piece of knowledge touched: the contracts to judge again once it is complete. */
export interface Touched {
  schools: Set<string>;
  clusters: Set<string>;
  contracts: Set<string>;
  /** A feed changed: every contract with a `stateAverage` goal is judged again. */
  feeds: boolean;
}

/**
 * Where the read side keeps its tables as it applies the log (docs/architecture.md, "Planners
 * and writers"): what its parts read before they plan, and where the planned rows go. Two
 * adapters, one fold (read-side.ts): the database in the live runner's transaction
 * (`SqlReadSideTables`), and memory while `turnaround replay` folds the log
 * (`MemoryReadSideTables`), written by COPY once. Each answers exactly as the other would for
 * the same log, in the same order: the equality suites (rebuild.int.spec.ts) hold them to it.
 */
export interface ReadSideTables {
  /** Applies planned row changes, in order. */
  write<Tables extends Record<string, Table>>(tables: Tables, changes: readonly RowChange<Tables>[]): Promise<void>;

  /**
   * Keeps each record as its key's current one (`feed_records`), known from its `recordedAt`.
   * Returns the school feeds of those that replaced a stored record (a restatement, or a record
   * retracted and sent again).
   */
  storeRecords(records: readonly RecordToStore[]): Promise<{ feed: FeedKind; schoolId: string }[]>;
  /** Marks the current record of the key retracted from `knownAt`: its school year, or undefined when the key has none. */
  retractRecord(feed: FeedKind, naturalKey: string, knownAt: string): Promise<{ schoolId: string; schoolYear: string } | undefined>;
  /** The school years whose feeds changed, as stored once the knowledge's records are (`SchoolYearState`). */
  schoolYearStates(changed: readonly SchoolYearFeed[]): Promise<SchoolYearState[]>;
  /** The touched school feeds' coverage as stored, with their current records where they went back. */
  coverageStates(touched: readonly CoverageTouch[]): Promise<CoverageState[]>;

  /** The targets in force of each contract, in the order the contract read lists them (contract year, metric, scope). */
  targetsInForce(contractIds: readonly string[]): Promise<Map<string, TargetOnRecord[]>>;
  /** The contract years with a final result on any line: an amendment may not change their targets. */
  finalContractYears(contractId: string): Promise<number[]>;
  /**
   * The contracts a complete piece of knowledge may change the lines of (named, of a touched
   * cluster or school, or, when a feed changed, with a state-average goal), by contract id,
   * with their targets in force and stored lines.
   */
  contractsToJudge(touched: Touched): Promise<ContractToJudge[]>;
  /** What judging `contracts` reads: their schools' memberships, values and districts, and the state averages their targets compare with. */
  judgementFacts(contracts: readonly ContractToJudge[]): Promise<JudgementFacts>;
}

/* What both adapters derive alike from what they read. */

/** A school year to recompute, with the feeds whose records changed. */
export interface SchoolYearToRecompute {
  schoolId: string;
  schoolYear: string;
  feeds: Set<FeedKind>;
}

/** The changed school year feeds, by school year. */
export function schoolYearsOf(changed: readonly SchoolYearFeed[]): SchoolYearToRecompute[] {
  const schoolYears = new Map<string, SchoolYearToRecompute>();
  for (const { schoolId, schoolYear, feed } of changed) {
    const key = `${schoolId}|${schoolYear}`;
    const entry = schoolYears.get(key) ?? { schoolId, schoolYear, feeds: new Set() };
    schoolYears.set(key, entry);
    entry.feeds.add(feed);
  }
  return [...schoolYears.values()];
}

/**
 * A school year's state for `planMetricChanges`, from its feeds' current records (`recordsOf`,
 * in natural-key order), its school's latest staffing year and its stored metrics.
 */
export function schoolYearState(
  { schoolId, schoolYear, feeds }: SchoolYearToRecompute,
  recordsOf: (feed: FeedKind, schoolYear: string) => readonly FeedRecord[],
  latestStaffingYear: string | undefined,
  stored: ReadonlyMap<string, MetricValue> | undefined,
): SchoolYearState {
  return {
    schoolId,
    schoolYear,
    feeds,
    records: Object.fromEntries([...feeds].map((feed) => [feed, recordsOf(feed, schoolYear)])),
    priorYearStaffing: (feeds.has('staffing') ? recordsOf('staffing', addSchoolYears(schoolYear, -1)) : []) as never[],
    laterYearStaffingReported: (latestStaffingYear ?? '') > schoolYear,
    stored: stored ?? new Map(),
  };
}

/** The (school year, metric) pairs whose state average the active contracts' targets compare with, each once. */
export function stateAveragesOf(contracts: readonly ContractToJudge[]): { year: string; metric: string }[] {
  const pairs = new Map<string, { year: string; metric: string }>();
  for (const contract of contracts.filter(({ status }) => status === 'active'))
    for (const target of contract.targets.filter(({ goal }) => goal === 'stateAverage')) {
      const year = schoolYearOfContractYear(contract.startYear, target.contractYear);
      pairs.set(`${year}|${target.metric}`, { year, metric: target.metric });
    }
  return [...pairs.values()];
}
