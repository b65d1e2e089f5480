import { addSchoolYears, FeedKind, FeedRecord, IndicatorCatalogue, MetricValue } from '@turnaround/domain';
import { Projection, StoredEvent } from '@turnaround/event-store';
import { SqlExecutor, SQLSTATE, sqlStateOf } from '@turnaround/postgres';
import { COVERAGE_MIGRATION, COVERAGE_TABLES, CoverageTouch, updateCoverage } from '../coverage/coverage.projection';
import { writeRowChanges } from '../rows/row-changes';
import { planMetricChanges, planRecordSteps, RecordToStore, SchoolYearFeed, schoolYearsChangedBy, SchoolYearState } from './metrics.planner';
import { METRICS_TABLES } from './metrics.tables';

/**
 * The metrics read model (docs/metrics.md and docs/architecture.md#the-read-side):
 * - `feed_records`: the current record of every natural key (restatements replace, retractions mark);
 * - `school_metrics`: school x school year x metric as numerator and denominator, with the
 *   knowledge time of the facts behind it;
 * - `school_metric_history`: every change of a school metric, by knowledge time (a hypertable
 *   when TimescaleDB is there), and `metric_changes_daily` over it (a continuous aggregate
 *   there, a view elsewhere);
 * - `feed_coverage` and its history: each school's last period received of each feed
 *   (coverage.projection.ts).
 * A school year is recomputed whole from its current records whenever one of them changes, so
 * restatements, retractions and the all-grades rule never leave a stale sum behind.
 *
 * `indicators`: the process's catalogue, loaded at start-up: an indicator's value is computed
 * by its kind (a count over no denominator), so the same log gives the same metrics under the
 * same catalogue, live and in a rebuild.
 */
export function metricsProjection(indicators: IndicatorCatalogue): Projection {
  return { ...METRICS_SCHEMA, apply: (tx, events) => applyEvents(tx, events, indicators) };
}

/** The metrics read model's tables and migrations, whatever catalogue computes its values. */
const METRICS_SCHEMA: Pick<Projection, 'name' | 'tables' | 'migrations'> = {
  name: 'metrics',
  tables: ['feed_records', ...Object.keys(METRICS_TABLES), ...COVERAGE_TABLES],
  migrations: [
    {
      id: '0001-metrics',
      sql: `
        CREATE TABLE feed_records (
          feed text NOT NULL, natural_key text NOT NULL, school_id text NOT NULL, school_year text NOT NULL,
          data jsonb NOT NULL, recorded_at timestamptz NOT NULL, retracted boolean NOT NULL DEFAULT false,
          PRIMARY KEY (feed, natural_key));
        CREATE INDEX feed_records_school_year ON feed_records (school_id, school_year);
        CREATE TABLE school_metrics (
          school_id text NOT NULL, school_year text NOT NULL, metric text NOT NULL,
          numerator double precision, denominator double precision,
          suppressed boolean NOT NULL, partial boolean NOT NULL, final boolean NOT NULL, through text NOT NULL,
          known_at timestamptz NOT NULL,
          PRIMARY KEY (school_id, school_year, metric));
        CREATE INDEX school_metrics_year_metric ON school_metrics (school_year, metric);
        CREATE TABLE school_metric_history (
          school_id text NOT NULL, school_year text NOT NULL, metric text NOT NULL,
          numerator double precision, denominator double precision,
          suppressed boolean NOT NULL, partial boolean NOT NULL, final boolean NOT NULL, through text NOT NULL,
          removed boolean NOT NULL, known_at timestamptz NOT NULL,
          PRIMARY KEY (school_id, school_year, metric, known_at));
        -- Decided at migration time: a hypertable where TimescaleDB is installed, a plain table elsewhere.
        DO $$ BEGIN
          IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
            PERFORM create_hypertable('school_metric_history', 'known_at');
          END IF;
        END $$;`,
    },
    {
      // The dashboards' "learned per day" roll-up. With TimescaleDB a continuous aggregate,
      // refreshed by a policy and real-time for the newest rows; elsewhere a plain view with
      // the same columns, so the panels' SQL is the same on both.
      id: '0002-metric-changes-daily',
      sql: `
        DO $$ BEGIN
          IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
            EXECUTE $cagg$
              CREATE MATERIALIZED VIEW metric_changes_daily WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
              SELECT time_bucket(INTERVAL '1 day', known_at) AS day, school_year, metric,
                count(*) AS changes, count(*) FILTER (WHERE suppressed) AS suppressed_changes
              FROM school_metric_history
              GROUP BY time_bucket(INTERVAL '1 day', known_at), school_year, metric
              WITH NO DATA$cagg$;
            PERFORM add_continuous_aggregate_policy('metric_changes_daily',
              start_offset => NULL, end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '15 minutes');
          ELSE
            CREATE VIEW metric_changes_daily AS
              SELECT date_trunc('day', known_at) AS day, school_year, metric,
                count(*) AS changes, count(*) FILTER (WHERE suppressed) AS suppressed_changes
              FROM school_metric_history
              GROUP BY 1, 2, 3;
          END IF;
        END $$;`,
    },
    {
      // A recompute reads one feed of a school year: the feed in the index spares the heap reads of the others.
      id: '0003-feed-records-by-feed',
      sql: `
        DROP INDEX feed_records_school_year;
        CREATE INDEX feed_records_school_year_feed ON feed_records (school_id, school_year, feed);`,
    },
    {
      // With TimescaleDB, history older than a month goes to the columnstore: it is only
      // appended to (a restatement is a new row at a new knowledge time), and read by school.
      // A month per chunk suits a few pushes a month (the first migration left the default week).
      id: '0004-metric-history-columnstore',
      sql: `
        DO $$ BEGIN
          IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
            PERFORM set_chunk_time_interval('school_metric_history', INTERVAL '30 days');
            ALTER TABLE school_metric_history SET (timescaledb.enable_columnstore,
              timescaledb.segmentby = 'school_id', timescaledb.orderby = 'school_year, metric, known_at DESC');
            CALL add_columnstore_policy('school_metric_history', after => INTERVAL '30 days');
          END IF;
        END $$;`,
    },
    {
      // The records are kept to recompute from and read back whole, never searched inside:
      // stored as json text, each upsert spares the conversion to jsonb's binary form, the
      // largest single cost of a rebuild. `->>` reads both alike.
      id: '0005-feed-records-json',
      sql: `ALTER TABLE feed_records ALTER COLUMN data TYPE json USING data::json`,
    },
    COVERAGE_MIGRATION,
  ],
};

