import { ContractEvent, EvaluationRules, MetricCatalogues, ScorecardLine, Target, TargetStatus } from '@turnaround/domain';
import { Checkpoint } from '@turnaround/event-store';
import { Migration, SqlExecutor } from '@turnaround/postgres';
import { ReadSideTables, Touched } from '../read-side-tables';
import { REGISTRY_TABLES } from '../registry/registry.tables';
import { RowOf, selectList, writeRowChanges } from '../rows/row-changes';
import { planContractTargets, planJudgement, StoredLine, TargetOnRecord } from './scorecards.planner';
import { SCORECARDS_TABLES } from './scorecards.tables';

/** The columns of a line, as migration 0001 made them (`SCORECARDS_TABLES` lists them as they stand). */
const LINE_COLUMNS = `contract_id text NOT NULL, partner_id text NOT NULL, cluster_id text NOT NULL, contract_status text NOT NULL,
  scope text NOT NULL CHECK (scope IN ('school', 'cluster')), subject_id text NOT NULL, metric text NOT NULL,
  contract_year integer NOT NULL, school_year text NOT NULL, kind text NOT NULL,
  status text NOT NULL, threshold double precision, baseline double precision, actual double precision,
  evidence text NOT NULL, reason text, schools_counted integer, schools_missed integer,
  target jsonb, target_since timestamptz, known_at timestamptz NOT NULL`;

/**
 * The scorecards read model (docs/domain.md#statuses): every contract's lines, judged at each
 * knowledge time from the facts known then, and kept by knowledge time.
 * - `scorecard_targets`: the targets in force per contract, with the time each took effect and
 *   the change that set it (`set_by`: signed, amendment N, renewal);
 * - `scorecard_lines`: each line as it stands (school or cluster x metric x contract year);
 * - `scorecard_line_history`: every change of a line, by knowledge time (reads as of a date);
 * - `scorecard_changes`: every change of a line's status, in log order, with the districts it
 *   concerns: what the alerting service turns into alert events;
 * - `scorecard_pending`: the knowledge a page of the log ended inside of, judged once complete.
 * It is a part of the read side (`read-side.ts`), which calls it with the registry and metrics
 * tables exactly at the log position being judged. These are its migrations: the tables' history.
 */
export const SCORECARD_MIGRATIONS: readonly Migration[] = [
  {
    id: '0001-scorecards',
    sql: `
      CREATE TABLE scorecard_targets (
        contract_id text NOT NULL, scope text NOT NULL, metric text NOT NULL, contract_year integer NOT NULL,
        target jsonb NOT NULL, since timestamptz NOT NULL,
        PRIMARY KEY (contract_id, scope, metric, contract_year));
      CREATE TABLE scorecard_lines (${LINE_COLUMNS},
        PRIMARY KEY (contract_id, scope, subject_id, metric, contract_year));
      CREATE INDEX scorecard_lines_cluster ON scorecard_lines (cluster_id, contract_year);
      CREATE INDEX scorecard_lines_partner ON scorecard_lines (partner_id, contract_year);
      CREATE TABLE scorecard_line_history (${LINE_COLUMNS}, removed boolean NOT NULL,
        PRIMARY KEY (contract_id, scope, subject_id, metric, contract_year, known_at));
      CREATE TABLE scorecard_changes (
        position text NOT NULL, ordinal integer NOT NULL, known_at timestamptz NOT NULL,
        contract_id text NOT NULL, partner_id text NOT NULL, district_ids text[] NOT NULL,
        scope text NOT NULL, subject_id text NOT NULL, metric text NOT NULL, contract_year integer NOT NULL, school_year text NOT NULL,
        threshold double precision, actual double precision, from_status text, status text NOT NULL, withdrawal text,
        missed_year_before boolean NOT NULL,
        PRIMARY KEY (position, ordinal));
      CREATE TABLE scorecard_pending (
        only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row), known_at text NOT NULL, position text NOT NULL,
        schools text[] NOT NULL, clusters text[] NOT NULL, contracts text[] NOT NULL, feeds boolean NOT NULL);`,
  },
  {
    // With TimescaleDB the lines' history is a hypertable by knowledge time (its key includes
    // it), and history older than a month goes to the columnstore, segmented by contract as
    // the scorecards read it. Elsewhere it stays the plain table it was.
    id: '0002-line-history-hypertable',
    sql: `
      DO $$ BEGIN
        IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
          PERFORM create_hypertable('scorecard_line_history', by_range('known_at', INTERVAL '30 days'), migrate_data => true);
          ALTER TABLE scorecard_line_history SET (timescaledb.enable_columnstore,
            timescaledb.segmentby = 'contract_id', timescaledb.orderby = 'scope, subject_id, metric, contract_year, known_at DESC');
          CALL add_columnstore_policy('scorecard_line_history', after => INTERVAL '30 days');
        END IF;
      END $$;`,
  },
  {
    // Knowledge time is stamped per transaction of the log, so a push's chunks differ in it:
    // the push itself (its batch) is what keeps its records together until its marker.
    id: '0003-pending-push',
    sql: `ALTER TABLE scorecard_pending ADD COLUMN push text`,
  },
  {
    // Which change set each target in force: 'signed', 'amendment 2', 'renewal'. NULL for a
    // target set before this column was kept; a rebuild (`turnaround replay`) fills it in.
    id: '0004-target-set-by',
    sql: `ALTER TABLE scorecard_targets ADD COLUMN set_by text`,
  },
];

