import { addSchoolYears, ClusterMembership, MetricValue, NotFoundError, rollUp, SchoolValue, SchoolYear, schoolYearOfDate } from '@turnaround/domain';
import { SqlExecutor } from '@turnaround/postgres';

/** One metric value of a school or a roll-up, as the API and the scorecards read it. */
export interface MetricReading extends MetricValue {
  schoolYear: SchoolYear;
  /** How many schools the value sums (1 for a school). */
  schools: number;
  /** When the service learned the latest fact behind it. */
  knownAt: string;
}

/** A `school_metrics` row: the value's own columns carry the names of MetricValue's fields. */
type SchoolMetricRow = MetricValue & { school_id: string; school_year: string; known_at: Date | string };

/** A member school's value in an aggregate, with the cluster it counts in that school year ('' for none: the state holds such schools too). */
export interface MemberValue extends MetricValue {
  schoolId: string;
  schoolYear: SchoolYear;
  clusterId: string;
  knownAt: string;
}

/**
 * A school's value of a metric as complementary suppression weighs it: in its group, the
 * cluster it is a member of that school year, or '' for the schools in no cluster.
 */
export interface GroupedValue {
  schoolId: string;
  schoolYear: SchoolYear;
  metric: string;
  groupId: string;
  numerator: number;
  denominator: number;
}

/**
 * A school's value restated after it was final: the final value, since when it stood, and what
 * replaced it (null where a retraction removed it).
 */
export interface Restatement {
  schoolId: string;
  schoolYear: SchoolYear;
  metric: string;
  finalSince: string;
  restatedAt: string;
  before: Pick<MetricValue, 'numerator' | 'denominator'>;
  after: Pick<MetricValue, 'numerator' | 'denominator'> | null;
}

const COLUMNS = 'sm.school_id, sm.school_year, sm.metric, sm.numerator, sm.denominator, sm.suppressed, sm.partial, sm.final, sm.through, sm.known_at';

/**
 * The school metrics now (`school_metrics`), or as known at the time in parameter `$n`: each
 * value's latest change until then in `school_metric_history`, unless that change removed it.
 */
function schoolMetrics(asOf: Date | undefined, n: number): string {
  if (!asOf) return 'school_metrics';
  return `(SELECT * FROM (SELECT DISTINCT ON (school_id, school_year, metric) * FROM school_metric_history WHERE known_at <= $${n}
           ORDER BY school_id, school_year, metric, known_at DESC) latest WHERE NOT removed)`;
}

/** Cluster memberships now, or as known at the time in parameter `$n` (an end not yet known is no end). */
function memberships(asOf: Date | undefined, n: number): string {
  if (!asOf) return 'registry_memberships';
  return `(SELECT school_id, cluster_id, from_year, CASE WHEN left_recorded_at <= $${n} THEN until_year END AS until_year
           FROM registry_memberships WHERE recorded_at <= $${n})`;
}

/**
 * Reads of the metrics read model. Roll-ups (cluster, partner, zone, state) sum numerators and
 * denominators of the member schools with the domain's `rollUp`; a cluster's members are
 * those of each school year, so a school that joins in year 2 counts from year 2 on.
 *
 * The registry tables are read here too: they live in the same read-model database.
 */
export class MetricQueries {
  constructor(private readonly sql: SqlExecutor) {}

  async school(schoolId: string, year?: SchoolYear, asOf?: Date): Promise<MetricReading[]> {
    const rows = await this.sql.query<SchoolMetricRow>(
      `SELECT ${COLUMNS} FROM ${schoolMetrics(asOf, 3)} sm WHERE sm.school_id = $1 AND ($2::text IS NULL OR sm.school_year = $2) ORDER BY sm.school_year, sm.metric`,
      [schoolId, year ?? null, ...(asOf ? [asOf.toISOString()] : [])],
    );
    if (rows.length === 0) {
      const [known] = await this.sql.query(
        'SELECT 1 FROM registry_schools WHERE school_id = $1 UNION ALL SELECT 1 FROM feed_records WHERE school_id = $1 LIMIT 1',
        [schoolId],
      );
      if (!known) throw new NotFoundError('school', schoolId);
    }
    return rows.map((row) => ({ ...toValue(row), schoolYear: row.school_year, schools: 1, knownAt: isoOf(row.known_at) }));
  }

