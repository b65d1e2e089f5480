import { FEED_KINDS, FeedCadences, FeedCoverage, feedCoverage, FeedKind, Owner, schoolYearOfDate } from '@turnaround/domain';
import { SqlExecutor } from '@turnaround/postgres';
import { ownedBy, ownerParam } from '../ownership';

export interface CoverageFilter {
  /** The schools that are members of a cluster of this zone in the school year of the reference date. */
  zoneId?: string;
  districtId?: string;
  /** Knowledge time and reference date: the records known then, judged late or not on that day. Now when absent. */
  asOf?: Date;
  /** Only the schools of this district or partner, whatever else the filter names. */
  owner?: Owner;
}

/** One registered school's feed, as the coverage judges it. */
export interface SchoolFeedCoverage extends FeedCoverage {
  schoolId: string;
  name: string;
  districtId: string;
}

/**
 * Data coverage (docs/domain.md#statuses) over the read model: each registered school's last period
 * of each watched feed (`feed_coverage`, or as of a past time the latest change known then in
 * `feed_coverage_history`), judged by the domain's `feedCoverage`. A read looks at a row per
 * school and feed, never at the records.
 */
export class CoverageQueries {
  constructor(private readonly sql: SqlExecutor) {}

  async list(cadences: FeedCadences, filter: CoverageFilter, now: Date): Promise<SchoolFeedCoverage[]> {
    const at = filter.asOf ?? now;
    const today = at.toISOString().slice(0, 10);
    const feeds = FEED_KINDS.filter((feed) => cadences[feed] !== undefined);
    const received = filter.asOf
      ? `LEFT JOIN LATERAL (
           SELECT h.last_period_end FROM feed_coverage_history h
           WHERE h.school_id = s.school_id AND h.feed = k.feed AND h.known_at <= $1
           ORDER BY h.known_at DESC LIMIT 1) c ON true`
      : 'LEFT JOIN feed_coverage c ON c.school_id = s.school_id AND c.feed = k.feed';
    const rows = await this.sql.query<{
      school_id: string;
      name: string;
      district_id: string;
      registered: string;
      feed: FeedKind;
      last_period_end: string | null;
    }>(
      `WITH schools AS (
         SELECT r.school_id, r.name, r.district_id, to_char(r.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS registered
         FROM registry_schools r
         WHERE r.recorded_at <= $1 AND ($2::text IS NULL OR r.district_id = $2) AND ${ownedBy('school', 'r', filter.owner, '$6')}
           AND ($3::text IS NULL OR EXISTS (
             SELECT 1 FROM registry_memberships m JOIN registry_clusters c ON c.cluster_id = m.cluster_id
             WHERE m.school_id = r.school_id AND c.zone_id = $3 AND c.recorded_at <= $1 AND m.recorded_at <= $1 AND m.from_year <= $4
               AND (m.until_year IS NULL OR m.left_recorded_at > $1 OR $4 < m.until_year))))
       SELECT s.school_id, s.name, s.district_id, s.registered, k.feed, to_char(c.last_period_end, 'YYYY-MM-DD') AS last_period_end
       FROM schools s CROSS JOIN unnest($5::text[]) WITH ORDINALITY AS k(feed, n)
       ${received}
       ORDER BY s.school_id, k.n`,
      [at.toISOString(), filter.districtId ?? null, filter.zoneId ?? null, schoolYearOfDate(today), feeds, ownerParam(filter.owner)],
    );
    // A state's schools share a few last periods and registration days: each is judged once.
    const judged = new Map<string, FeedCoverage>();
    const judge = (feed: FeedKind, lastPeriodEnd: string | null, expectedFrom: string) => {
      const facts = `${feed} ${lastPeriodEnd} ${expectedFrom}`;
      let coverage = judged.get(facts);
      if (!coverage)
        judged.set(
          facts,
          (coverage = feedCoverage(
            cadences[feed] as NonNullable<FeedCadences[FeedKind]>,
            { feed, lastPeriodEnd: lastPeriodEnd ?? undefined, expectedFrom },
            today,
          )),
        );
      return coverage;
    };
    return rows.map((row) => ({
      schoolId: row.school_id,
      name: row.name,
      districtId: row.district_id,
      ...judge(row.feed, row.last_period_end, row.registered),
    }));
  }
}