/**
 * One knowledge time at a time: the history then holds the value as of each time the service
 * learned something, whatever the batch boundaries (a rebuild equals the live run).
 */
async function applyEvents(tx: SqlExecutor, events: readonly StoredEvent[], indicators: IndicatorCatalogue): Promise<void> {
  for (let start = 0; start < events.length; ) {
    let end = start + 1;
    while (end < events.length && events[end].metadata.recordedAt === events[start].metadata.recordedAt) end += 1;
    await applyKnowledge(tx, events.slice(start, end), events[start].metadata.recordedAt, indicators);
    start = end;
  }
}

/**
 * Applies the events the service learned at one time: stores their records (planned by
 * `planRecordSteps`), recomputes the metrics of the school years they change (planned by
 * `planMetricChanges` from the school years' state as stored), and updates their coverage.
 */
async function applyKnowledge(tx: SqlExecutor, events: readonly StoredEvent[], knownAt: string, indicators: IndicatorCatalogue): Promise<void> {
  const changed = new Map<string, SchoolYearFeed>();
  const change = (feed: FeedKind, schoolId: string, schoolYear: string) => {
    for (const entry of schoolYearsChangedBy(feed, schoolId, schoolYear)) changed.set(`${entry.schoolId}|${entry.schoolYear}|${entry.feed}`, entry);
  };
  const covered = new Map<string, CoverageTouch>();
  const cover = (feed: FeedKind, schoolId: string, wentBack: boolean) => {
    const entry = covered.get(`${schoolId}|${feed}`);
    if (entry) entry.wentBack ||= wentBack;
    else covered.set(`${schoolId}|${feed}`, { schoolId, feed, wentBack });
  };
  const stored: RecordToStore[] = [];
  for (const step of planRecordSteps(events, knownAt)) {
    if ('store' in step) {
      for (const replaced of await upsertRecords(tx, step.store)) cover(replaced.feed, replaced.school_id, true);
      for (const { feed, record } of step.store) {
        change(feed, record.schoolId, record.schoolYear);
        cover(feed, record.schoolId, false);
      }
      stored.push(...step.store);
      continue;
    }
    const { feed, naturalKey } = step.retract;
    const [retracted] = await tx.query<{ school_id: string; school_year: string }>(
      `UPDATE feed_records SET retracted = true, recorded_at = $3 WHERE feed = $1 AND natural_key = $2 RETURNING school_id, school_year`,
      [feed, naturalKey, knownAt],
    );
    if (retracted) {
      change(feed, retracted.school_id, retracted.school_year);
      cover(feed, retracted.school_id, true);
    }
  }
  const schoolYears = await schoolYearStates(tx, [...changed.values()]);
  await writeRowChanges(tx, METRICS_TABLES, planMetricChanges(schoolYears, knownAt, indicators));
  await updateCoverage(tx, [...covered.values()], stored, knownAt);
}

