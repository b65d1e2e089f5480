import { FeedKind } from '@turnaround/domain';
import { Migration, SqlExecutor } from '@turnaround/postgres';

/**
 * SQL: the last day the period of feed record `f` (a `feed_records` row) reaches. Attendance
 * reaches its periodEnd, a staffing report its asOf date; the state test (spring or annual
 * window; the interims are not it) and an indicator cover their school year, to June 30.
 */
function feedPeriodEnd(f: string): string {
  return `CASE ${f}.feed
    WHEN 'attendance' THEN (${f}.data->>'periodEnd')::date
    WHEN 'staffing' THEN (${f}.data->>'asOf')::date
    WHEN 'assessment' THEN CASE WHEN ${f}.data->>'window' IN ('spring', 'annual') THEN make_date(left(${f}.school_year, 4)::int + 1, 6, 30) END
    ELSE make_date(left(${f}.school_year, 4)::int + 1, 6, 30) END`;
}

/** The coverage tables, kept by the metrics part of the read side in the transaction that stores the records. */
export const COVERAGE_TABLES = ['feed_coverage', 'feed_coverage_history'] as const;

/**
 * Data coverage's facts (docs/domain.md#statuses) as a read model: for every school and feed, the
 * last day a received record's period reaches, now (`feed_coverage`) and at each knowledge time
 * it changed (`feed_coverage_history`, for `asOf`). A coverage read then looks at a row per
 * school and feed, never at the records. NULL after every record of the feed was retracted.
 *
 * A store made before these tables gets them from its current records, each record counted from
 * the knowledge time of its current version (what the read answered as of a past time until
 * then); from here on every change is kept as it happens.
 */
export const COVERAGE_MIGRATION: Migration = {
  id: '0006-feed-coverage',
  sql: `
    CREATE TABLE feed_coverage (
      school_id text NOT NULL, feed text NOT NULL, last_period_end date, known_at timestamptz NOT NULL,
      PRIMARY KEY (school_id, feed));
    CREATE TABLE feed_coverage_history (
      school_id text NOT NULL, feed text NOT NULL, last_period_end date, known_at timestamptz NOT NULL,
      PRIMARY KEY (school_id, feed, known_at));
    INSERT INTO feed_coverage_history (school_id, feed, last_period_end, known_at)
      SELECT school_id, feed, reached, known_at FROM (
        SELECT school_id, feed, known_at, reached, lag(reached) OVER (PARTITION BY school_id, feed ORDER BY known_at) AS before
        FROM (
          SELECT school_id, feed, known_at, max(period_end) OVER (PARTITION BY school_id, feed ORDER BY known_at) AS reached
          FROM (
            SELECT f.school_id, f.feed, f.recorded_at AS known_at, max(${feedPeriodEnd('f')}) AS period_end
            FROM feed_records f WHERE NOT f.retracted
            GROUP BY f.school_id, f.feed, f.recorded_at) AS known) AS running) AS changes
      WHERE reached IS NOT NULL AND reached IS DISTINCT FROM before;
    INSERT INTO feed_coverage (school_id, feed, last_period_end, known_at)
      SELECT DISTINCT ON (school_id, feed) school_id, feed, last_period_end, known_at
      FROM feed_coverage_history ORDER BY school_id, feed, known_at DESC;`,
};

/** A school's feed whose records changed at one knowledge time. */
export interface CoverageTouch {
  schoolId: string;
  feed: FeedKind;
  /**
   * A record of it was retracted or replaced by a restatement: its last period may have gone
   * back, so it is found again from all the feed's current records. Otherwise only records were
   * added, and the last period is the later of the stored one and theirs.
   */
  wentBack: boolean;
}

/**
 * Brings the coverage of the touched school feeds up to the records stored at `knownAt`
 * (`added`: the keys of the records stored then), in one statement however many. Only changed
 * values are written; a knowledge time applied in two pages keeps its later value.
 */
export async function updateCoverage(
  tx: SqlExecutor,
  touched: readonly CoverageTouch[],
  added: readonly { feed: FeedKind; key: string }[],
  knownAt: string,
): Promise<void> {
  if (touched.length === 0) return;
  await tx.query(
    `WITH touched AS (
       SELECT t.school_id, t.feed, t.went_back, c.last_period_end AS before, c.school_id IS NOT NULL AS stored
       FROM unnest($2::text[], $3::text[], $4::bool[]) AS t(school_id, feed, went_back)
       LEFT JOIN feed_coverage c ON c.school_id = t.school_id AND c.feed = t.feed),
     added AS (
       SELECT f.school_id, f.feed, max(${feedPeriodEnd('f')}) AS period_end
       FROM unnest($5::text[], $6::text[]) AS k(feed, natural_key)
       JOIN feed_records f ON f.feed = k.feed AND f.natural_key = k.natural_key
       WHERE NOT f.retracted
       GROUP BY f.school_id, f.feed),
     reached AS (
       SELECT t.school_id, t.feed, t.before, t.stored,
         CASE WHEN t.went_back THEN (
           SELECT max(${feedPeriodEnd('f')}) FROM feed_records f WHERE f.school_id = t.school_id AND f.feed = t.feed AND NOT f.retracted)
         ELSE greatest(t.before, a.period_end) END AS last_period_end
       FROM touched t LEFT JOIN added a ON a.school_id = t.school_id AND a.feed = t.feed),
     changed AS (
       SELECT school_id, feed, last_period_end FROM reached
       WHERE last_period_end IS DISTINCT FROM before AND (stored OR last_period_end IS NOT NULL)),
     current AS (
       INSERT INTO feed_coverage (school_id, feed, last_period_end, known_at)
       SELECT school_id, feed, last_period_end, $1 FROM changed
       ON CONFLICT (school_id, feed) DO UPDATE SET last_period_end = EXCLUDED.last_period_end, known_at = EXCLUDED.known_at)
     INSERT INTO feed_coverage_history (school_id, feed, last_period_end, known_at)
     SELECT school_id, feed, last_period_end, $1 FROM changed
     ON CONFLICT (school_id, feed, known_at) DO UPDATE SET last_period_end = EXCLUDED.last_period_end`,
    [
      knownAt,
      touched.map((t) => t.schoolId),
      touched.map((t) => t.feed),
      touched.map((t) => t.wentBack),
      added.map((a) => a.feed),
      added.map((a) => a.key),
    ],
  );
}
