import type { Dashboard } from '@grafana/schema';
import { dashboard, DashboardSpec, DrillDown, field, variable, VariableSpec } from './grafana';
import { isRateSql, metricLabelSql } from './metric-labels';
import { ALL_VALUE, memberIn, overdueFeeds, pickedAmong, pickedIn, schoolYearOfContractYear, shownRate, shownValue, WORST_STATUS } from './read-model-sql';

/**
 * The state turnaround office's dashboards (docs/roles.md and docs/architecture.md#the-read-side): state overview ->
 * zone -> cluster -> partner scorecard -> school, and alerts. Written once here; the JSON under
 * dashboards/provisioned is generated from it (`npm run dashboards`) and checked in tests.
 */

/** The metrics reported, by the names people read (`metric-labels.ts`); the SQL gets the metric id. */
const METRIC: VariableSpec = {
  name: 'metric',
  label: 'Metric',
  sql: `SELECT m.metric AS __value, ${metricLabelSql('m.metric')} AS __text FROM (SELECT DISTINCT metric FROM published_school_metrics) m ORDER BY 2, 1`,
};
/**
 * What the value of the picked metric is called, and so how it shows: "Rate" (a share in [0, 1],
 * shown as a percentage) or "Value" (a scale score, a ratio, a count). Grafana takes a unit from
 * no variable, so the panels name their value column with it and the overrides match the name.
 */
const VALUE_COLUMN: VariableSpec = {
  name: 'value_column',
  label: 'Value column',
  sql: `SELECT CASE WHEN ${isRateSql(`'$metric'`)} THEN 'Rate' ELSE 'Value' END`,
  hidden: true,
};
/** The value column of a panel of the picked metric (`VALUE_COLUMN`). */
const METRIC_VALUE = '^(Rate|Value)$';
const RATE = '^Rate$';
/** The title of the picked metric: its name, not its id. */
const METRIC_TITLE = '${metric:text}';
const SCHOOL_YEAR: VariableSpec = {
  name: 'school_year',
  label: 'School year',
  sql: 'SELECT DISTINCT school_year FROM published_school_metrics ORDER BY 1 DESC',
};
const ZONE: VariableSpec = {
  name: 'zone',
  label: 'Zone',
  sql: `SELECT zone_id AS __value, name || ' (' || zone_id || ')' AS __text FROM registry_zones ORDER BY zone_id`,
};

const STATUS_COLUMNS = '^Status$';

/** Drill-downs: state -> zone -> cluster -> school, and to the Lead Partner's scorecard. */
const toZone = (column: string, zone: string): DrillDown => ({
  column,
  title: 'Open the zone',
  dashboard: 'tm-zone',
  vars: { zone, metric: variable('metric'), school_year: variable('school_year') },
});
const toCluster = (column: string, zone: string, cluster: string): DrillDown => ({
  column,
  title: 'Open the cluster',
  dashboard: 'tm-cluster',
  vars: { zone, cluster, metric: variable('metric') },
});
const toSchool = (column: string): DrillDown => ({
  column,
  title: 'Open the school',
  dashboard: 'tm-school',
  vars: { school: field(column), metric: variable('metric') },
});
const toPartner = (column: string, partner: string, contract: string): DrillDown => ({
  column,
  title: "Open the Lead Partner's scorecard",
  dashboard: 'tm-partner-scorecard',
  vars: { partner, contract },
});
/** Columns a panel returns for its links alone. */
const LINK_IDS = '^(zone_id|cluster_id|partner_id)$';
/**
 * Every contract year of contract `k`, 1 to its term (3 to 5 years, longer once renewed), as
 * `y.contract_year`: a year without lines yet still shows.
 */
const EACH_CONTRACT_YEAR = 'CROSS JOIN LATERAL generate_series(1, k.term_years) AS y(contract_year)';