/** From this many records, a batch is first tried as new records loaded with COPY. */
const COPY_FROM = 100;

/**
 * Stores the current record of each natural key: a record seen for the first time is inserted,
 * a restatement replaces the one before. A large batch is nearly always all new (a push is new
 * facts; a restatement comes as a correction of a few): it goes straight into `feed_records` by
 * COPY, which costs the server about half of loading a staging table and upserting from there,
 * or of looking the keys up first. If one of them is stored already, the key refuses the COPY,
 * which is undone to its savepoint, and the batch is upserted instead. Returns the records that
 * replaced one stored before (a restatement, or a record retracted and sent again).
 */
async function upsertRecords(tx: SqlExecutor, records: readonly RecordToStore[]): Promise<Replaced[]> {
  if (records.length < COPY_FROM) return upsertByJson(tx, records);
  await tx.query('SAVEPOINT new_feed_records');
  try {
    await tx.copyFrom(
      'feed_records',
      ['feed', 'natural_key', 'school_id', 'school_year', 'data', 'recorded_at', 'retracted'],
      records.map(({ feed, key, record, recordedAt }) => [feed, key, record.schoolId, record.schoolYear, record, recordedAt, false]),
    );
    await tx.query('RELEASE SAVEPOINT new_feed_records');
    return [];
  } catch (error) {
    if (sqlStateOf(error) !== SQLSTATE.uniqueViolation) throw error;
    await tx.query('ROLLBACK TO SAVEPOINT new_feed_records');
    return upsertByJson(tx, records);
  }
}

type Replaced = { feed: FeedKind; school_id: string };

/**
 * Inserts or replaces records given as one JSON parameter: pg escapes a jsonb[] parameter element
 * by element, quote by quote. A row that was updated rather than inserted has a transaction id
 * in `xmax` (PostgreSQL's own marker of ON CONFLICT's update), which names the replaced ones.
 */
async function upsertByJson(tx: SqlExecutor, records: readonly RecordToStore[]): Promise<Replaced[]> {
  if (records.length === 0) return [];
  const rows = records.map(({ feed, key, record, recordedAt }) => ({
    feed,
    natural_key: key,
    school_id: record.schoolId,
    school_year: record.schoolYear,
    data: record,
    recorded_at: recordedAt,
  }));
  const replaced = await tx.query<Replaced & { replaced: boolean }>(
    `INSERT INTO feed_records (feed, natural_key, school_id, school_year, data, recorded_at, retracted)
     SELECT feed, natural_key, school_id, school_year, data, recorded_at, false
     FROM json_to_recordset($1::json) AS r(feed text, natural_key text, school_id text, school_year text, data json, recorded_at timestamptz)
     ON CONFLICT (feed, natural_key) DO UPDATE
       SET data = EXCLUDED.data, recorded_at = EXCLUDED.recorded_at, retracted = false, school_id = EXCLUDED.school_id, school_year = EXCLUDED.school_year
     RETURNING feed, school_id, xmax <> '0' AS replaced`,
    [JSON.stringify(rows)],
  );
  return replaced.filter((row) => row.replaced);
}

/**
 * The state of each school year whose feeds changed, as stored once the knowledge's records
 * are: three reads however many school years (the changed feeds' current records, with the
 * year before's staffing where staffing changed; each school's latest staffing year; the
 * stored metrics). A feed's metrics come from its own records alone (`feedOfMetric`), so a
 * month of attendance does not read the year's assessment rows again.
 */