  /**
   * Every change of the schools' values known by `asOf` that replaced or removed a final value
   * (`school_metric_history` keeps each change with its knowledge time), oldest first.
   */
  async restatements(schoolIds: readonly string[], asOf?: Date): Promise<Restatement[]> {
    const rows = await this.sql.query<{
      school_id: string;
      school_year: string;
      metric: string;
      final_since: Date | string;
      restated_at: Date | string;
      was_numerator: number | null;
      was_denominator: number | null;
      numerator: number | null;
      denominator: number | null;
      removed: boolean;
    }>(
      `SELECT school_id, school_year, metric, final_since, known_at AS restated_at, was_numerator, was_denominator, numerator, denominator, removed FROM (
         SELECT h.*, lag(final) OVER w AS was_final, lag(removed) OVER w AS was_removed, lag(known_at) OVER w AS final_since,
                lag(numerator) OVER w AS was_numerator, lag(denominator) OVER w AS was_denominator
         FROM school_metric_history h WHERE school_id = ANY($1) AND ($2::timestamptz IS NULL OR known_at <= $2)
         WINDOW w AS (PARTITION BY school_id, school_year, metric ORDER BY known_at)) changes
       WHERE was_final AND NOT was_removed
         AND (removed OR numerator IS DISTINCT FROM was_numerator OR denominator IS DISTINCT FROM was_denominator)
       ORDER BY known_at, school_id, metric, school_year`,
      [schoolIds, asOf?.toISOString() ?? null],
    );
    return rows.map((row) => ({
      schoolId: row.school_id,
      schoolYear: row.school_year,
      metric: row.metric,
      finalSince: isoOf(row.final_since),
      restatedAt: isoOf(row.restated_at),
      before: { numerator: row.was_numerator, denominator: row.was_denominator },
      after: row.removed ? null : { numerator: row.numerator, denominator: row.denominator },
    }));
  }

  async cluster(clusterId: string, year?: SchoolYear, asOf?: Date): Promise<MetricReading[]> {
    return rollUpMembers(await this.clusterMembers(clusterId, year, asOf));
  }

  /** The member schools' values a cluster's roll-up sums. */
  async clusterMembers(clusterId: string, year?: SchoolYear, asOf?: Date): Promise<MemberValue[]> {
    await this.exists('registry_clusters', 'cluster_id', 'cluster', clusterId);
    return this.membersOf([{ clusterId }], year, asOf);
  }

  /**
   * A partner's roll-up (docs/domain.md#statuses): the schools of its clusters during each of its
   * contracts' terms only, so two partners that held one cluster in turn each count their own
   * years. A terminated contract's term ends with the school year it was terminated in.
   */
  async partner(partnerId: string, year?: SchoolYear, asOf?: Date): Promise<MetricReading[]> {
    return rollUpMembers(await this.partnerMembers(partnerId, year, asOf));
  }

  /** The member schools' values a partner's roll-up sums. */
  async partnerMembers(partnerId: string, year?: SchoolYear, asOf?: Date): Promise<MemberValue[]> {
    await this.exists('registry_partners', 'partner_id', 'partner', partnerId);
    const at = (asOf ?? new Date()).toISOString();
    const contracts = await this.sql.query<{ cluster_id: string; start_year: string; term_years: number; terminated_at: Date | string | null }>(
      `SELECT cluster_id, start_year, term_years, CASE WHEN terminated_at <= $2 THEN terminated_at END AS terminated_at
       FROM registry_contracts WHERE partner_id = $1 AND recorded_at <= $2`,
      [partnerId, at],
    );
    return this.membersOf(
      contracts.map((contract) => {
        const end = addSchoolYears(contract.start_year, contract.term_years);
        const terminated =
          contract.terminated_at === null ? undefined : addSchoolYears(schoolYearOfDate(new Date(contract.terminated_at).toISOString().slice(0, 10)), 1);
        return { clusterId: contract.cluster_id, from: contract.start_year, until: terminated !== undefined && terminated < end ? terminated : end };
      }),
      year,
      asOf,
    );
  }

