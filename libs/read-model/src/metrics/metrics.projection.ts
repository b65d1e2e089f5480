import { DecodeOptions, FeedKind, IndicatorCatalogue } from '@turnaround/domain';
import { Projection, StoredEvent } from '@turnaround/event-store';
import { COVERAGE_MIGRATION, CoverageTouch } from '../coverage/coverage.projection';
import { planCoverage } from '../coverage/coverage.planner';
import { COVERAGE_TABLES } from '../coverage/coverage.tables';
import { ReadSideTables } from '../read-side-tables';
import { SqlReadSideTables } from '../sql-read-side-tables';
import { planMetricChanges, planRecordSteps, RecordToStore, SchoolYearFeed, schoolYearsChangedBy } from './metrics.planner';
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
  return { ...METRICS_SCHEMA, apply: (tx, events) => applyFeedEvents(new SqlReadSideTables(tx), events, indicators) };
}

/** The metrics read model's tables and migrations, whatever catalogue computes its values. */
export const METRICS_SCHEMA: Pick<Projection, 'name' | 'tables' | 'migrations'> = {
  name: 'metrics',
  tables: ['feed_records', ...Object.keys(METRICS_TABLES), ...Object.keys(COVERAGE_TABLES)],
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
 * Applies feed events (records and retractions) to the records, metrics and coverage, one
 * knowledge time at a time: the history then holds the value as of each time the service
 * learned something, whatever the batch boundaries (a rebuild equals the live run).
 */
export async function applyFeedEvents(
  tables: ReadSideTables,
  events: readonly StoredEvent[],
  indicators: IndicatorCatalogue,
  decoding: DecodeOptions = {},
): Promise<void> {
  for (let start = 0; start < events.length; ) {
    let end = start + 1;
    while (end < events.length && events[end].metadata.recordedAt === events[start].metadata.recordedAt) end += 1;
    await applyKnowledge(tables, events.slice(start, end), events[start].metadata.recordedAt, indicators, decoding);
    start = end;
  }
}

/**
 * Applies the events the service learned at one time: stores their records (planned by
 * `planRecordSteps`), recomputes the metrics of the school years they change (planned by
 * `planMetricChanges` from the school years' state as stored), and updates their coverage
 * (planned by `planCoverage`).
 */
async function applyKnowledge(
  tables: ReadSideTables,
  events: readonly StoredEvent[],
  knownAt: string,
  indicators: IndicatorCatalogue,
  decoding: DecodeOptions,
): Promise<void> {
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
  for (const step of planRecordSteps(events, knownAt, decoding)) {
    if ('store' in step) {
      for (const replaced of await tables.storeRecords(step.store)) cover(replaced.feed, replaced.schoolId, true);
      for (const { feed, record } of step.store) {
        change(feed, record.schoolId, record.schoolYear);
        cover(feed, record.schoolId, false);
      }
      stored.push(...step.store);
      continue;
    }
    const { feed, naturalKey } = step.retract;
    const retracted = await tables.retractRecord(feed, naturalKey, knownAt);
    if (retracted) {
      change(feed, retracted.schoolId, retracted.schoolYear);
      cover(feed, retracted.schoolId, true);
    }
  }
  const schoolYears = await tables.schoolYearStates([...changed.values()]);
  await tables.write(METRICS_TABLES, planMetricChanges(schoolYears, knownAt, indicators));
  const coverage = await tables.coverageStates([...covered.values()]);
  await tables.write(COVERAGE_TABLES, planCoverage(coverage, stored, knownAt));
}
