import {
  amendTargets,
  ContractEvent,
  contractScorecard,
  EvaluationRules,
  MetricValue,
  ScorecardLine,
  schoolYearOfContractYear,
  Target,
  TargetInForce,
  targetKeyOf,
  targetOriginOf,
  TargetStatus,
  WithdrawalReason,
} from '@turnaround/domain';
import { Checkpoint } from '@turnaround/event-store';
import { Migration, SqlExecutor } from '@turnaround/postgres';
import { MetricQueries } from '../metrics/metric.queries';

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
 * tables exactly at the log position being judged.
 */
export const SCORECARD_TABLES = ['scorecard_targets', 'scorecard_lines', 'scorecard_line_history', 'scorecard_changes', 'scorecard_pending'] as const;

const LINE_COLUMNS = `contract_id text NOT NULL, partner_id text NOT NULL, cluster_id text NOT NULL, contract_status text NOT NULL,
  scope text NOT NULL CHECK (scope IN ('school', 'cluster')), subject_id text NOT NULL, metric text NOT NULL,
  contract_year integer NOT NULL, school_year text NOT NULL, kind text NOT NULL,
  status text NOT NULL, threshold double precision, baseline double precision, actual double precision,
  evidence text NOT NULL, reason text, schools_counted integer, schools_missed integer,
  target jsonb, target_since timestamptz, known_at timestamptz NOT NULL`;

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

/** What a piece of knowledge touched: the contracts to judge again once it is complete. */
export interface Touched {
  schools: Set<string>;
  clusters: Set<string>;
  contracts: Set<string>;
  /** A feed changed: every contract with a `stateAverage` goal is judged again. */
  feeds: boolean;
}

export const noneTouched = (): Touched => ({ schools: new Set(), clusters: new Set(), contracts: new Set(), feeds: false });

export function isTouched(touched: Touched): boolean {
  return touched.feeds || touched.schools.size + touched.clusters.size + touched.contracts.size > 0;
}

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
  await tx.query('DELETE FROM scorecard_pending');
  if (!pending) return;
  const { push, knownAt, touched, position } = pending;
  await tx.query('INSERT INTO scorecard_pending (push, known_at, position, schools, clusters, contracts, feeds) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
    push ?? null,
    knownAt,
    position,
    [...touched.schools],
    [...touched.clusters],
    [...touched.contracts],
    touched.feeds,
  ]);
}

export async function loadPending(tx: SqlExecutor): Promise<Pending | undefined> {
  const [row] = await tx.query<{
    push: string | null;
    known_at: string;
    position: string;
    schools: string[];
    clusters: string[];
    contracts: string[];
    feeds: boolean;
  }>('SELECT * FROM scorecard_pending');
  if (!row) return undefined;
  return {
    push: row.push ?? undefined,
    knownAt: row.known_at,
    position: row.position as Checkpoint,
    touched: { schools: new Set(row.schools), clusters: new Set(row.clusters), contracts: new Set(row.contracts), feeds: row.feeds },
  };
}

/** A target in force as kept here: since when, and which change set it (null: set before that was kept). */
export interface TargetOnRecord extends TargetInForce {
  setBy: string | null;
}

/**
 * Keeps each contract's targets in force: signed, amended (what the amendment names; final
 * years keep theirs), renewed. The registry's row of the contract lists them too: the registry
 * part leaves an amendment to this one, which knows the final years.
 */
