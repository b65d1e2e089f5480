import { addSchoolYears, FeedKind, FeedRecord, MetricValue, rollUp } from '@turnaround/domain';
import { SqlExecutor, SQLSTATE, sqlStateOf } from '@turnaround/postgres';
import { coverageStates, CoverageTouch } from './coverage/coverage.projection';
import { CoverageState } from './coverage/coverage.planner';
import { MetricQueries } from './metrics/metric.queries';
import { RecordToStore, SchoolYearFeed, SchoolYearState } from './metrics/metrics.planner';
import { ReadSideTables, schoolYearsOf, schoolYearState, SchoolYearToRecompute, stateAveragesOf, Touched } from './read-side-tables';
import { RowChange, RowOf, selectList, Table, writeRowChanges } from './rows/row-changes';
import { ContractToJudge, JudgementFacts, lineKey, StoredLine, TargetOnRecord } from './scorecards/scorecards.planner';
import { finalContractYears, storedLineOf, targetsInForce } from './scorecards/scorecards.projection';
import { SCORECARDS_TABLES } from './scorecards/scorecards.tables';

/**
 * The read side's tables in the database, in the transaction of the page being applied: what the
 * live runner (and a rebuild past what memory holds) reads and writes. Each read is set-wise,
 * however many school years or contracts a piece of knowledge touched. Orders that a result
 * depends on are byte orders (`COLLATE "C"`), as memory sorts (`MemoryReadSideTables`).
 */
export class SqlReadSideTables implements ReadSideTables {
  constructor(private readonly tx: SqlExecutor) {}

  write<Tables extends Record<string, Table>>(tables: Tables, changes: readonly RowChange<Tables>[]): Promise<void> {
    return writeRowChanges(this.tx, tables, changes);
  }

  /**
   * A large batch is nearly always all new (a push is new facts; a restatement comes as a
   * correction of a few): it goes straight into `feed_records` by COPY, which costs the server
   * about half of loading a staging table and upserting from there, or of looking the keys up
   * first. If one of them is stored already, the key refuses the COPY, which is undone to its
   * savepoint, and the batch is upserted instead.
   */
  async storeRecords(records: readonly RecordToStore[]): Promise<{ feed: FeedKind; schoolId: string }[]> {
    if (records.length < COPY_FROM) return this.upsertRecords(records);
    await this.tx.query('SAVEPOINT new_feed_records');
    try {
      await this.tx.copyFrom(
        'feed_records',
        ['feed', 'natural_key', 'school_id', 'school_year', 'data', 'recorded_at', 'retracted'],
        records.map(({ feed, key, record, recordedAt }) => [feed, key, record.schoolId, record.schoolYear, record, recordedAt, false]),
      );
      await this.tx.query('RELEASE SAVEPOINT new_feed_records');
      return [];
    } catch (error) {
      if (sqlStateOf(error) !== SQLSTATE.uniqueViolation) throw error;
      await this.tx.query('ROLLBACK TO SAVEPOINT new_feed_records');
      return this.upsertRecords(records);
    }
  }

  async retractRecord(feed: FeedKind, naturalKey: string, knownAt: string): Promise<{ schoolId: string; schoolYear: string } | undefined> {
    const [retracted] = await this.tx.query<{ schoolId: string; schoolYear: string }>(
      `UPDATE feed_records SET retracted = true, recorded_at = $3 WHERE feed = $1 AND natural_key = $2 RETURNING school_id AS "schoolId", school_year AS "schoolYear"`,
      [feed, naturalKey, knownAt],
    );
    return retracted;
  }