  async zone(zoneId: string, year?: SchoolYear, asOf?: Date): Promise<MetricReading[]> {
    return rollUpMembers(await this.zoneMembers(zoneId, year, asOf));
  }

  /** The member schools' values a zone's roll-up sums. */
  async zoneMembers(zoneId: string, year?: SchoolYear, asOf?: Date): Promise<MemberValue[]> {
    await this.exists('registry_zones', 'zone_id', 'zone', zoneId);
    const clusters = await this.sql.query<{ cluster_id: string }>('SELECT cluster_id FROM registry_clusters WHERE zone_id = $1', [zoneId]);
    return this.membersOf(
      clusters.map((row) => ({ clusterId: row.cluster_id })),
      year,
      asOf,
    );
  }

  /**
   * The member schools' values the state's roll-up sums: every school that reported, in a cluster
   * or not (as `published_state_metrics` sums them), each with its cluster of that school year, or
   * '' for none, the group complementary suppression weighs it in. Of the `metrics` named only,
   * where named: a page charting a few metrics need not weigh every one of the state's.
   */
  async stateMembers(year?: SchoolYear, asOf?: Date, metrics?: readonly string[]): Promise<MemberValue[]> {
    // DISTINCT ON: a school counts once even where two memberships overlap a school year.
    const rows = await this.sql.query<SchoolMetricRow & { cluster_id: string }>(
      `SELECT DISTINCT ON (sm.school_id, sm.school_year, sm.metric) ${COLUMNS}, coalesce(m.cluster_id, '') AS cluster_id FROM ${schoolMetrics(asOf, 3)} sm
       LEFT JOIN ${memberships(asOf, 3)} m ON m.school_id = sm.school_id AND m.from_year <= sm.school_year AND (m.until_year IS NULL OR sm.school_year < m.until_year)
       WHERE ($1::text IS NULL OR sm.school_year = $1) AND ($2::text[] IS NULL OR sm.metric = ANY($2::text[]))
       ORDER BY sm.school_id, sm.school_year, sm.metric, m.cluster_id`,
      [year ?? null, metrics ?? null, ...(asOf ? [asOf.toISOString()] : [])],
    );
    return rows.map((row) => ({
      ...toValue(row),
      schoolId: row.school_id,
      schoolYear: row.school_year,
      clusterId: row.cluster_id,
      knownAt: isoOf(row.known_at),
    }));
  }

  /**
   * The values of the never-treated comparison schools, as the research panel flags them: schools
   * with no cluster membership and in no contract recorded by `asOf` (or now).
   */
  async comparisonValues(asOf?: Date, metrics?: readonly string[]): Promise<SchoolValue[]> {
    const rows = await this.sql.query<{ school_id: string; school_year: string; metric: string; numerator: number | null; denominator: number | null }>(
      `SELECT sm.school_id, sm.school_year, sm.metric, sm.numerator, sm.denominator FROM ${schoolMetrics(asOf, 2)} sm
       WHERE ($1::text[] IS NULL OR sm.metric = ANY($1::text[]))
         AND NOT EXISTS (SELECT 1 FROM registry_memberships m WHERE m.school_id = sm.school_id ${asOf ? 'AND m.recorded_at <= $2' : ''})
         AND NOT EXISTS (SELECT 1 FROM registry_contracts k WHERE sm.school_id = ANY(k.school_ids) ${asOf ? 'AND k.recorded_at <= $2' : ''})`,
      [metrics ?? null, ...(asOf ? [asOf.toISOString()] : [])],
    );
    return rows.map((row) => ({
      schoolId: row.school_id,
      schoolYear: row.school_year,
      metric: row.metric,
      numerator: row.numerator,
      denominator: row.denominator,
    }));
  }

  /** The metric over every school of the state that reported it, as the read model holds it: the goal of `stateAverage` targets, which the scorecards' projection judges as each change is learned. */
  async state(year: SchoolYear, metric: string): Promise<MetricValue | undefined> {
    const rows = await this.sql.query<SchoolMetricRow>(`SELECT ${COLUMNS} FROM school_metrics sm WHERE sm.school_year = $1 AND sm.metric = $2`, [year, metric]);
    return rollUp(metric, rows.map(toValue));
  }