async function schoolYearStates(tx: SqlExecutor, changed: readonly SchoolYearFeed[]): Promise<SchoolYearState[]> {
  if (changed.length === 0) return [];
  const keyOf = (schoolId: string, schoolYear: string, feed = '') => `${schoolId}|${schoolYear}|${feed}`;
  const schoolYears = new Map<string, { schoolId: string; schoolYear: string; feeds: Set<FeedKind> }>();
  for (const { schoolId, schoolYear, feed } of changed) {
    const key = keyOf(schoolId, schoolYear);
    const entry = schoolYears.get(key) ?? { schoolId, schoolYear, feeds: new Set() };
    schoolYears.set(key, entry);
    entry.feeds.add(feed);
  }
  // One (school, year, feed) key per set of records to read, looked up by a join from the keys.
  const wanted = new Map<string, SchoolYearFeed>();
  const want = (schoolId: string, schoolYear: string, feed: FeedKind) => wanted.set(keyOf(schoolId, schoolYear, feed), { schoolId, schoolYear, feed });
  for (const { schoolId, schoolYear, feeds } of schoolYears.values()) {
    for (const feed of feeds) want(schoolId, schoolYear, feed);
    if (feeds.has('staffing')) want(schoolId, addSchoolYears(schoolYear, -1), 'staffing');
  }
  const keys = [...wanted.values()];
  // One row per key, its records in natural-key order: the metrics of a school year then never
  // depend on where its rows happen to lie in the table, and the client parses one field a key
  // rather than four a record (PGlite copies each field it returns).
  const groups = await tx.query<{ n: number; records: FeedRecord[] }>(
    `SELECT k.n, json_agg(f.data ORDER BY f.natural_key) AS records
     FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS k(school_id, school_year, feed, n)
     JOIN feed_records f ON f.school_id = k.school_id AND f.school_year = k.school_year AND f.feed = k.feed
     WHERE NOT f.retracted
     GROUP BY k.n`,
    [keys.map((key) => key.schoolId), keys.map((key) => key.schoolYear), keys.map((key) => key.feed)],
  );
  const entries = [...schoolYears.values()];
  const staffed = [...new Set(entries.filter(({ feeds }) => feeds.has('staffing')).map(({ schoolId }) => schoolId))];
  const latestStaffing =
    staffed.length === 0
      ? []
      : await tx.query<{ school_id: string; latest: string }>(
          `SELECT school_id, max(school_year) AS latest FROM feed_records WHERE feed = 'staffing' AND NOT retracted AND school_id = ANY($1::text[]) GROUP BY school_id`,
          [staffed],
        );
  const storedRows = await tx.query<MetricValue & { school_id: string; school_year: string }>(
    `SELECT school_id, school_year, metric, numerator, denominator, suppressed, partial, final, through FROM school_metrics
     WHERE (school_id, school_year) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
    [entries.map((key) => key.schoolId), entries.map((key) => key.schoolYear)],
  );
  const recordsOf = new Map(
    groups.map(({ n, records }) => {
      const { schoolId, schoolYear, feed } = keys[Number(n) - 1];
      return [keyOf(schoolId, schoolYear, feed), records];
    }),
  );
  const latest = new Map(latestStaffing.map((row) => [row.school_id, row.latest]));
  const stored = new Map<string, Map<string, MetricValue>>();
  for (const { school_id, school_year, ...value } of storedRows) {
    const key = keyOf(school_id, school_year);
    stored.set(key, (stored.get(key) ?? new Map()).set(value.metric, value));
  }
  return entries.map(({ schoolId, schoolYear, feeds }) => ({
    schoolId,
    schoolYear,
    feeds,
    records: Object.fromEntries([...feeds].map((feed) => [feed, recordsOf.get(keyOf(schoolId, schoolYear, feed)) ?? []])),
    priorYearStaffing: (recordsOf.get(keyOf(schoolId, addSchoolYears(schoolYear, -1), 'staffing')) ?? []) as never[],
    laterYearStaffingReported: (latest.get(schoolId) ?? '') > schoolYear,
    stored: stored.get(keyOf(schoolId, schoolYear)) ?? new Map(),
  }));
}