const stateOverview: DashboardSpec = {
  uid: 'tm-state-overview',
  title: 'Turnaround: state overview',
  description: 'Every Partnership Zone, its contracts and their status by contract year, open alerts, and the state-wide value of a metric.',
  tags: ['state'],
  variables: [METRIC, VALUE_COLUMN, SCHOOL_YEAR],
  panels: [
    { title: 'Zones', kind: 'stat', width: 6, sql: 'SELECT count(*) AS "Zones" FROM registry_zones' },
    { title: 'Clusters', kind: 'stat', width: 6, sql: 'SELECT count(*) AS "Clusters" FROM registry_clusters' },
    {
      title: 'Schools in a cluster',
      kind: 'stat',
      width: 6,
      sql: `SELECT count(DISTINCT m.school_id) AS "Schools" FROM registry_memberships m WHERE ${memberIn('m', `'$school_year'`)}`,
    },
    { title: 'Open alerts', kind: 'stat', width: 6, sql: `SELECT count(*) AS "Open alerts" FROM alerts WHERE status = 'open'` },
    {
      title: 'Zones',
      kind: 'table',
      width: 24,
      height: 7,
      drillDowns: [toZone('Zone', field('Zone'))],
      sql: `SELECT z.zone_id AS "Zone", z.name AS "Name", z.state_code AS "State", array_to_string(z.district_ids, ', ') AS "Districts",
  (SELECT count(*) FROM registry_clusters c WHERE c.zone_id = z.zone_id) AS "Clusters",
  (SELECT count(*) FROM registry_contracts k JOIN registry_clusters c USING (cluster_id) WHERE c.zone_id = z.zone_id AND k.status = 'active') AS "Active contracts",
  (SELECT count(*) FROM alerts a JOIN registry_contracts k USING (contract_id) JOIN registry_clusters c ON c.cluster_id = k.cluster_id
    WHERE c.zone_id = z.zone_id AND a.status = 'open') AS "Open alerts"
FROM registry_zones z
ORDER BY z.zone_id`,
    },
    {
      title: 'Contracts: status by contract year',
      description:
        'Each contract year of each contract, to the end of its term (renewals included): the worst of its cluster lines, the cluster target and the majority rule. Empty: no cluster target that year.',
      kind: 'table',
      width: 24,
      height: 12,
      statusColumns: STATUS_COLUMNS,
      hiddenColumns: LINK_IDS,
      drillDowns: [
        toZone('Zone', field('zone_id')),
        toCluster('Cluster', field('zone_id'), field('cluster_id')),
        toPartner('Lead partner', field('partner_id'), field('Contract')),
        toPartner('Contract', field('partner_id'), field('Contract')),
      ],
      sql: `SELECT z.name AS "Zone", c.name AS "Cluster", p.name AS "Lead partner", k.contract_id AS "Contract", k.status AS "Contract status",
  y.contract_year AS "Contract year", ${schoolYearOfContractYear('k.start_year', 'y.contract_year')} AS "School year", ${WORST_STATUS} AS "Status",
  z.zone_id, c.cluster_id, p.partner_id
FROM registry_contracts k
JOIN registry_partners p ON p.partner_id = k.partner_id
JOIN registry_clusters c ON c.cluster_id = k.cluster_id
JOIN registry_zones z ON z.zone_id = c.zone_id
${EACH_CONTRACT_YEAR}
LEFT JOIN scorecard_lines l ON l.contract_id = k.contract_id AND l.scope = 'cluster' AND l.contract_year = y.contract_year
GROUP BY z.name, c.name, p.name, k.contract_id, k.start_year, k.status, y.contract_year, z.zone_id, c.cluster_id, p.partner_id
ORDER BY z.name, c.name, k.contract_id, y.contract_year`,
    },
    {
      title: `${METRIC_TITLE} across the state, by school year`,
      description:
        'All schools that reported, zone or not: the sums of their numerators and denominators. "suppressed": withheld, as a small number or one that would give one away.',
      kind: 'table',
      width: 12,
      decimals: 3,
      rateColumns: RATE,
      suppressedColumns: METRIC_VALUE,
      sql: `SELECT s.school_year AS "School year", s.schools AS "Schools", ${shownValue('s', false)} AS "$value_column"
FROM published_state_metrics s
WHERE s.metric = '$metric'
ORDER BY s.school_year`,
    },
    {
      title: 'School metrics learned per day',
      description: 'How many school metric values changed each day, by knowledge time: new feeds, restatements and retractions.',
      kind: 'timeseries',
      width: 12,
      sql: `SELECT $__timeGroupAlias(day, '1d'), sum(changes) AS "changed", sum(suppressed_changes) AS "of which suppressed"
FROM metric_changes_daily
WHERE $__timeFilter(day)
GROUP BY 1
ORDER BY 1`,
    },
  ],
};