  /** Every metric value of the given schools, keyed `schoolId|year|metric`. */
  async valuesOf(schoolIds: readonly string[]): Promise<Map<string, MetricValue>> {
    const rows = await this.sql.query<SchoolMetricRow>(`SELECT ${COLUMNS} FROM school_metrics sm WHERE sm.school_id = ANY($1::text[])`, [schoolIds]);
    return new Map(rows.map((row) => [`${row.school_id}|${row.school_year}|${row.metric}`, toValue(row)]));
  }

  async memberships(schoolIds: readonly string[]): Promise<Record<string, ClusterMembership[]>> {
    const rows = await this.sql.query<{
      school_id: string;
      cluster_id: string;
      from_year: string;
      until_year: string | null;
      strategy: ClusterMembership['strategy'];
    }>(
      'SELECT school_id, cluster_id, from_year, until_year, strategy FROM registry_memberships WHERE school_id = ANY($1::text[]) ORDER BY from_year, cluster_id COLLATE "C"',
      [schoolIds],
    );
    const bySchool: Record<string, ClusterMembership[]> = {};
    for (const row of rows)
      (bySchool[row.school_id] ??= []).push({
        clusterId: row.cluster_id,
        fromYear: row.from_year,
        strategy: row.strategy,
        ...(row.until_year ? { untilYear: row.until_year } : {}),
      });
    return bySchool;
  }

  /**
   * The groups of complementary suppression a school is in, one a school year it has a value
   * in: its cluster that year, or '' (the schools in no cluster that year, one group).
   */
  async groupsOfSchool(schoolId: string, asOf?: Date): Promise<{ schoolYear: SchoolYear; groupId: string }[]> {
    const rows = await this.sql.query<{ school_year: string; group_id: string }>(
      `SELECT DISTINCT sm.school_year, coalesce(m.cluster_id, '') AS group_id FROM ${schoolMetrics(asOf, 2)} sm
       LEFT JOIN ${memberships(asOf, 2)} m ON m.school_id = sm.school_id AND m.from_year <= sm.school_year AND (m.until_year IS NULL OR sm.school_year < m.until_year)
       WHERE sm.school_id = $1`,
      [schoolId, ...(asOf ? [asOf.toISOString()] : [])],
    );
    return rows.map((row) => ({ schoolYear: row.school_year, groupId: row.group_id }));
  }

  /** Every value with numbers of the given metrics in the given groups (a cluster in a school year, or '' for the schools in none). */
  async groupedValues(groups: readonly { schoolYear: SchoolYear; groupId: string }[], metrics: readonly string[], asOf?: Date): Promise<GroupedValue[]> {
    if (groups.length === 0 || metrics.length === 0) return [];
    const rows = await this.sql.query<{ school_id: string; school_year: string; metric: string; group_id: string; numerator: number; denominator: number }>(
      `SELECT v.* FROM (
         SELECT sm.school_id, sm.school_year, sm.metric, coalesce(m.cluster_id, '') AS group_id, sm.numerator, sm.denominator FROM ${schoolMetrics(asOf, 4)} sm
         LEFT JOIN ${memberships(asOf, 4)} m ON m.school_id = sm.school_id AND m.from_year <= sm.school_year AND (m.until_year IS NULL OR sm.school_year < m.until_year)
         WHERE sm.metric = ANY($3::text[]) AND sm.school_year = ANY($1::text[]) AND sm.numerator IS NOT NULL AND sm.denominator IS NOT NULL) v
       JOIN (SELECT DISTINCT * FROM unnest($1::text[], $2::text[]) AS g(school_year, group_id)) g ON g.school_year = v.school_year AND g.group_id = v.group_id`,
      [groups.map((group) => group.schoolYear), groups.map((group) => group.groupId), metrics, ...(asOf ? [asOf.toISOString()] : [])],
    );
    return rows.map((row) => ({
      schoolId: row.school_id,
      schoolYear: row.school_year,
      metric: row.metric,
      groupId: row.group_id,
      numerator: row.numerator,
      denominator: row.denominator,
    }));
  }