export async function applyContractTargets(tx: SqlExecutor, event: ContractEvent, knownAt: string): Promise<void> {
  const { contractId } = event.data;
  switch (event.type) {
    case 'PerformanceContractSigned':
    case 'ContractRenewed':
      await insertTargets(
        tx,
        contractId,
        event.data.targets.map((target) => ({ ...target, since: knownAt, setBy: targetOriginOf(event) })),
      );
      return;
    case 'ContractTargetsAmended': {
      const inForce = await targetsInForce(tx, [contractId]);
      const finalYears = new Set(await finalContractYears(tx, contractId));
      const amended = amendTargets(inForce.get(contractId) ?? [], event.data, finalYears, (target) => ({
        ...target,
        since: knownAt,
        setBy: targetOriginOf(event),
      }));
      await tx.query('DELETE FROM scorecard_targets WHERE contract_id = $1', [contractId]);
      await insertTargets(tx, contractId, amended);
      await tx.query('UPDATE registry_contracts SET targets = $2 WHERE contract_id = $1', [
        contractId,
        JSON.stringify(amended.map(({ since: _since, setBy: _setBy, ...target }) => target)),
      ]);
      return;
    }
    case 'ContractTerminated':
      return; // the registry keeps the status; the next judgement withdraws the lines
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

async function insertTargets(tx: SqlExecutor, contractId: string, targets: readonly TargetOnRecord[]): Promise<void> {
  if (targets.length === 0) return;
  await tx.query(
    `INSERT INTO scorecard_targets (contract_id, scope, metric, contract_year, target, since, set_by)
     SELECT $1, t.target->>'scope', t.target->>'metric', (t.target->>'contractYear')::int, t.target - 'since' - 'setBy', (t.target->>'since')::timestamptz,
       t.target->>'setBy'
     FROM jsonb_array_elements($2::jsonb) AS t(target)
     ON CONFLICT (contract_id, scope, metric, contract_year) DO UPDATE SET target = EXCLUDED.target, since = EXCLUDED.since, set_by = EXCLUDED.set_by`,
    [contractId, JSON.stringify(targets)],
  );
}

/** The targets in force of each contract, in the order the contract read lists them (contract year, metric, scope). */
export async function targetsInForce(sql: SqlExecutor, contractIds: readonly string[]): Promise<Map<string, TargetOnRecord[]>> {
  const rows = await sql.query<{ contract_id: string; target: Target; since: Date | string; set_by: string | null }>(
    'SELECT contract_id, target, since, set_by FROM scorecard_targets WHERE contract_id = ANY($1::text[]) ORDER BY contract_id, contract_year, metric, scope',
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

interface ContractRow {
  contract_id: string;
  partner_id: string;
  cluster_id: string;
  school_ids: string[];
  start_year: string;
  baseline_year: string;
  status: 'active' | 'terminated';
}

/** A line as stored: the domain's line with its contract, target in force and districts. */
interface StoredLine extends ScorecardLine {
  target: TargetInForce | null;
  contractStatus: string;
}

const lineKey = (line: Pick<ScorecardLine, 'scope' | 'subjectId' | 'metric' | 'contractYear'>) =>
  `${line.scope}|${line.subjectId}|${line.metric}|${line.contractYear}`;

/**
 * Judges the contracts a complete piece of knowledge touched, at its knowledge time, from the
 * registry and metrics tables as they stand at `position`. Writes the lines that changed,
 * their history, and each status change in a fixed order (contract, then line).
 */
export async function judgeScorecards(tx: SqlExecutor, touched: Touched, knownAt: string, position: Checkpoint, rules: EvaluationRules): Promise<void> {
  const contracts = await tx.query<ContractRow>(
    `SELECT contract_id, partner_id, cluster_id, school_ids, start_year, baseline_year, status FROM registry_contracts c
     WHERE contract_id = ANY($1::text[]) OR cluster_id = ANY($2::text[]) OR school_ids && $3::text[]
        OR ($4 AND EXISTS (SELECT 1 FROM scorecard_targets t WHERE t.contract_id = c.contract_id AND t.target->>'goal' = 'stateAverage'))
     ORDER BY contract_id`,
    [[...touched.contracts], [...touched.clusters], [...touched.schools], touched.feeds],
  );
  if (contracts.length === 0) return;
  const contractIds = contracts.map((contract) => contract.contract_id);
  const schoolIds = [...new Set(contracts.flatMap((contract) => contract.school_ids))];
  const metrics = new MetricQueries(tx);
  const [targets, memberships, values, districtRows, storedRows] = await Promise.all([
    targetsInForce(tx, contractIds),
    metrics.memberships(schoolIds),
    metrics.valuesOf(schoolIds),
    tx.query<{ school_id: string; district_id: string }>('SELECT school_id, district_id FROM registry_schools WHERE school_id = ANY($1::text[])', [schoolIds]),
    tx.query<LineRow>(`SELECT * FROM scorecard_lines WHERE contract_id = ANY($1::text[])`, [contractIds]),
  ]);
  const districtOf = new Map(districtRows.map((row) => [row.school_id, row.district_id]));
  const storedOf = new Map<string, Map<string, StoredLine>>();
  for (const row of storedRows) {
    const line = fromRow(row);
    storedOf.set(row.contract_id, (storedOf.get(row.contract_id) ?? new Map()).set(lineKey(line), line));
  }

  const written: { contract: ContractRow; line: StoredLine }[] = [];
  const removed: { contract: ContractRow; line: StoredLine }[] = [];
  const changes: Change[] = [];
  for (const contract of contracts) {
    const stored = storedOf.get(contract.contract_id) ?? new Map<string, StoredLine>();
    const inForce = targets.get(contract.contract_id) ?? [];
    const districtsOf = (line: ScorecardLine) =>
      [
        ...new Set(
          (line.scope === 'school' ? [line.subjectId] : contract.school_ids).map((schoolId) => districtOf.get(schoolId)).filter((id): id is string => !!id),
        ),
      ].sort();
    if (contract.status === 'terminated') {
      // The lines stay as they were last judged, marked terminated; their alerts are withdrawn once.
      for (const line of stored.values()) {
        if (line.contractStatus === 'terminated') continue;
        written.push({ contract, line: { ...line, contractStatus: 'terminated' } });
        changes.push(change(contract, line, districtsOf(line), line.status, 'withdrawn', 'contract_terminated', false));
      }
      continue;
    }
    const stateAverages = new Map<string, MetricValue | undefined>();
    for (const target of inForce.filter((candidate) => candidate.goal === 'stateAverage')) {
      const year = schoolYearOfContractYear(contract.start_year, target.contractYear);
      if (!stateAverages.has(`${year}|${target.metric}`)) stateAverages.set(`${year}|${target.metric}`, await metrics.state(year, target.metric));
    }
    const lines = contractScorecard(
      {
        contractId: contract.contract_id,
        partnerId: contract.partner_id,
        clusterId: contract.cluster_id,
        schoolIds: contract.school_ids,
        startYear: contract.start_year,
        baselineYear: contract.baseline_year,
        targets: inForce,
      },
      {
        memberships,
        value: (schoolId, year, metric) => values.get(`${schoolId}|${year}|${metric}`),
        stateAverage: (year, metric) => stateAverages.get(`${year}|${metric}`),
      },
      rules,
    );
    // A line shows the target in force and since when; which change set it is the contract read's.
    const targetOf = new Map(inForce.map(({ setBy: _setBy, ...target }) => [targetKeyOf(target), target]));
    const missed = new Set(lines.filter((line) => line.status === 'missed').map(lineKey));
    const seen = new Set<string>();
    for (const domainLine of lines) {
      const key = lineKey(domainLine);
      seen.add(key);
      const line: StoredLine = {
        ...domainLine,
        target: targetOf.get(targetKeyOf({ ...domainLine, scope: domainLine.kind === 'school_majority' ? 'school' : domainLine.scope })) ?? null,
        contractStatus: 'active',
      };
      const before = stored.get(key);
      if (before && sameLine(before, line)) continue;
      written.push({ contract, line });
      if (before?.status !== line.status) {
        const missedTheYearBefore = missed.has(lineKey({ ...line, contractYear: line.contractYear - 1 }));
        changes.push(change(contract, line, districtsOf(line), before?.status ?? null, line.status, null, missedTheYearBefore));
      }
    }
    for (const [key, line] of stored) {
      if (seen.has(key)) continue;
      removed.push({ contract, line });
      changes.push(change(contract, line, districtsOf(line), line.status, 'withdrawn', 'target_withdrawn', false));
    }
  }
  await writeLines(tx, written, knownAt);
  await removeLines(tx, removed, knownAt);
  await writeChanges(tx, changes, knownAt, position);
}

interface Change {
  contract: ContractRow;
  line: ScorecardLine;
  districtIds: string[];
  from: TargetStatus | null;
  status: TargetStatus | 'withdrawn';
  withdrawal: WithdrawalReason | null;
  missedTheYearBefore: boolean;
}

function change(
  contract: ContractRow,
  line: ScorecardLine,
  districtIds: string[],
  from: TargetStatus | null,
  status: TargetStatus | 'withdrawn',
  withdrawal: WithdrawalReason | null,
  missedTheYearBefore: boolean,
): Change {
  return { contract, line, districtIds, from, status, withdrawal, missedTheYearBefore };
}

function sameLine(a: StoredLine, b: StoredLine): boolean {
  return (
    a.schoolYear === b.schoolYear &&
    a.kind === b.kind &&
    a.status === b.status &&
    a.threshold === b.threshold &&
    a.baseline === b.baseline &&
    a.actual === b.actual &&
    a.evidence === b.evidence &&
    (a.reason ?? null) === (b.reason ?? null) &&
    (a.schools?.counted ?? null) === (b.schools?.counted ?? null) &&
    (a.schools?.missed ?? null) === (b.schools?.missed ?? null) &&
    JSON.stringify(a.target) === JSON.stringify(b.target) &&
    a.contractStatus === b.contractStatus
  );
}

/** A `scorecard_lines` row. */
export interface LineRow {
  contract_id: string;
  partner_id: string;
  cluster_id: string;
  contract_status: string;
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

function fromRow(row: LineRow): StoredLine {
  return {
    ...lineOfRow(row),
    target: row.target ? { ...row.target, since: new Date(row.target_since as string).toISOString() } : null,
    contractStatus: row.contract_status,
  };
}

const LINE_FIELDS = `contract_id, partner_id, cluster_id, contract_status, scope, subject_id, metric, contract_year, school_year, kind,
  status, threshold, baseline, actual, evidence, reason, schools_counted, schools_missed, target, target_since`;
const LINE_RECORDSET = `jsonb_to_recordset($1::jsonb) AS l(contract_id text, partner_id text, cluster_id text, contract_status text, scope text,
  subject_id text, metric text, contract_year integer, school_year text, kind text, status text, threshold double precision,
  baseline double precision, actual double precision, evidence text, reason text, schools_counted integer, schools_missed integer,
  target jsonb, target_since timestamptz)`;

function toRecord({ contract, line }: { contract: ContractRow; line: StoredLine }) {
  const { since, ...target } = line.target ?? { since: null };
  return {
    contract_id: contract.contract_id,
    partner_id: contract.partner_id,
    cluster_id: contract.cluster_id,
    contract_status: line.contractStatus,
    scope: line.scope,
    subject_id: line.subjectId,
    metric: line.metric,
    contract_year: line.contractYear,
    school_year: line.schoolYear,
    kind: line.kind,
    status: line.status,
    threshold: line.threshold,
    baseline: line.baseline,
    actual: line.actual,
    evidence: line.evidence,
    reason: line.reason ?? null,
    schools_counted: line.schools?.counted ?? null,
    schools_missed: line.schools?.missed ?? null,
    target: line.target ? target : null,
    target_since: since,
  };
}

async function writeLines(tx: SqlExecutor, lines: { contract: ContractRow; line: StoredLine }[], knownAt: string): Promise<void> {
  if (lines.length === 0) return;
  const records = JSON.stringify(lines.map(toRecord));
  await tx.query(
    `INSERT INTO scorecard_lines (${LINE_FIELDS}, known_at) SELECT *, $2::timestamptz FROM ${LINE_RECORDSET}
     ON CONFLICT (contract_id, scope, subject_id, metric, contract_year) DO UPDATE SET
       partner_id = EXCLUDED.partner_id, cluster_id = EXCLUDED.cluster_id, contract_status = EXCLUDED.contract_status,
       school_year = EXCLUDED.school_year, kind = EXCLUDED.kind, status = EXCLUDED.status, threshold = EXCLUDED.threshold,
       baseline = EXCLUDED.baseline, actual = EXCLUDED.actual, evidence = EXCLUDED.evidence, reason = EXCLUDED.reason,
       schools_counted = EXCLUDED.schools_counted, schools_missed = EXCLUDED.schools_missed, target = EXCLUDED.target,
       target_since = EXCLUDED.target_since, known_at = EXCLUDED.known_at`,
    [records, knownAt],
  );
  await tx.query(
    `INSERT INTO scorecard_line_history (${LINE_FIELDS}, known_at, removed) SELECT *, $2::timestamptz, false FROM ${LINE_RECORDSET} ${HISTORY_UPSERT}`,
    [records, knownAt],
  );
}

async function removeLines(tx: SqlExecutor, lines: { contract: ContractRow; line: StoredLine }[], knownAt: string): Promise<void> {
  if (lines.length === 0) return;
  const records = JSON.stringify(lines.map(toRecord));
  await tx.query(
    `DELETE FROM scorecard_lines s USING ${LINE_RECORDSET}
     WHERE s.contract_id = l.contract_id AND s.scope = l.scope AND s.subject_id = l.subject_id AND s.metric = l.metric AND s.contract_year = l.contract_year`,
    [records],
  );
  await tx.query(
    `INSERT INTO scorecard_line_history (${LINE_FIELDS}, known_at, removed) SELECT *, $2::timestamptz, true FROM ${LINE_RECORDSET} ${HISTORY_UPSERT}`,
    [records, knownAt],
  );
}

/** A line judged twice at one knowledge time (two pieces of knowledge recorded in the same millisecond) keeps the later judgement. */
const HISTORY_UPSERT = `ON CONFLICT (contract_id, scope, subject_id, metric, contract_year, known_at) DO UPDATE SET
  contract_status = EXCLUDED.contract_status, school_year = EXCLUDED.school_year, kind = EXCLUDED.kind, status = EXCLUDED.status,
  threshold = EXCLUDED.threshold, baseline = EXCLUDED.baseline, actual = EXCLUDED.actual, evidence = EXCLUDED.evidence,
  reason = EXCLUDED.reason, schools_counted = EXCLUDED.schools_counted, schools_missed = EXCLUDED.schools_missed,
  target = EXCLUDED.target, target_since = EXCLUDED.target_since, removed = EXCLUDED.removed`;

async function writeChanges(tx: SqlExecutor, changes: Change[], knownAt: string, position: Checkpoint): Promise<void> {
  if (changes.length === 0) return;
  const records = changes.map(({ contract, line, districtIds, from, status, withdrawal, missedTheYearBefore }, ordinal) => ({
    ordinal,
    contract_id: contract.contract_id,
    partner_id: contract.partner_id,
    district_ids: districtIds,
    scope: line.scope,
    subject_id: line.subjectId,
    metric: line.metric,
    contract_year: line.contractYear,
    school_year: line.schoolYear,
    threshold: line.threshold,
    actual: line.actual,
    from_status: from,
    status,
    withdrawal,
    missed_year_before: missedTheYearBefore,
  }));
  await tx.query(
    `INSERT INTO scorecard_changes (position, known_at, ordinal, contract_id, partner_id, district_ids, scope, subject_id, metric, contract_year,
       school_year, threshold, actual, from_status, status, withdrawal, missed_year_before)
     SELECT $2, $3::timestamptz, c.ordinal, c.contract_id, c.partner_id, ARRAY(SELECT jsonb_array_elements_text(c.district_ids)), c.scope, c.subject_id,
       c.metric, c.contract_year, c.school_year, c.threshold, c.actual, c.from_status, c.status, c.withdrawal, c.missed_year_before
     FROM jsonb_to_recordset($1::jsonb) AS c(ordinal integer, contract_id text, partner_id text, district_ids jsonb, scope text, subject_id text,
       metric text, contract_year integer, school_year text, threshold double precision, actual double precision, from_status text, status text,
       withdrawal text, missed_year_before boolean)
     ON CONFLICT (position, ordinal) DO NOTHING`,
    [JSON.stringify(records), position, knownAt],
  );
}
