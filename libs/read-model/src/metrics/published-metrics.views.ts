import { SqlExecutor } from '@turnaround/postgres';

/**
 * What the dashboards' database role reads instead of the raw tables (docs/metrics.md and
 * 9): metrics with small numbers withheld and complementary suppression applied, as
 * `PublishedMetrics` shows them to the public (data coverage, which holds dates and no numbers,
 * they read as it is: `feed_coverage_history`). `nMin` and what each metric's smallness is judged by come from `service_settings`,
 * which the service writes from its configuration at every start; with no `n_min` there, every
 * number is withheld.
 *
 * The rule is the domain's `planSuppression`, written in SQL for Grafana; the read model's tests
 * compare every row with what `PublishedMetrics` answers, now and as of each knowledge time.
 * Views hold no rows, so the read model stays a function of the log: they are made again at every
 * start and after a rebuild puts new tables in place (a rebuild drops the old tables, and views
 * over them with them).
 */
export const PUBLISHED_VIEWS = ['published_school_metrics', 'published_school_metric_history', 'published_cluster_metrics', 'published_state_metrics'] as const;

/** Views of earlier releases, dropped where they linger (`feed_periods`: the dashboards read `feed_coverage_history` now). */
const RETIRED_VIEWS = ['feed_periods'];

/** The tables the views read: where one is missing (a read model not migrated yet), none is made. */
const SOURCES = ['school_metrics', 'school_metric_history', 'registry_memberships', 'registry_schools', 'registry_contracts', 'service_settings'];

/** `m` is a membership of school year `year` (from from_year up to, not including, until_year). */
const memberIn = (m: string, year: string) => `${m}.from_year <= ${year} AND (${m}.until_year IS NULL OR ${year} < ${m}.until_year)`;

/** Whether a value covering `covered` is small, given the metric's `basis`; every number is small without an n_min (fail closed). */
const small = (basis: string, numerator: string, denominator: string) =>
  `(${numerator} IS NOT NULL AND ${denominator} IS NOT NULL AND ${basis} <> 'none'
    AND coalesce(CASE ${basis} WHEN 'numerator' THEN ${numerator} ELSE ${denominator} END < settings.n_min, true))`;

/** The basis of `metric` (`smallNumberBasis`): listed in the settings when it is not the denominator. */
const basisOf = (metric: string) => `coalesce(settings.bases->>${metric}, 'denominator')`;

const SETTINGS = `settings AS (
  SELECT (SELECT value::float8 FROM service_settings WHERE name = 'n_min') AS n_min,
    coalesce((SELECT value::jsonb FROM service_settings WHERE name = 'small_number_basis'), '{}'::jsonb) AS bases)`;

/**
 * `planSuppression` over `values` (school_id, school_year, metric, group_id, numerator,
 * denominator: the values with numbers, each in its group, the cluster of its school year or ''
 * for none) and `insiders` (school_id, insider): CTEs ending in `plan` (school_id, school_year,
 * metric, group_id, small, withheld) and `exposed` (school_year, metric, group_id). The plan
 * holds the values of the groups with a small value alone: a value it leaves out is neither small
 * nor withheld.
 */
