import { FEED_KINDS, FeedCadences, FeedCoverage, feedCoverage, FeedKind, Owner, schoolYearOfDate } from '@turnaround/domain';
import { SqlExecutor } from '@turnaround/postgres';
import { ownedBy, ownerParam } from '../ownership';

/**
 * SQL: the last day the period of feed record `f` (a `feed_records` row) reaches. Attendance
 * reaches its periodEnd, a staffing report its asOf date; the state test (spring or annual
 * window; the interims are not it) and an indicator cover their school year, to June 30.
 */
export function feedPeriodEnd(f: string): string {
  return `CASE ${f}.feed
    WHEN 'attendance' THEN (${f}.data->>'periodEnd')::date
    WHEN 'staffing' THEN (${f}.data->>'asOf')::date
    WHEN 'assessment' THEN CASE WHEN ${f}.data->>'window' IN ('spring', 'annual') THEN make_date(left(${f}.school_year, 4)::int + 1, 6, 30) END
    ELSE make_date(left(${f}.school_year, 4)::int + 1, 6, 30) END`;
}

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
 * Data coverage (DESIGN.md section 7) over the read model: each registered school's latest
 * period of each watched feed from `feed_records`, judged by the domain's `feedCoverage`. As of
 * a past time it counts the records whose current version was known then: a record restated
 * or retracted since counts from that later change.
 */
export class CoverageQueries {
  constructor(private readonly sql: SqlExecutor) {}

  async list(cadences: FeedCadences, filter: CoverageFilter, now: Date): Promise<SchoolFeedCoverage[]> {
    const at = filter.asOf ?? now;
    const today = at.toISOString().slice(0, 10);
    const feeds = FEED_KINDS.filter((feed) => cadences[feed] !== undefined);
    const rows = await this.sql.query<{ school_id: string; name: string; district_id: string; registered: string; feed: FeedKind | null; last_period_end: string | null }>(
      `WITH schools AS (
         SELECT r.school_id, r.name, r.district_id, to_char(r.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS registered
         FROM registry_schools r
         WHERE r.recorded_at <= $1 AND ($2::text IS NULL OR r.district_id = $2) AND ${ownedBy('school', 'r', filter.owner, '$6')}
           AND ($3::text IS NULL OR EXISTS (
             SELECT 1 FROM registry_memberships m JOIN registry_clusters c ON c.cluster_id = m.cluster_id
             WHERE m.school_id = r.school_id AND c.zone_id = $3 AND c.recorded_at <= $1 AND m.recorded_at <= $1 AND m.from_year <= $4
               AND (m.until_year IS NULL OR m.left_recorded_at > $1 OR $4 < m.until_year))))
       SELECT s.school_id, s.name, s.district_id, s.registered, f.feed, to_char(max(${feedPeriodEnd('f')}), 'YYYY-MM-DD') AS last_period_end
       FROM schools s
       LEFT JOIN feed_records f ON f.school_id = s.school_id AND f.feed = ANY($5::text[]) AND NOT f.retracted AND f.recorded_at <= $1
       GROUP BY s.school_id, s.name, s.district_id, s.registered, f.feed
       ORDER BY s.school_id`,
      [at.toISOString(), filter.districtId ?? null, filter.zoneId ?? null, schoolYearOfDate(today), feeds, ownerParam(filter.owner)],
    );
    const schools = new Map<string, { schoolId: string; name: string; districtId: string; registered: string; last: Map<FeedKind, string> }>();
    for (const row of rows) {
      let school = schools.get(row.school_id);
      if (!school) schools.set(row.school_id, (school = { schoolId: row.school_id, name: row.name, districtId: row.district_id, registered: row.registered, last: new Map() }));
      if (row.feed && row.last_period_end) school.last.set(row.feed, row.last_period_end);
    }
    return [...schools.values()].flatMap(({ last, registered, ...school }) =>
      feeds.map((feed) => ({
        ...school,
        ...feedCoverage(cadences[feed] as NonNullable<FeedCadences[FeedKind]>, { feed, lastPeriodEnd: last.get(feed), expectedFrom: registered }, today),
      })),
    );
  }
}