  /**
   * Who sees each school's numbers raw besides the state office and researchers (`insiderName`):
   * its district, and every partner whose contract names it (as the access rules decide), as
   * known at `asOf`.
   */
  async insidersOf(schoolIds: readonly string[], asOf?: Date): Promise<Map<string, string[]>> {
    const rows = await this.sql.query<{ school_id: string; insider: string }>(
      `SELECT school_id, 'district:' || district_id AS insider FROM registry_schools WHERE school_id = ANY($1::text[])
       UNION SELECT s.school_id, 'partner:' || k.partner_id FROM registry_contracts k CROSS JOIN unnest(k.school_ids) AS s(school_id)
       WHERE s.school_id = ANY($1::text[]) AND k.recorded_at <= $2`,
      [schoolIds, (asOf ?? new Date()).toISOString()],
    );
    const bySchool = new Map<string, string[]>();
    for (const row of rows) bySchool.set(row.school_id, [...(bySchool.get(row.school_id) ?? []), row.insider]);
    return bySchool;
  }

  /** The member schools of the clusters, each within its window of school years (`from` up to, not including, `until`). */
  private async membersOf(
    windows: readonly { clusterId: string; from?: SchoolYear; until?: SchoolYear }[],
    year?: SchoolYear,
    asOf?: Date,
  ): Promise<MemberValue[]> {
    // DISTINCT: a school counts once even if it moved between two of the clusters within the years asked.
    // School years are written YYYY-YY, so they compare in order as text.
    const rows = await this.sql.query<SchoolMetricRow & { cluster_id: string }>(
      `SELECT DISTINCT ${COLUMNS}, m.cluster_id FROM unnest($1::text[], $2::text[], $3::text[]) AS w(cluster_id, from_year, until_year)
       JOIN ${memberships(asOf, 5)} m ON m.cluster_id = w.cluster_id
       JOIN ${schoolMetrics(asOf, 5)} sm ON sm.school_id = m.school_id AND sm.school_year >= m.from_year AND (m.until_year IS NULL OR sm.school_year < m.until_year)
         AND sm.school_year >= w.from_year AND (w.until_year IS NULL OR sm.school_year < w.until_year)
       WHERE ($4::text IS NULL OR sm.school_year = $4)`,
      [
        windows.map((w) => w.clusterId),
        windows.map((w) => w.from ?? ''),
        windows.map((w) => w.until ?? null),
        year ?? null,
        ...(asOf ? [asOf.toISOString()] : []),
      ],
    );
    return rows.map((row) => ({
      ...toValue(row),
      schoolId: row.school_id,
      schoolYear: row.school_year,
      clusterId: row.cluster_id,
      knownAt: isoOf(row.known_at),
    }));
  }

  private async exists(table: string, column: string, entity: string, id: string): Promise<void> {
    const [row] = await this.sql.query(`SELECT 1 FROM ${table} WHERE ${column} = $1`, [id]);
    if (!row) throw new NotFoundError(entity, id);
  }
}

/** Sums the member schools' values of each school year and metric (`rollUp`). */
export function rollUpMembers(members: readonly MemberValue[]): MetricReading[] {
  const groups = new Map<string, MemberValue[]>();
  for (const member of members) {
    const key = `${member.schoolYear}|${member.metric}`;
    groups.set(key, [...(groups.get(key) ?? []), member]);
  }
  return [...groups.values()]
    .map((group) => ({
      ...(rollUp(group[0].metric, group.map(toValue)) as MetricValue),
      schoolYear: group[0].schoolYear,
      schools: group.length,
      knownAt: group
        .map((member) => member.knownAt)
        .sort()
        .at(-1) as string,
    }))
    .sort((a, b) => (a.schoolYear + a.metric < b.schoolYear + b.metric ? -1 : 1));
}

function toValue(row: MetricValue): MetricValue {
  return {
    metric: row.metric,
    numerator: row.numerator,
    denominator: row.denominator,
    suppressed: row.suppressed,
    partial: row.partial,
    final: row.final,
    through: row.through,
  };
}

function isoOf(value: Date | string): string {
  return new Date(value).toISOString();
}