  /**
   * Three reads however many school years: the changed feeds' current records (with the year
   * before's staffing where staffing changed), each school's latest staffing year, and the
   * stored metrics. A feed's metrics come from its own records alone (`feedOfMetric`), so a
   * month of attendance does not read the year's assessment rows again.
   */
  async schoolYearStates(changed: readonly SchoolYearFeed[]): Promise<SchoolYearState[]> {
    if (changed.length === 0) return [];
    const entries = schoolYearsOf(changed);
    const keys = recordSetsOf(entries);
    // One row per key, its records in natural-key order: the metrics of a school year then never
    // depend on where its rows happen to lie in the table, and the client parses one field a key
    // rather than four a record (PGlite copies each field it returns).
    const groups = await this.tx.query<{ n: number; records: FeedRecord[] }>(
      `SELECT k.n, json_agg(f.data ORDER BY f.natural_key COLLATE "C") AS records
       FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS k(school_id, school_year, feed, n)
       JOIN feed_records f ON f.school_id = k.school_id AND f.school_year = k.school_year AND f.feed = k.feed
       WHERE NOT f.retracted
       GROUP BY k.n`,
      [keys.map((key) => key.schoolId), keys.map((key) => key.schoolYear), keys.map((key) => key.feed)],
    );
    const staffed = [...new Set(entries.filter(({ feeds }) => feeds.has('staffing')).map(({ schoolId }) => schoolId))];
    const latestStaffing =
      staffed.length === 0
        ? []
        : await this.tx.query<{ school_id: string; latest: string }>(
            `SELECT school_id, max(school_year COLLATE "C") AS latest FROM feed_records WHERE feed = 'staffing' AND NOT retracted AND school_id = ANY($1::text[]) GROUP BY school_id`,
            [staffed],
          );
    const storedRows = await this.tx.query<MetricValue & { school_id: string; school_year: string }>(
      `SELECT school_id, school_year, metric, numerator, denominator, suppressed, partial, final, through FROM school_metrics
       WHERE (school_id, school_year) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
      [entries.map((key) => key.schoolId), entries.map((key) => key.schoolYear)],
    );
    const recordsOf = new Map(groups.map(({ n, records }) => [recordSetKey(keys[Number(n) - 1]), records]));
    const latest = new Map(latestStaffing.map((row) => [row.school_id, row.latest]));
    const stored = new Map<string, Map<string, MetricValue>>();
    for (const { school_id, school_year, ...value } of storedRows) {
      const key = `${school_id}|${school_year}`;
      stored.set(key, (stored.get(key) ?? new Map()).set(value.metric, value));
    }
    return entries.map((entry) =>
      schoolYearState(
        entry,
        (feed, schoolYear) => recordsOf.get(recordSetKey({ schoolId: entry.schoolId, schoolYear, feed })) ?? [],
        latest.get(entry.schoolId),
        stored.get(`${entry.schoolId}|${entry.schoolYear}`),
      ),
    );
  }

  coverageStates(touched: readonly CoverageTouch[]): Promise<CoverageState[]> {
    return coverageStates(this.tx, touched);
  }

  targetsInForce(contractIds: readonly string[]): Promise<Map<string, TargetOnRecord[]>> {
    return targetsInForce(this.tx, contractIds);
  }

  finalContractYears(contractId: string): Promise<number[]> {
    return finalContractYears(this.tx, contractId);
  }

  async contractsToJudge(touched: Touched): Promise<ContractToJudge[]> {
    const rows = await this.tx.query<Omit<ContractToJudge, 'targets' | 'lines'>>(
      `SELECT contract_id AS "contractId", partner_id AS "partnerId", cluster_id AS "clusterId", school_ids AS "schoolIds",
         start_year AS "startYear", baseline_year AS "baselineYear", status FROM registry_contracts c
       WHERE contract_id = ANY($1::text[]) OR cluster_id = ANY($2::text[]) OR school_ids && $3::text[]
          OR ($4 AND EXISTS (SELECT 1 FROM scorecard_targets t WHERE t.contract_id = c.contract_id AND t.target->>'goal' = 'stateAverage'))
       ORDER BY contract_id COLLATE "C"`,
      [[...touched.contracts], [...touched.clusters], [...touched.schools], touched.feeds],
    );
    if (rows.length === 0) return [];
    const contractIds = rows.map((contract) => contract.contractId);
    const [targets, lineRows] = await Promise.all([
      this.targetsInForce(contractIds),
      this.tx.query<RowOf<(typeof SCORECARDS_TABLES)['scorecard_lines']>>(
        `SELECT ${selectList(SCORECARDS_TABLES.scorecard_lines)} FROM scorecard_lines WHERE contract_id = ANY($1::text[])`,
        [contractIds],
      ),
    ]);
    const linesOf = new Map<string, Map<string, StoredLine>>();
    for (const row of lineRows) {
      const line = storedLineOf(row);
      linesOf.set(row.contractId, (linesOf.get(row.contractId) ?? new Map()).set(lineKey(line), line));
    }
    return rows.map((row) => ({ ...row, targets: targets.get(row.contractId) ?? [], lines: linesOf.get(row.contractId) ?? new Map() }));
  }

  async judgementFacts(contracts: readonly ContractToJudge[]): Promise<JudgementFacts> {
    const schoolIds = [...new Set(contracts.flatMap((contract) => contract.schoolIds))];
    const metrics = new MetricQueries(this.tx);
    const [memberships, values, districtRows] = await Promise.all([
      metrics.memberships(schoolIds),
      metrics.valuesOf(schoolIds),
      this.tx.query<{ school_id: string; district_id: string }>('SELECT school_id, district_id FROM registry_schools WHERE school_id = ANY($1::text[])', [
        schoolIds,
      ]),
    ]);
    const stateAverages = new Map<string, MetricValue | undefined>();
    for (const { year, metric } of stateAveragesOf(contracts)) {
      const rows = await this.tx.query<MetricValue>(
        `SELECT metric, numerator, denominator, suppressed, partial, final, through FROM school_metrics
         WHERE school_year = $1 AND metric = $2 ORDER BY school_id COLLATE "C"`,
        [year, metric],
      );
      stateAverages.set(`${year}|${metric}`, rollUp(metric, rows));
    }
    return {
      memberships,
      value: (schoolId, year, metric) => values.get(`${schoolId}|${year}|${metric}`),
      stateAverage: (year, metric) => stateAverages.get(`${year}|${metric}`),
      districtOf: new Map(districtRows.map((row) => [row.school_id, row.district_id])),
    };
  }

  /**
   * Inserts or replaces records given as one JSON parameter: pg escapes a jsonb[] parameter element
   * by element, quote by quote. A row that was updated rather than inserted has a transaction id
   * in `xmax` (PostgreSQL's own marker of ON CONFLICT's update), which names the replaced ones.
   */
  private async upsertRecords(records: readonly RecordToStore[]): Promise<{ feed: FeedKind; schoolId: string }[]> {
    if (records.length === 0) return [];
    const rows = records.map(({ feed, key, record, recordedAt }) => ({
      feed,
      natural_key: key,
      school_id: record.schoolId,
      school_year: record.schoolYear,
      data: record,
      recorded_at: recordedAt,
    }));
    const replaced = await this.tx.query<{ feed: FeedKind; schoolId: string; replaced: boolean }>(
      `INSERT INTO feed_records (feed, natural_key, school_id, school_year, data, recorded_at, retracted)
       SELECT feed, natural_key, school_id, school_year, data, recorded_at, false
       FROM json_to_recordset($1::json) AS r(feed text, natural_key text, school_id text, school_year text, data json, recorded_at timestamptz)
       ON CONFLICT (feed, natural_key) DO UPDATE
         SET data = EXCLUDED.data, recorded_at = EXCLUDED.recorded_at, retracted = false, school_id = EXCLUDED.school_id, school_year = EXCLUDED.school_year
       RETURNING feed, school_id AS "schoolId", xmax <> '0' AS replaced`,
      [JSON.stringify(rows)],
    );
    return replaced.filter((row) => row.replaced).map(({ feed, schoolId }) => ({ feed, schoolId }));
  }
}

/** From this many records, a batch is first tried as new records loaded with COPY. */
const COPY_FROM = 100;

/** The sets of records the school years' recompute reads: each changed feed's, and the year before's staffing where staffing changed. */
function recordSetsOf(entries: readonly SchoolYearToRecompute[]): SchoolYearFeed[] {
  const wanted = new Map<string, SchoolYearFeed>();
  const want = (key: SchoolYearFeed) => wanted.set(recordSetKey(key), key);
  for (const { schoolId, schoolYear, feeds } of entries) {
    for (const feed of feeds) want({ schoolId, schoolYear, feed });
    if (feeds.has('staffing')) want({ schoolId, schoolYear: addSchoolYears(schoolYear, -1), feed: 'staffing' });
  }
  return [...wanted.values()];
}

const recordSetKey = ({ schoolId, schoolYear, feed }: SchoolYearFeed) => `${schoolId}|${schoolYear}|${feed}`;
