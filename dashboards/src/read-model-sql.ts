/**
 * SQL fragments the dashboards share, over the read model's tables (libs/read-model,
 * services/registry, services/alerts), the views that publish its metrics
 * (`published_*_metrics`, libs/read-model/src/metrics/published-metrics.views.ts) and the
 * service's settings (`service_settings`, which the service writes from its configuration at
 * every start). Statuses are never computed here: they come from `scorecard_lines`, which the
 * alerting service writes from the domain's evaluation. Nor is small-number suppression: the
 * views withhold what the public may not see, with the service's N_MIN, and the dashboards
 * never read the raw metrics.
 */

/**
 * The custom all value of every include-All variable. Grafana writes a custom all value into
 * the SQL as it is (a picked value it quotes itself), so this is a SQL literal; `pickedIn` and
 * `pickedAmong` read it as "no filter". Without it, All would stand for the options the
 * variable's query offered, and rows outside them (or an empty list: `IN ()`) would break it.
 */
export const ALL_VALUE = `'__all__'`;

/**
 * A rate as a dashboard shows it, from a published view's numbers: empty (shown "suppressed")
 * where the view withheld them (a small number, or one that would give a small number away),
 * or the source suppressed them.
 */
export function shownRate(numerator: string, denominator: string): string {
  return `CASE WHEN ${numerator} IS NULL OR ${denominator} IS NULL OR ${denominator} = 0 THEN NULL
    ELSE round((${numerator} / ${denominator})::numeric, 4)::float8 END`;
}

/**
 * A value as a table shows it, from a row `v` of a published view: its number where it is
 * shown; NaN, shown "suppressed", where the view withheld it (`withheld`: a small number, or one
 * that would give a small number away) or its source suppressed it (`suppressed`, which the
 * school views carry: pass `hasSuppressed`); and empty, shown "no data", where nothing was
 * reported (no row of the view, as a LEFT JOIN leaves it) or nothing counted (a denominator of 0).
 */
export function shownValue(v: string, hasSuppressed: boolean): string {
  const notShown = hasSuppressed ? `${v}.withheld OR ${v}.suppressed` : `${v}.withheld`;
  return `CASE WHEN ${notShown} THEN 'NaN'::float8 ELSE ${shownRate(`${v}.numerator`, `${v}.denominator`)} END`;
}

/** The membership `m` covers school year `year` (memberships run from from_year up to, not including, until_year). */
export function memberIn(m: string, year: string): string {
  return `${m}.from_year <= ${year} AND (${m}.until_year IS NULL OR ${year} < ${m}.until_year)`;
}

/** Of the scorecard lines `l` of a group, the status that says most: missed, then at risk, pending, on track, met. */
export const WORST_STATUS = `(array_agg(l.status ORDER BY array_position(ARRAY['missed', 'at_risk', 'pending', 'on_track', 'met'], l.status)) FILTER (WHERE l.status IS NOT NULL))[1]`;

/** The school year (`2024-25`) of contract year `contractYear` of a contract starting in `startYear`. */
export function schoolYearOfContractYear(startYear: string, contractYear: string): string {
  const first = `(left(${startYear}, 4)::int + ${contractYear} - 1)`;
  return `(${first} || '-' || lpad(((${first} + 1) % 100)::text, 2, '0'))`;
}

/**
 * `column` is one of the values picked in include-All variable `variable`, or All is picked.
 * Grafana writes a picked value of such a variable quoted ('D-1'), several joined ('D-1','D-2').
 */
export function pickedIn(variable: string, column: string): string {
  return `(${column} IN ($${variable}) OR ${ALL_VALUE} IN ($${variable}))`;
}

/** As `pickedIn`, for an array column: one of its elements is picked. */
export function pickedAmong(variable: string, arrayColumn: string): string {
  return `(${arrayColumn} && ARRAY[$${variable}]::text[] OR ${ALL_VALUE} IN ($${variable}))`;
}