const zone: DashboardSpec = {
  uid: 'tm-zone',
  title: 'Turnaround: zone',
  description: 'One Partnership Zone: its clusters and schools, a metric in a school year, and each contract year at a glance.',
  tags: ['zone'],
  variables: [ZONE, METRIC, VALUE_COLUMN, SCHOOL_YEAR],
  panels: [
    {
      title: 'Clusters: status by contract year',
      description: 'Each contract year to the end of the term (renewals included): the worst cluster line. Empty: no cluster target that year.',
      kind: 'table',
      width: 24,
      height: 9,
      statusColumns: STATUS_COLUMNS,
      hiddenColumns: LINK_IDS,
      drillDowns: [
        toCluster('Cluster', variable('zone'), field('Cluster')),
        toCluster('Name', variable('zone'), field('Cluster')),
        toPartner('Lead partner', field('partner_id'), field('Contract')),
        toPartner('Contract', field('partner_id'), field('Contract')),
      ],
      sql: `SELECT c.cluster_id AS "Cluster", c.name AS "Name", p.name AS "Lead partner", k.contract_id AS "Contract",
  y.contract_year AS "Contract year", ${schoolYearOfContractYear('k.start_year', 'y.contract_year')} AS "School year", ${WORST_STATUS} AS "Status", p.partner_id
FROM registry_clusters c
JOIN registry_contracts k ON k.cluster_id = c.cluster_id
JOIN registry_partners p ON p.partner_id = k.partner_id
${EACH_CONTRACT_YEAR}
LEFT JOIN scorecard_lines l ON l.contract_id = k.contract_id AND l.scope = 'cluster' AND l.contract_year = y.contract_year
WHERE c.zone_id = '$zone'
GROUP BY c.cluster_id, c.name, p.name, p.partner_id, k.contract_id, k.start_year, y.contract_year
ORDER BY c.cluster_id, k.contract_id, y.contract_year`,
    },
    {
      title: `${METRIC_TITLE} by cluster, $school_year`,
      description:
        'The schools that are members in the school year, summed. "suppressed": withheld, as a small number or one that would give one away; "no data": no member school reported it.',
      kind: 'table',
      width: 12,
      decimals: 3,
      rateColumns: RATE,
      suppressedColumns: METRIC_VALUE,
      noDataColumns: METRIC_VALUE,
      hiddenColumns: LINK_IDS,
      drillDowns: [toCluster('Cluster', variable('zone'), field('cluster_id'))],
      sql: `SELECT c.name AS "Cluster", coalesce(p.schools, 0) AS "Schools reporting", ${shownValue('p', false)} AS "$value_column", c.cluster_id
FROM registry_clusters c
LEFT JOIN published_cluster_metrics p ON p.cluster_id = c.cluster_id AND p.metric = '$metric' AND p.school_year = '$school_year'
WHERE c.zone_id = '$zone'
ORDER BY c.name`,
    },
    {
      title: `${METRIC_TITLE} by school, $school_year`,
      description: '"suppressed": withheld (a small number, or one that would give one away) or suppressed by its source; "no data": the school reported none.',
      kind: 'table',
      width: 12,
      decimals: 3,
      rateColumns: RATE,
      suppressedColumns: METRIC_VALUE,
      noDataColumns: METRIC_VALUE,
      hiddenColumns: LINK_IDS,
      drillDowns: [toSchool('School'), toCluster('Cluster', variable('zone'), field('cluster_id'))],
      sql: `SELECT r.school_id AS "School", r.name AS "Name", r.district_id AS "District", c.name AS "Cluster", m.from_year AS "Member from",
  ${shownValue('s', true)} AS "$value_column", s.final AS "Final", c.cluster_id
FROM registry_memberships m
JOIN registry_clusters c ON c.cluster_id = m.cluster_id
JOIN registry_schools r ON r.school_id = m.school_id
LEFT JOIN published_school_metrics s ON s.school_id = m.school_id AND s.metric = '$metric' AND s.school_year = '$school_year'
WHERE c.zone_id = '$zone' AND ${memberIn('m', `'$school_year'`)}
ORDER BY c.name, r.school_id`,
    },
    {
      title: `${METRIC_TITLE} by cluster and school year`,
      description: 'No bar: withheld, or not reported.',
      kind: 'barchart',
      width: 24,
      decimals: 3,
      rateColumns: RATE,
      sql: `SELECT p.school_year || ' ' || c.name AS "School year and cluster", ${shownRate('p.numerator', 'p.denominator')} AS "$value_column"
FROM published_cluster_metrics p
JOIN registry_clusters c ON c.cluster_id = p.cluster_id
WHERE c.zone_id = '$zone' AND p.metric = '$metric'
ORDER BY p.school_year, c.name`,
    },
    {
      title: 'Zone schools with a feed overdue',
      description:
        "Each feed of a zone school whose next report is late on the last day of the time range (today, by default), against the feed's cadence in the service's configuration. The same rule as GET /api/v1/feeds/coverage.",
      kind: 'table',
      width: 24,
      drillDowns: [toSchool('School')],
      sql: overdueFeeds(`'$zone'`, `($__timeTo())::timestamptz`),
    },
  ],
};