function planOf(values: string, insiders: string): string {
  return `${SETTINGS},
valued AS (
  SELECT v.*, CASE ${basisOf('v.metric')} WHEN 'none' THEN NULL WHEN 'numerator' THEN v.numerator ELSE v.denominator END AS covered,
    ${small(basisOf('v.metric'), 'v.numerator', 'v.denominator')} AS small
  FROM (${values}) v CROSS JOIN settings),
-- Only a group with a small value has anything to withhold: the others are left out of the plan
-- (a value outside it is neither small nor withheld), which spares sorting every value.
flagged AS (
  SELECT school_year, metric, group_id, count(*) FILTER (WHERE small) AS smalls
  FROM valued GROUP BY school_year, metric, group_id HAVING bool_or(small)),
ranked AS (
  SELECT v.*, f.smalls,
    row_number() OVER (PARTITION BY v.school_year, v.metric, v.group_id, v.small ORDER BY v.covered, v.school_id COLLATE "C") AS place
  FROM valued v JOIN flagged f ON f.school_year = v.school_year AND f.metric = v.metric AND f.group_id = v.group_id),
-- 1 and 2: the small ones, and beside exactly one of them the next smallest of the group
step AS (SELECT r.*, r.small OR (r.smalls = 1 AND NOT r.small AND r.place = 1) AS hidden FROM ranked r),
own AS (SELECT DISTINCT i.school_id, i.insider FROM (${insiders}) i JOIN step s ON s.school_id = i.school_id),
readers AS (SELECT DISTINCT s.school_year, s.metric, s.group_id, o.insider FROM step s JOIN own o ON o.school_id = s.school_id),
-- 3: an insider left with exactly one small school it does not see raw: the next smallest it does not see raw
need AS (
  SELECT r.school_year, r.metric, r.group_id, r.insider,
    (array_agg(s.school_id ORDER BY s.covered, s.school_id COLLATE "C") FILTER (WHERE NOT s.hidden))[1] AS pick
  FROM readers r
  JOIN step s ON s.school_year = r.school_year AND s.metric = r.metric AND s.group_id = r.group_id
  WHERE NOT EXISTS (SELECT 1 FROM own o WHERE o.school_id = s.school_id AND o.insider = r.insider)
  GROUP BY r.school_year, r.metric, r.group_id, r.insider
  HAVING count(*) FILTER (WHERE s.hidden) = 1 AND bool_or(s.hidden AND s.small)),
plan AS (
  SELECT s.school_id, s.school_year, s.metric, s.group_id, s.small,
    s.hidden OR EXISTS (SELECT 1 FROM need n WHERE n.pick = s.school_id AND n.school_year = s.school_year AND n.metric = s.metric AND n.group_id = s.group_id) AS withheld
  FROM step s),
-- 4: nothing left to withhold beside a small school: every aggregate holding the group is withheld
exposed AS (
  SELECT school_year, metric, group_id FROM step GROUP BY school_year, metric, group_id HAVING count(*) FILTER (WHERE small) = 1 AND count(*) = 1
  UNION SELECT school_year, metric, group_id FROM need WHERE pick IS NULL)`;
}

const INSIDERS_NOW = `SELECT school_id, 'district:' || district_id AS insider FROM registry_schools
  UNION SELECT s.school_id, 'partner:' || k.partner_id FROM registry_contracts k CROSS JOIN unnest(k.school_ids) AS s(school_id)`;

const VALUES_NOW = `SELECT sm.school_id, sm.school_year, sm.metric, coalesce(m.cluster_id, '') AS group_id, sm.numerator, sm.denominator
  FROM school_metrics sm LEFT JOIN registry_memberships m ON m.school_id = sm.school_id AND ${memberIn('m', 'sm.school_year')}
  WHERE sm.numerator IS NOT NULL AND sm.denominator IS NOT NULL`;

/** An aggregate's numbers and flags: withheld when it is small itself or holds an exposed group (`aggregateWithheld`). */
function aggregateColumns(exposedWhere: string): string {
  const isSmall = small(basisOf('a.metric'), 'a.numerator', 'a.denominator');
  const withheld = `(${isSmall} OR EXISTS (SELECT 1 FROM exposed e WHERE e.school_year = a.school_year AND e.metric = a.metric AND ${exposedWhere}))`;
  return `a.schools, CASE WHEN ${withheld} THEN NULL ELSE a.numerator END AS numerator, CASE WHEN ${withheld} THEN NULL ELSE a.denominator END AS denominator,
  ${isSmall} AS small_number, ${withheld} AS withheld`;
}

/** The sums of the numerators and denominators the schools have (`rollUp`), and how many schools it sums. */
const ROLLED_UP = `count(*) AS schools, sum(sm.numerator) FILTER (WHERE sm.numerator IS NOT NULL AND sm.denominator IS NOT NULL) AS numerator,
    sum(sm.denominator) FILTER (WHERE sm.numerator IS NOT NULL AND sm.denominator IS NOT NULL) AS denominator`;

