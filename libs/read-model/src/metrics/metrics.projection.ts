import {
  addSchoolYears,
  FEED_RECORD_EVENTS,
  FeedKind,
  feedOfMetric,
  feedOfEventType,
  FeedRecord,
  MetricValue,
  naturalKeyOf,
  SchoolYearFacts,
  schoolYearMetrics,
} from '@turnaround/domain';
import { Projection, StoredEvent } from '@turnaround/event-store';
import { SqlExecutor, SQLSTATE, sqlStateOf } from '@turnaround/postgres';
import { COVERAGE_MIGRATION, COVERAGE_TABLES, CoverageTouch, updateCoverage } from '../coverage/coverage.projection';

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
 */
export const metricsProjection: Projection = {
  name: 'metrics',
  tables: ['feed_records', 'school_metrics', 'school_metric_history', ...COVERAGE_TABLES],
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
  async apply(tx, events) {
    // One knowledge time at a time: the history then holds the value as of each time the
    // service learned something, whatever the batch boundaries (a rebuild equals the live run).
    for (let start = 0; start < events.length; ) {
      let end = start + 1;
      while (end < events.length && events[end].metadata.recordedAt === events[start].metadata.recordedAt) end += 1;
      await applyKnowledge(tx, events.slice(start, end), events[start].metadata.recordedAt);
      start = end;
    }
  },
};

/** Applies events the service learned at one time, then recomputes the feeds of the school years they touch and their coverage. */
async function applyKnowledge(tx: SqlExecutor, events: readonly StoredEvent[], knownAt: string): Promise<void> {
  const touched = new Map<string, SchoolYearKey & { feeds: Set<FeedKind> }>();
  const touch = (feed: FeedKind, schoolId: string, schoolYear: string) => {
    const key = `${schoolId}|${schoolYear}`;
    let entry = touched.get(key);
    if (!entry) touched.set(key, (entry = { schoolId, schoolYear, feeds: new Set() }));
    entry.feeds.add(feed);
  };
  const covered = new Map<string, CoverageTouch>();
  const cover = (feed: FeedKind, schoolId: string, wentBack: boolean) => {
    const entry = covered.get(`${schoolId}|${feed}`);
    if (entry) entry.wentBack ||= wentBack;
    else covered.set(`${schoolId}|${feed}`, { schoolId, feed, wentBack });
  };
  const records = new Map<string, RecordToStore>();
  const stored: { feed: FeedKind; key: string }[] = [];
  const store = async () => {
    for (const replaced of await upsertRecords(tx, [...records.values()])) cover(replaced.feed, replaced.school_id, true);
    stored.push(...records.values());
    records.clear();
  };
  for (const event of events) {
    const feed = feedOfEventType(event.type);
    if (!feed && event.type !== 'RecordRetracted') continue;
    const decoded = FEED_RECORD_EVENTS.decode(event);
    if (decoded.type === 'RecordRetracted') {
      await store();
      const [retracted] = await tx.query<{ school_id: string; school_year: string }>(
        `UPDATE feed_records SET retracted = true, recorded_at = $3 WHERE feed = $1 AND natural_key = $2 RETURNING school_id, school_year`,
        [decoded.data.feed, decoded.data.naturalKey, knownAt],
      );
      if (retracted) {
        touchRecord(touch, decoded.data.feed, retracted.school_id, retracted.school_year);
        cover(decoded.data.feed, retracted.school_id, true);
      }
      continue;
    }
    const record = decoded.data as FeedRecord;
    const key = naturalKeyOf(feed as FeedKind, record);
    records.set(`${feed}|${key}`, { feed: feed as FeedKind, key, record, recordedAt: knownAt });
    touchRecord(touch, feed as FeedKind, record.schoolId, record.schoolYear);
    cover(feed as FeedKind, record.schoolId, false);
  }
  await store();
  await recompute(tx, [...touched.values()], knownAt);
  await updateCoverage(tx, [...covered.values()], stored, knownAt);
}

/**
 * A record changes its own feed's metrics of its school year. A staffing report also changes
 * next year's retention, which divides by this year's teachers, and makes last year's final.
 */