const cluster: DashboardSpec = {
  uid: 'tm-cluster',
  title: 'Turnaround: cluster',
  description: 'One cluster: its member schools (with the year each joined), the cluster targets beside the actuals, and each school line.',
  tags: ['cluster'],
  variables: [
    ZONE,
    {
      name: 'cluster',
      label: 'Cluster',
      sql: `SELECT cluster_id AS __value, name AS __text FROM registry_clusters WHERE zone_id = '$zone' ORDER BY cluster_id`,
    },
    METRIC,
    VALUE_COLUMN,
  ],
  panels: [
    {
      title: 'Member schools',
      description: 'A school counts for the cluster in the school years it is a member, so one that joins mid-contract counts from its first year.',
      kind: 'table',
      width: 10,
      drillDowns: [toSchool('School')],
      sql: `SELECT r.school_id AS "School", r.name AS "Name", r.district_id AS "District", r.grade_span AS "Grades", m.from_year AS "From", coalesce(m.until_year, '') AS "Until", m.strategy AS "Strategy"
FROM registry_memberships m JOIN registry_schools r ON r.school_id = m.school_id
WHERE m.cluster_id = '$cluster'
ORDER BY m.from_year, r.school_id`,
    },
    {
      title: 'Cluster targets beside actuals',
      kind: 'table',
      width: 14,
      decimals: 3,
      statusColumns: STATUS_COLUMNS,
      hiddenColumns: LINK_IDS,
      drillDowns: [toPartner('Contract', field('partner_id'), field('Contract'))],
      sql: `SELECT l.contract_id AS "Contract", ${metricLabelSql('l.metric')} AS "Metric", l.contract_year AS "Contract year", l.school_year AS "School year", l.kind AS "Kind",
  l.baseline AS "Baseline", l.threshold AS "Target", l.actual AS "Actual", l.evidence AS "Evidence", l.status AS "Status",
  CASE WHEN l.schools_counted IS NULL THEN '' ELSE l.schools_missed || ' of ' || l.schools_counted || ' missed' END AS "Schools", coalesce(l.reason, '') AS "Why",
  (SELECT k.partner_id FROM registry_contracts k WHERE k.contract_id = l.contract_id) AS partner_id
FROM scorecard_lines l
WHERE l.cluster_id = '$cluster' AND l.scope = 'cluster'
ORDER BY l.contract_id, l.contract_year, l.metric, l.kind`,
    },
    {
      title: 'Cluster targets and actuals by contract year',
      kind: 'barchart',
      width: 12,
      decimals: 3,
      sql: `SELECT ${metricLabelSql('l.metric')} || ' Y' || l.contract_year || ' (' || l.school_year || ')' AS "Target line", l.threshold AS "Target", l.actual AS "Actual"
FROM scorecard_lines l
WHERE l.cluster_id = '$cluster' AND l.scope = 'cluster' AND l.kind <> 'school_majority'
ORDER BY l.metric, l.contract_year`,
    },
    {
      title: `${METRIC_TITLE} by school and school year`,
      description: '"suppressed": withheld (a small number, or one that would give one away) or suppressed by its source.',
      kind: 'table',
      width: 12,
      decimals: 3,
      rateColumns: RATE,
      suppressedColumns: METRIC_VALUE,
      drillDowns: [toSchool('School')],
      sql: `SELECT s.school_id AS "School", s.school_year AS "School year", ${shownValue('s', true)} AS "$value_column",
  s.denominator AS "Of", s.final AS "Final", s.through AS "Through"
FROM published_school_metrics s
WHERE s.metric = '$metric' AND s.school_id IN (SELECT school_id FROM registry_memberships WHERE cluster_id = '$cluster')
ORDER BY s.school_id, s.school_year`,
    },
    {
      title: 'School lines: status by contract year',
      kind: 'table',
      width: 24,
      statusColumns: STATUS_COLUMNS,
      drillDowns: [toSchool('School')],
      sql: `SELECT l.subject_id AS "School", ${metricLabelSql('l.metric')} AS "Metric", l.contract_year AS "Contract year", l.school_year AS "School year", ${WORST_STATUS} AS "Status"
FROM scorecard_lines l
WHERE l.cluster_id = '$cluster' AND l.scope = 'school'
GROUP BY l.subject_id, l.metric, l.contract_year, l.school_year
ORDER BY l.subject_id, l.metric, l.contract_year`,
    },
  ],
};