/**
 * Knowledge not yet complete: the push it belongs to (none for a registry command), the
 * knowledge time and position of its last event, and what it touched so far.
 */
export interface Pending {
  push: string | undefined;
  knownAt: string;
  touched: Touched;
  position: Checkpoint;
}

export async function savePending(tx: SqlExecutor, pending: Pending | undefined): Promise<void> {
  const key = { onlyRow: true };
  if (!pending) return writeRowChanges(tx, SCORECARDS_TABLES, [{ table: 'scorecard_pending', op: 'delete', key }]);
  const { push, knownAt, touched, position } = pending;
  const values = {
    knownAt,
    position,
    schools: [...touched.schools],
    clusters: [...touched.clusters],
    contracts: [...touched.contracts],
    feeds: touched.feeds,
    push: push ?? null,
  };
  await writeRowChanges(tx, SCORECARDS_TABLES, [{ table: 'scorecard_pending', op: 'upsert', key, values }]);
}

export async function loadPending(tx: SqlExecutor): Promise<Pending | undefined> {
  const [row] = await tx.query<RowOf<(typeof SCORECARDS_TABLES)['scorecard_pending']>>(
    `SELECT ${selectList(SCORECARDS_TABLES.scorecard_pending)} FROM scorecard_pending`,
  );
  if (!row) return undefined;
  return {
    push: row.push ?? undefined,
    knownAt: row.knownAt,
    position: row.position as Checkpoint,
    touched: { schools: new Set(row.schools), clusters: new Set(row.clusters), contracts: new Set(row.contracts), feeds: row.feeds },
  };
}

/**
 * Keeps each contract's targets in force (planned by `planContractTargets` from those in force
 * and the final years). The registry's row of the contract lists them too: the registry part
 * leaves an amendment to this one, which knows the final years.
 */
export async function applyContractTargets(tables: ReadSideTables, event: ContractEvent, knownAt: string): Promise<void> {
  const { contractId } = event.data;
  const amending = event.type === 'ContractTargetsAmended';
  const inForce = amending ? ((await tables.targetsInForce([contractId])).get(contractId) ?? []) : [];
  const finalYears = new Set(amending ? await tables.finalContractYears(contractId) : []);
  const { changes, amended } = planContractTargets(event, knownAt, inForce, finalYears);
  await tables.write(SCORECARDS_TABLES, changes);
  if (amended) {
    const targets = amended.map(({ since: _since, setBy: _setBy, ...target }) => target);
    await tables.write(REGISTRY_TABLES, [{ table: 'registry_contracts', op: 'update', key: { contractId }, values: { targets } }]);
  }
}

/**
 * The contract years that are final: a year is final once any of its lines has its final
 * result. An amendment may not change their targets; the registry's command handler asks
 * before it decides, and `applyContractTargets` keeps them whatever an amendment says.
 */
export async function finalContractYears(sql: SqlExecutor, contractId: string): Promise<number[]> {
  const rows = await sql.query<{ contract_year: number }>(
    `SELECT DISTINCT contract_year FROM scorecard_lines WHERE contract_id = $1 AND evidence = 'final' ORDER BY contract_year`,
    [contractId],
  );
  return rows.map((row) => row.contract_year);
}