/** The school year (`2024-25`) a date falls in: July 1 to June 30. */
function schoolYearOfDay(day: string): string {
  return `(to_char(${day} - interval '6 months', 'YYYY') || '-' || to_char(${day} + interval '6 months', 'YY'))`;
}

/**
 * Data coverage (docs/domain.md#statuses) of the schools in a cluster of zone `zone` (a SQL
 * expression) in the school year of the day of `at` (a timestamptz expression): one row per
 * school and watched feed whose next report is late that day. The last period received is the
 * read side's as known at `at` (`feed_coverage_history`, as the API reads it with `asOf`); the rule that judges it is the domain's `feedCoverage` (libs/domain/src/coverage),
 * written in SQL for Grafana: the first month of the feed's cadence after the month of the
 * last period received (from the month the school was registered, when none arrived), due at
 * the end of that month plus the grace days. The cadences are the service's (`feed_cadence`).
 * The dashboards test compares the rows with GET /api/v1/feeds/coverage.
 */
export function overdueFeeds(zone: string, at: string): string {
  const from = `CASE WHEN r.last_period_end IS NULL THEN date_trunc('month', z.expected_from::timestamp)
      ELSE date_trunc('month', r.last_period_end::timestamp) + interval '1 month' END`;
  return `WITH day AS (SELECT ${at} AS at, (${at} AT TIME ZONE 'UTC')::date AS today),
cadence AS (
  SELECT c.key AS feed, ARRAY(SELECT jsonb_array_elements_text(c.value->'months')::int) AS months, (c.value->>'graceDays')::int AS grace_days
  FROM service_settings s CROSS JOIN LATERAL jsonb_each(s.value::jsonb) AS c
  WHERE s.name = 'feed_cadence'),
zone_schools AS (
  SELECT DISTINCT ON (r.school_id) r.school_id, r.name, r.district_id, c.name AS cluster, (r.recorded_at AT TIME ZONE 'UTC')::date AS expected_from
  FROM registry_memberships m
  JOIN registry_clusters c ON c.cluster_id = m.cluster_id
  JOIN registry_schools r ON r.school_id = m.school_id
  CROSS JOIN day
  WHERE c.zone_id = ${zone} AND ${memberIn('m', schoolYearOfDay('day.today'))}
  ORDER BY r.school_id, c.name),
received AS (
  SELECT DISTINCT ON (f.school_id, f.feed) f.school_id, f.feed, f.last_period_end
  FROM feed_coverage_history f CROSS JOIN day
  WHERE f.school_id IN (SELECT school_id FROM zone_schools) AND f.known_at <= day.at
  ORDER BY f.school_id, f.feed, f.known_at DESC),
next AS (
  SELECT z.school_id, z.name, z.district_id, z.cluster, k.feed, r.last_period_end, k.grace_days,
    (SELECT min(g.m) FROM generate_series(${from}, ${from} + interval '11 months', interval '1 month') AS g(m)
     WHERE extract(month FROM g.m)::int = ANY(k.months))::date AS next_month
  FROM zone_schools z
  CROSS JOIN cadence k
  LEFT JOIN received r ON r.school_id = z.school_id AND r.feed = k.feed),
due AS (
  SELECT n.*, (n.next_month + interval '1 month' - interval '1 day')::date + n.grace_days AS due_by FROM next n)
SELECT d.school_id AS "School", d.name AS "Name", d.district_id AS "District", d.cluster AS "Cluster", d.feed AS "Feed",
  coalesce(to_char(d.last_period_end, 'YYYY-MM-DD'), 'none') AS "Last period", to_char(d.next_month, 'YYYY-MM') AS "Next period",
  to_char(d.due_by, 'YYYY-MM-DD') AS "Due by", day.today - d.due_by AS "Days overdue"
FROM due d CROSS JOIN day
WHERE day.today > d.due_by
ORDER BY "Days overdue" DESC, d.school_id, d.feed`;
}