const partnerScorecard: DashboardSpec = {
  uid: 'tm-partner-scorecard',
  title: 'Turnaround: Lead Partner scorecard',
  description: "A Lead Partner's performance contract: every target line with baseline, target, actual and status, and the alerts it raised.",
  tags: ['partner'],
  variables: [
    { name: 'partner', label: 'Lead partner', sql: 'SELECT partner_id AS __value, name AS __text FROM registry_partners ORDER BY partner_id' },
    {
      name: 'contract',
      label: 'Contract',
      sql: `SELECT contract_id FROM registry_contracts WHERE partner_id = '$partner' ORDER BY start_year DESC, contract_id`,
    },
  ],
  panels: [
    {
      title: 'Target lines by status',
      kind: 'stat',
      width: 24,
      sql: `SELECT count(*) FILTER (WHERE status = 'met') AS "Met", count(*) FILTER (WHERE status = 'on_track') AS "On track",
  count(*) FILTER (WHERE status = 'at_risk') AS "At risk", count(*) FILTER (WHERE status = 'missed') AS "Missed", count(*) FILTER (WHERE status = 'pending') AS "Pending"
FROM scorecard_lines WHERE contract_id = '$contract'`,
    },
    {
      title: 'Status by contract year',
      kind: 'table',
      width: 24,
      statusColumns: STATUS_COLUMNS,
      sql: `SELECT l.scope AS "Scope", l.subject_id AS "School or cluster", ${metricLabelSql('l.metric')} AS "Metric", l.contract_year AS "Contract year", l.school_year AS "School year",
  ${WORST_STATUS} AS "Status"
FROM scorecard_lines l
WHERE l.contract_id = '$contract'
GROUP BY l.scope, l.subject_id, l.metric, l.contract_year, l.school_year
ORDER BY l.scope, l.subject_id, l.metric, l.contract_year`,
    },
    {
      title: 'Scorecard',
      kind: 'table',
      width: 24,
      height: 12,
      decimals: 3,
      statusColumns: STATUS_COLUMNS,
      sql: `SELECT l.contract_year AS "Contract year", l.school_year AS "School year", l.scope AS "Scope", l.subject_id AS "School or cluster", ${metricLabelSql('l.metric')} AS "Metric",
  l.kind AS "Kind", l.baseline AS "Baseline", l.threshold AS "Target", l.actual AS "Actual", l.evidence AS "Evidence", l.status AS "Status",
  coalesce(l.reason, '') AS "Why", l.known_at AS "Known since"
FROM scorecard_lines l
WHERE l.contract_id = '$contract'
ORDER BY l.contract_year, l.scope DESC, l.subject_id, l.metric, l.kind`,
    },
    {
      title: 'Targets beside actuals',
      kind: 'barchart',
      width: 24,
      decimals: 3,
      sql: `SELECT l.subject_id || ' ' || ${metricLabelSql('l.metric')} || ' Y' || l.contract_year AS "Line", l.threshold AS "Target", l.actual AS "Actual"
FROM scorecard_lines l
WHERE l.contract_id = '$contract' AND l.kind <> 'school_majority'
ORDER BY l.contract_year, l.scope DESC, l.subject_id, l.metric`,
    },
    {
      title: 'Alerts of this contract',
      kind: 'table',
      width: 24,
      decimals: 3,
      severityColumns: '^Severity$',
      sql: `SELECT a.raised_at AS "Raised", coalesce(a.school_id, a.cluster_id) AS "School or cluster", ${metricLabelSql('a.metric')} AS "Metric", a.contract_year AS "Contract year",
  a.checkpoint AS "Checkpoint", a.target AS "Target", a.actual AS "Actual", a.severity AS "Severity", a.status AS "Alert status", coalesce(a.resolution, '') AS "Resolution"
FROM alerts a
WHERE a.contract_id = '$contract'
ORDER BY a.raised_at DESC`,
    },
  ],
};

