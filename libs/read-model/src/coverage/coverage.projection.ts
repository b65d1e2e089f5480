import { FeedKind, FeedRecord } from '@turnaround/domain';
import { Migration, SqlExecutor } from '@turnaround/postgres';
import { CoverageState } from './coverage.planner';

/**
 * SQL: the last day the period of feed record `f` (a `feed_records` row) reaches, as domain's
 * `periodEndOf` finds it. Attendance reaches its periodEnd, a staffing report its asOf date;
 * the state test (spring or annual window; the interims are not it) and an indicator cover
 * their school year, to June 30. Only COVERAGE_MIGRATION's back-fill uses it: a migration
 * keeps the SQL it ran with, and the live updates plan in TypeScript (coverage.planner.ts).
 */
function feedPeriodEnd(f: string): string {
  return `CASE ${f}.feed
    WHEN 'attendance' THEN (${f}.data->>'periodEnd')::date
    WHEN 'staffing' THEN (${f}.data->>'asOf')::date
    WHEN 'assessment' THEN CASE WHEN ${f}.data->>'window' IN ('spring', 'annual') THEN make_date(left(${f}.school_year, 4)::int + 1, 6, 30) END
    ELSE make_date(left(${f}.school_year, 4)::int + 1, 6, 30) END`;
}

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
 * The touched school feeds' coverage as stored, in the order of `touched`: two reads however
 * many feeds (their `feed_coverage` rows; the current records, in natural-key order, of those
 * that went back, read only if any did). The last period is read as YYYY-MM-DD text, the form
 * the planner compares, whatever the session's DateStyle.
 */
export async function coverageStates(tx: SqlExecutor, touched: readonly CoverageTouch[]): Promise<CoverageState[]> {
  if (touched.length === 0) return [];
  const keyOf = (schoolId: string, feed: string) => `${schoolId}|${feed}`;
  const rows = await tx.query<{ school_id: string; feed: string; last_period_end: string | null }>(
    `SELECT school_id, feed, to_char(last_period_end, 'YYYY-MM-DD') AS last_period_end FROM feed_coverage
     WHERE (school_id, feed) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
    [touched.map((t) => t.schoolId), touched.map((t) => t.feed)],
  );
  const wentBack = touched.filter((t) => t.wentBack);
  const groups =
    wentBack.length === 0
      ? []
      : await tx.query<{ n: number; records: FeedRecord[] }>(
          `SELECT k.n, json_agg(f.data ORDER BY f.natural_key COLLATE "C") AS records
           FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS k(school_id, feed, n)
           JOIN feed_records f ON f.school_id = k.school_id AND f.feed = k.feed
           WHERE NOT f.retracted
           GROUP BY k.n`,
          [wentBack.map((t) => t.schoolId), wentBack.map((t) => t.feed)],
        );
  const stored = new Map(rows.map((row) => [keyOf(row.school_id, row.feed), row.last_period_end]));
  const current = new Map(
    groups.map(({ n, records }) => {
      const { schoolId, feed } = wentBack[Number(n) - 1];
      return [keyOf(schoolId, feed), records];
    }),
  );
  return touched.map(({ schoolId, feed, wentBack }) => {
    const key = keyOf(schoolId, feed);
    const state = { schoolId, feed, wentBack, before: stored.get(key) ?? null };
    return wentBack ? { ...state, current: current.get(key) ?? [] } : state;
  });
}