const VIEWS: Record<(typeof PUBLISHED_VIEWS)[number], string> = {
  // Joined whole, then filtered (MATERIALIZED): a panel's filter on a school year and metric
  // would otherwise reach the plan too, whose size the planner cannot estimate, and the join
  // became a nested loop over the plan once per metric row.
  published_school_metrics: `
WITH ${planOf(VALUES_NOW, INSIDERS_NOW)},
shown AS MATERIALIZED (
  SELECT sm.school_id, sm.school_year, sm.metric,
    CASE WHEN p.withheld THEN NULL ELSE sm.numerator END AS numerator, CASE WHEN p.withheld THEN NULL ELSE sm.denominator END AS denominator,
    sm.suppressed, sm.partial, sm.final, sm.through, sm.known_at, coalesce(p.small, false) AS small_number, coalesce(p.withheld, false) AS withheld
  FROM school_metrics sm
  LEFT JOIN plan p ON p.school_id = sm.school_id AND p.school_year = sm.school_year AND p.metric = sm.metric)
SELECT * FROM shown`,

  // Each change judged with what was known at its knowledge time: the values and memberships
  // then, as GET /api/v1/schools/{id}/metrics?asOf= judges it.
  published_school_metric_history: `
SELECT h.school_id, h.school_year, h.metric,
  CASE WHEN p.withheld THEN NULL ELSE h.numerator END AS numerator, CASE WHEN p.withheld THEN NULL ELSE h.denominator END AS denominator,
  h.suppressed, h.partial, h.final, h.through, h.removed, h.known_at, coalesce(p.small, false) AS small_number, coalesce(p.withheld, false) AS withheld
FROM school_metric_history h
LEFT JOIN LATERAL (
  WITH memberships_then AS (
    SELECT school_id, cluster_id, from_year, CASE WHEN left_recorded_at <= h.known_at THEN until_year END AS until_year
    FROM registry_memberships WHERE recorded_at <= h.known_at),
  own_group AS (
    SELECT coalesce((SELECT m.cluster_id FROM memberships_then m WHERE m.school_id = h.school_id AND ${memberIn('m', 'h.school_year')} LIMIT 1), '') AS group_id),
  candidates AS (
    SELECT m.school_id FROM memberships_then m JOIN own_group g ON g.group_id <> '' AND m.cluster_id = g.group_id WHERE ${memberIn('m', 'h.school_year')}
    UNION
    SELECT x.school_id FROM school_metric_history x JOIN own_group g ON g.group_id = ''
    WHERE x.school_year = h.school_year AND x.metric = h.metric AND x.known_at <= h.known_at
      AND NOT EXISTS (SELECT 1 FROM memberships_then m WHERE m.school_id = x.school_id AND ${memberIn('m', 'h.school_year')})),
  latest AS (
    SELECT DISTINCT ON (x.school_id) x.school_id, x.school_year, x.metric, x.numerator, x.denominator, x.removed
    FROM school_metric_history x
    WHERE x.school_id IN (SELECT school_id FROM candidates) AND x.school_year = h.school_year AND x.metric = h.metric AND x.known_at <= h.known_at
    ORDER BY x.school_id, x.known_at DESC),
  ${planOf(
    `SELECT l.school_id, l.school_year, l.metric, g.group_id, l.numerator, l.denominator FROM latest l CROSS JOIN own_group g
     WHERE NOT l.removed AND l.numerator IS NOT NULL AND l.denominator IS NOT NULL`,
    `SELECT school_id, 'district:' || district_id AS insider FROM registry_schools
     UNION SELECT s.school_id, 'partner:' || k.partner_id FROM registry_contracts k CROSS JOIN unnest(k.school_ids) AS s(school_id) WHERE k.recorded_at <= h.known_at`,
  )}
  SELECT p.small, p.withheld FROM plan p WHERE p.school_id = h.school_id) p ON true`,

  published_cluster_metrics: `
WITH ${planOf(VALUES_NOW, INSIDERS_NOW)},
rolled AS (
  SELECT m.cluster_id, sm.school_year, sm.metric, ${ROLLED_UP}
  FROM school_metrics sm JOIN registry_memberships m ON m.school_id = sm.school_id AND ${memberIn('m', 'sm.school_year')}
  GROUP BY m.cluster_id, sm.school_year, sm.metric)
SELECT a.cluster_id, a.school_year, a.metric, ${aggregateColumns('e.group_id = a.cluster_id')}
FROM rolled a CROSS JOIN settings`,

  // Every school that reported, zone or not: it holds every group.
  published_state_metrics: `
WITH ${planOf(VALUES_NOW, INSIDERS_NOW)},
rolled AS (SELECT sm.school_year, sm.metric, ${ROLLED_UP} FROM school_metrics sm GROUP BY sm.school_year, sm.metric)
SELECT a.school_year, a.metric, ${aggregateColumns('true')}
FROM rolled a CROSS JOIN settings`,
};

/**
 * Makes the views anew (their columns may change between releases), under the caller's
 * transaction: at start, before the dashboards' role is granted them, and in the transaction of a
 * rebuild's swap. Returns false, making nothing, where a table they read is not there yet.
 */
export async function createPublishedViews(tx: SqlExecutor): Promise<boolean> {
  const [{ missing }] = await tx.query<{ missing: number }>('SELECT count(*)::int AS missing FROM unnest($1::text[]) AS name WHERE to_regclass(name) IS NULL', [
    SOURCES,
  ]);
  if (missing > 0) return false;
  for (const name of [...PUBLISHED_VIEWS, ...RETIRED_VIEWS]) await tx.query(`DROP VIEW IF EXISTS ${name}`);
  for (const name of PUBLISHED_VIEWS) await tx.query(`CREATE VIEW ${name} AS ${VIEWS[name]}`);
  return true;
}