function touchRecord(touch: (feed: FeedKind, schoolId: string, year: string) => void, feed: FeedKind, schoolId: string, schoolYear: string) {
  touch(feed, schoolId, schoolYear);
  if (feed === 'staffing') {
    touch(feed, schoolId, addSchoolYears(schoolYear, 1));
    touch(feed, schoolId, addSchoolYears(schoolYear, -1));
  }
}

/** From this many records, a batch is first tried as new records loaded with COPY. */
const COPY_FROM = 100;

type RecordToStore = { feed: FeedKind; key: string; record: FeedRecord; recordedAt: string };

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

interface SchoolYearKey {
  schoolId: string;
  schoolYear: string;
}

/** A school year and the feeds whose records changed in it. */
interface Touched extends SchoolYearKey {
  feeds: ReadonlySet<FeedKind>;
}

/**
 * Recomputes the metrics of the feeds touched at one knowledge time, set-wise: three reads
 * (the touched feeds' current records, with the year before's staffing where staffing is
 * touched; each school's latest staffing year; the stored metrics) and one write per kind of
 * change, however many school years. A feed's metrics come from its own records alone
 * (`feedOfMetric`), so a month of attendance does not read the year's assessment rows again.
 * Only values that changed are written, and each change goes to the history.
 */
async function recompute(tx: SqlExecutor, touched: readonly Touched[], knownAt: string): Promise<void> {
  if (touched.length === 0) return;
  const keyOf = (schoolId: string, schoolYear: string, feed = '') => `${schoolId}|${schoolYear}|${feed}`;
  // One (school, year, feed) key per set of records to read, looked up by a join from the keys.
  const wanted = new Map<string, SchoolYearKey & { feed: FeedKind }>();
  const want = (schoolId: string, schoolYear: string, feed: FeedKind) => wanted.set(keyOf(schoolId, schoolYear, feed), { schoolId, schoolYear, feed });
  for (const { schoolId, schoolYear, feeds } of touched) {
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
  const staffed = [...new Set(touched.filter(({ feeds }) => feeds.has('staffing')).map(({ schoolId }) => schoolId))];
  const latestStaffing =
    staffed.length === 0
      ? []
      : await tx.query<{ school_id: string; latest: string }>(
          `SELECT school_id, max(school_year) AS latest FROM feed_records WHERE feed = 'staffing' AND NOT retracted AND school_id = ANY($1::text[]) GROUP BY school_id`,
          [staffed],
        );
  const stored = await tx.query<MetricValue & { school_id: string; school_year: string }>(
    `SELECT school_id, school_year, metric, numerator, denominator, suppressed, partial, final, through FROM school_metrics
     WHERE (school_id, school_year) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
    [touched.map((key) => key.schoolId), touched.map((key) => key.schoolYear)],
  );
  const recordsOf = new Map(
    groups.map(({ n, records }) => {
      const { schoolId, schoolYear, feed } = keys[Number(n) - 1];
      return [keyOf(schoolId, schoolYear, feed), records];
    }),
  );
  const latest = new Map(latestStaffing.map((row) => [row.school_id, row.latest]));
  const existing = new Map<string, Map<string, MetricValue>>();
  for (const row of stored) {
    const key = keyOf(row.school_id, row.school_year);
    existing.set(key, (existing.get(key) ?? new Map()).set(row.metric, row));
  }

  const changed: (MetricValue & SchoolYearKey)[] = [];
  const removed: { schoolId: string; schoolYear: string; metric: string }[] = [];
  for (const { schoolId, schoolYear, feeds } of touched) {
    // The untouched feeds stay empty: they give no metrics, and theirs are left as stored.
    const of = (feed: FeedKind) => (feeds.has(feed) ? (recordsOf.get(keyOf(schoolId, schoolYear, feed)) ?? []) : []) as never[];
    const facts: SchoolYearFacts = {
      schoolYear,
      assessment: of('assessment'),
      attendance: of('attendance'),
      staffing: of('staffing'),
      indicators: of('indicators'),
      priorYearStaffing: (recordsOf.get(keyOf(schoolId, addSchoolYears(schoolYear, -1), 'staffing')) ?? []) as never[],
      laterYearStaffingReported: (latest.get(schoolId) ?? '') > schoolYear,
    };
    const values = new Map(schoolYearMetrics(facts).map((value) => [value.metric, value]));
    const before = existing.get(keyOf(schoolId, schoolYear)) ?? new Map<string, MetricValue>();
    for (const value of values.values()) if (!sameValue(before.get(value.metric), value)) changed.push({ ...value, schoolId, schoolYear });
    for (const metric of before.keys()) {
      // a stored metric of a recomputed feed that it no longer gives, or one the table no longer knows
      const feed = feedOfMetric(metric);
      if (!values.has(metric) && (feed === undefined || feeds.has(feed))) removed.push({ schoolId, schoolYear, metric });
    }
  }

  if (changed.length > 0) {
    const columns = [
      changed.map((v) => v.schoolId),
      changed.map((v) => v.schoolYear),
      changed.map((v) => v.metric),
      changed.map((v) => v.numerator),
      changed.map((v) => v.denominator),
      changed.map((v) => v.suppressed),
      changed.map((v) => v.partial),
      changed.map((v) => v.final),
      changed.map((v) => v.through),
    ];
    const unnest = `unnest($2::text[], $3::text[], $4::text[], $5::float8[], $6::float8[], $7::bool[], $8::bool[], $9::bool[], $10::text[])
                    AS v(school_id, school_year, metric, numerator, denominator, suppressed, partial, final, through)`;
    await tx.query(
      `INSERT INTO school_metrics (school_id, school_year, metric, numerator, denominator, suppressed, partial, final, through, known_at)
       SELECT school_id, school_year, metric, numerator, denominator, suppressed, partial, final, through, $1 FROM ${unnest}
       ON CONFLICT (school_id, school_year, metric) DO UPDATE SET numerator = EXCLUDED.numerator, denominator = EXCLUDED.denominator,
         suppressed = EXCLUDED.suppressed, partial = EXCLUDED.partial, final = EXCLUDED.final, through = EXCLUDED.through, known_at = EXCLUDED.known_at`,
      [knownAt, ...columns],
    );
    await tx.query(
      `INSERT INTO school_metric_history (school_id, school_year, metric, numerator, denominator, suppressed, partial, final, through, removed, known_at)
       SELECT school_id, school_year, metric, numerator, denominator, suppressed, partial, final, through, false, $1 FROM ${unnest}
       ${HISTORY_UPSERT}`,
      [knownAt, ...columns],
    );
  }
  if (removed.length > 0) {
    const columns = [removed.map((r) => r.schoolId), removed.map((r) => r.schoolYear), removed.map((r) => r.metric)];
    await tx.query(`DELETE FROM school_metrics WHERE (school_id, school_year, metric) IN (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))`, columns);
    await tx.query(
      `INSERT INTO school_metric_history (school_id, school_year, metric, numerator, denominator, suppressed, partial, final, through, removed, known_at)
       SELECT school_id, school_year, metric, NULL, NULL, false, false, false, '', true, $1 FROM unnest($2::text[], $3::text[], $4::text[]) AS m(school_id, school_year, metric)
       ${HISTORY_UPSERT}`,
      [knownAt, ...columns],
    );
  }
}

/** A school year recomputed twice at one knowledge time (a batch boundary fell inside it) keeps the later value. */
const HISTORY_UPSERT = `ON CONFLICT (school_id, school_year, metric, known_at) DO UPDATE SET numerator = EXCLUDED.numerator,
  denominator = EXCLUDED.denominator, suppressed = EXCLUDED.suppressed, partial = EXCLUDED.partial, final = EXCLUDED.final,
  through = EXCLUDED.through, removed = EXCLUDED.removed`;

function sameValue(row: MetricValue | undefined, value: MetricValue): boolean {
  return (
    row !== undefined &&
    row.numerator === value.numerator &&
    row.denominator === value.denominator &&
    row.suppressed === value.suppressed &&
    row.partial === value.partial &&
    row.final === value.final &&
    row.through === value.through
  );
}