const school: DashboardSpec = {
  uid: 'tm-school',
  title: 'Turnaround: school',
  description: 'One school: every metric by school year, a metric as it was known over time (restatements included), its targets and alerts.',
  tags: ['school'],
  from: 'now-5y',
  variables: [
    {
      name: 'school',
      label: 'School',
      sql: `SELECT school_id AS __value, name || ' (' || school_id || ')' AS __text FROM registry_schools ORDER BY school_id`,
    },
    METRIC,
    VALUE_COLUMN,
  ],
  panels: [
    {
      title: 'School',
      kind: 'table',
      width: 24,
      height: 5,
      sql: `SELECT r.school_id AS "School", r.name AS "Name", r.district_id AS "District", r.grade_span AS "Grades", coalesce(r.nces_id, '') AS "NCES id",
  coalesce((SELECT string_agg(m.cluster_id || ' from ' || m.from_year || coalesce(' until ' || m.until_year, ''), '; ' ORDER BY m.from_year)
    FROM registry_memberships m WHERE m.school_id = r.school_id), 'in no cluster') AS "Clusters"
FROM registry_schools r
WHERE r.school_id = '$school'`,
    },
    {
      title: 'Every metric by school year',
      description:
        'A rate (a share) shows as a percentage under Rate; a scale score, a ratio or a count under Value. "suppressed": withheld (a small number, or one that would give one away) or suppressed by its source.',
      kind: 'table',
      width: 12,
      height: 12,
      decimals: 3,
      rateColumns: RATE,
      suppressedColumns: METRIC_VALUE,
      sql: `SELECT ${metricLabelSql('s.metric')} AS "Metric", s.school_year AS "School year",
  CASE WHEN ${isRateSql('s.metric')} THEN ${shownValue('s', true)} END AS "Rate", CASE WHEN NOT ${isRateSql('s.metric')} THEN ${shownValue('s', true)} END AS "Value",
  s.denominator AS "Of", s.final AS "Final", s.partial AS "Partial", s.through AS "Through", s.known_at AS "Known since"
FROM published_school_metrics s
WHERE s.school_id = '$school'
ORDER BY s.metric, s.school_year`,
    },
    {
      title: `${METRIC_TITLE} as known over time`,
      description: 'One line per school year: each point is the value the service knew from that time on. A gap: withheld or suppressed then.',
      kind: 'timeseries',
      width: 12,
      height: 12,
      decimals: 3,
      rateColumns: '^Rate',
      sql: `SELECT h.known_at AS "time", '$value_column ' || h.school_year AS "metric", ${shownRate('h.numerator', 'h.denominator')} AS "$value_column"
FROM published_school_metric_history h
WHERE h.school_id = '$school' AND h.metric = '$metric' AND NOT h.removed AND $__timeFilter(h.known_at)
ORDER BY 1`,
    },
    {
      title: 'Targets',
      kind: 'table',
      width: 24,
      decimals: 3,
      statusColumns: STATUS_COLUMNS,
      hiddenColumns: LINK_IDS,
      drillDowns: [toPartner('Contract', field('partner_id'), field('Contract'))],
      sql: `SELECT l.contract_id AS "Contract", ${metricLabelSql('l.metric')} AS "Metric", l.contract_year AS "Contract year", l.school_year AS "School year", l.kind AS "Kind",
  l.baseline AS "Baseline", l.threshold AS "Target", l.actual AS "Actual", l.evidence AS "Evidence", l.status AS "Status", coalesce(l.reason, '') AS "Why",
  (SELECT k.partner_id FROM registry_contracts k WHERE k.contract_id = l.contract_id) AS partner_id
FROM scorecard_lines l
WHERE l.scope = 'school' AND l.subject_id = '$school'
ORDER BY l.contract_id, l.contract_year, l.metric`,
    },
    {
      title: 'Alerts',
      kind: 'table',
      width: 24,
      decimals: 3,
      severityColumns: '^Severity$',
      sql: `SELECT a.raised_at AS "Raised", ${metricLabelSql('a.metric')} AS "Metric", a.contract_year AS "Contract year", a.checkpoint AS "Checkpoint", a.target AS "Target", a.actual AS "Actual",
  a.severity AS "Severity", a.status AS "Alert status", coalesce(a.resolution, '') AS "Resolution"
FROM alerts a
WHERE a.school_id = '$school'
ORDER BY a.raised_at DESC`,
    },
  ],
};