/** The targets in force of each contract, in the order the contract read lists them (contract year, metric, scope). */
export async function targetsInForce(sql: SqlExecutor, contractIds: readonly string[]): Promise<Map<string, TargetOnRecord[]>> {
  const rows = await sql.query<{ contract_id: string; target: Target; since: Date | string; set_by: string | null }>(
    'SELECT contract_id, target, since, set_by FROM scorecard_targets WHERE contract_id = ANY($1::text[]) ORDER BY contract_id COLLATE "C", contract_year, metric COLLATE "C", scope COLLATE "C"',
    [contractIds],
  );
  const byContract = new Map<string, TargetOnRecord[]>();
  for (const row of rows)
    byContract.set(row.contract_id, [
      ...(byContract.get(row.contract_id) ?? []),
      { ...row.target, since: new Date(row.since).toISOString(), setBy: row.set_by },
    ]);
  return byContract;
}

/**
 * Judges the contracts a complete piece of knowledge touched, at its knowledge time, from the
 * read side's tables as they stand at `position`: the rows `planJudgement` plans by the
 * evaluation rules and the process's catalogues, from the contracts with their targets and
 * stored lines and the facts they read.
 */
export async function judgeScorecards(
  tables: ReadSideTables,
  touched: Touched,
  knownAt: string,
  position: Checkpoint,
  rules: EvaluationRules,
  catalogues: MetricCatalogues,
): Promise<void> {
  const contracts = await tables.contractsToJudge(touched);
  if (contracts.length === 0) return;
  await tables.write(SCORECARDS_TABLES, planJudgement(contracts, await tables.judgementFacts(contracts), knownAt, position, rules, catalogues));
}

/** A `scorecard_lines` row. */
export interface LineRow {
  contract_id: string;
  partner_id: string;
  cluster_id: string;
  contract_status: 'active' | 'terminated';
  scope: 'school' | 'cluster';
  subject_id: string;
  metric: string;
  contract_year: number;
  school_year: string;
  kind: ScorecardLine['kind'];
  status: TargetStatus;
  threshold: number | null;
  baseline: number | null;
  actual: number | null;
  evidence: ScorecardLine['evidence'];
  reason: string | null;
  schools_counted: number | null;
  schools_missed: number | null;
  target: Target | null;
  target_since: Date | string | null;
  known_at: Date | string;
}

/** A stored row as the domain's line, without what the store adds (target in force, contract status, knowledge time). */
export function lineOfRow(row: LineRow): ScorecardLine {
  return {
    scope: row.scope,
    subjectId: row.subject_id,
    metric: row.metric,
    contractYear: row.contract_year,
    schoolYear: row.school_year,
    kind: row.kind,
    status: row.status,
    threshold: row.threshold,
    baseline: row.baseline,
    actual: row.actual,
    evidence: row.evidence,
    ...(row.reason !== null ? { reason: row.reason } : {}),
    ...(row.schools_counted !== null ? { schools: { counted: row.schools_counted, missed: row.schools_missed as number } } : {}),
  };
}

/** A stored line (its fields, as `SCORECARDS_TABLES` names them) as the scorecards' planner takes it. */
export function storedLineOf(row: RowOf<(typeof SCORECARDS_TABLES)['scorecard_lines']>): StoredLine {
  return {
    scope: row.scope as ScorecardLine['scope'],
    subjectId: row.subjectId,
    metric: row.metric,
    contractYear: row.contractYear,
    schoolYear: row.schoolYear,
    kind: row.kind as ScorecardLine['kind'],
    status: row.status as TargetStatus,
    threshold: row.threshold,
    baseline: row.baseline,
    actual: row.actual,
    evidence: row.evidence as ScorecardLine['evidence'],
    ...(row.reason !== null ? { reason: row.reason } : {}),
    ...(row.schoolsCounted !== null ? { schools: { counted: row.schoolsCounted, missed: row.schoolsMissed as number } } : {}),
    target: row.target ? { ...(row.target as Target), since: new Date(row.targetSince as string).toISOString() } : null,
    contractStatus: row.contractStatus as StoredLine['contractStatus'],
  };
}
