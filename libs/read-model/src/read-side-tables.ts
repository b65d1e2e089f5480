import { FeedKind } from '@turnaround/domain';
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