const alertFilter = `${pickedAmong('district', 'a.district_ids')} AND ${pickedIn('status', 'a.status')}`;

const alerts: DashboardSpec = {
  uid: 'tm-alerts',
  title: 'Turnaround: alerts',
  description: 'Off-track alerts by district: early warnings and misses at the end of a contract year, their severity and what became of them.',
  tags: ['alerts'],
  variables: [
    { name: 'district', label: 'District', sql: 'SELECT DISTINCT district_id FROM registry_schools ORDER BY 1', allValue: ALL_VALUE, multi: true },
    { name: 'status', label: 'Alert status', sql: `SELECT unnest(ARRAY['open', 'acknowledged', 'resolved'])`, allValue: ALL_VALUE, multi: true },
  ],
  panels: [
    {
      title: 'Alerts by severity',
      kind: 'stat',
      width: 24,
      sql: `SELECT count(*) FILTER (WHERE severity = 'info') AS "Info", count(*) FILTER (WHERE severity = 'warning') AS "Warning",
  count(*) FILTER (WHERE severity = 'serious') AS "Serious", count(*) FILTER (WHERE severity = 'critical') AS "Critical"
FROM alerts a WHERE ${alertFilter}`,
    },
    {
      title: 'Alerts raised per week',
      kind: 'timeseries',
      width: 12,
      sql: `SELECT $__timeGroupAlias(a.raised_at, '7d'), count(*) AS "raised"
FROM alerts a
WHERE $__timeFilter(a.raised_at) AND ${alertFilter}
GROUP BY 1
ORDER BY 1`,
    },
    {
      title: 'Alerts by district',
      kind: 'table',
      width: 12,
      sql: `SELECT d.district_id AS "District", count(*) FILTER (WHERE a.status = 'open') AS "Open", count(*) FILTER (WHERE a.status = 'acknowledged') AS "Acknowledged",
  count(*) FILTER (WHERE a.status = 'resolved') AS "Resolved"
FROM alerts a CROSS JOIN unnest(a.district_ids) AS d(district_id) WHERE ${pickedIn('district', 'd.district_id')}
GROUP BY d.district_id
ORDER BY d.district_id`,
    },
    {
      title: 'Alerts',
      kind: 'table',
      width: 24,
      height: 14,
      decimals: 3,
      severityColumns: '^Severity$',
      drillDowns: [toPartner('Contract', field('Lead partner'), field('Contract')), toPartner('Lead partner', field('Lead partner'), field('Contract'))],
      sql: `SELECT a.raised_at AS "Raised", array_to_string(a.district_ids, ', ') AS "Districts", coalesce(a.school_id, a.cluster_id) AS "School or cluster", a.contract_id AS "Contract",
  a.partner_id AS "Lead partner", ${metricLabelSql('a.metric')} AS "Metric", a.contract_year AS "Contract year", a.checkpoint AS "Checkpoint", a.target AS "Target", a.actual AS "Actual",
  a.severity AS "Severity", a.status AS "Alert status", coalesce(a.resolution, '') AS "Resolution", jsonb_array_length(a.acknowledgements) AS "Acknowledgements"
FROM alerts a
WHERE ${alertFilter}
ORDER BY a.raised_at DESC, a.alert_id`,
    },
  ],
};

export const DASHBOARDS: readonly DashboardSpec[] = [stateOverview, zone, cluster, partnerScorecard, school, alerts];

/** File name (under dashboards/provisioned) -> dashboard JSON. */
export function dashboardFiles(): Map<string, Dashboard> {
  return new Map(DASHBOARDS.map((spec) => [`${spec.uid.replace(/^tm-/, '')}.json`, dashboard(spec)]));
}
