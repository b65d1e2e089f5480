import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Panel } from '@grafana/schema';
import { cataloguedMetricNames, IndicatorCatalogue, METRIC_FAMILIES, SHIPPED_SUBJECTS, SubjectCatalogue } from '@turnaround/domain';
import { DASHBOARDS, dashboardFiles } from './dashboards';
import { staleDashboardFiles } from './generate';
import { DATASOURCE, DataLink } from './grafana';
import { FAMILY_NAMES, isRate, metricLabel, shippedIndicators } from './metric-labels';

const provisioning = join(__dirname, '..', '..', 'infra', 'grafana', 'provisioning');

describe('dashboards: one source of truth, consistent with the provisioning', () => {
  it('has the provisioned JSON exactly as the TypeScript generates it (run npm run dashboards after a change)', () => {
    expect(staleDashboardFiles()).toEqual([]);
  });

  it('gives every dashboard a unique, stable uid and the six views the state office asked for', () => {
    expect(DASHBOARDS.map((spec) => spec.uid)).toEqual(['tm-state-overview', 'tm-zone', 'tm-cluster', 'tm-partner-scorecard', 'tm-school', 'tm-alerts']);
  });

  it('points every panel, query and variable at the provisioned datasource', () => {
    const [provisioned] = parse(readFileSync(join(provisioning, 'datasources', 'turnaround.yaml'), 'utf8')).datasources;
    expect({ uid: provisioned.uid, type: provisioned.type }).toEqual(DATASOURCE);
    for (const json of dashboardFiles().values()) {
      const panels = (json.panels ?? []) as (Panel & { id: number; targets: { datasource: unknown }[]; gridPos: { x: number; w: number } })[];
      expect(new Set(panels.map((panel) => panel.id)).size).toBe(panels.length);
      for (const panel of panels) {
        expect(panel.datasource).toEqual(DATASOURCE);
        for (const target of panel.targets) expect(target.datasource).toEqual(DATASOURCE);
        expect(panel.gridPos.x + panel.gridPos.w).toBeLessThanOrEqual(24);
      }
      for (const variable of json.templating?.list ?? []) if (variable.type === 'query') expect(variable.datasource).toEqual(DATASOURCE);
    }
  });

  it('has the dashboard provider read the folder docker-compose mounts the JSON into', () => {
    const [provider] = parse(readFileSync(join(provisioning, 'dashboards', 'turnaround.yaml'), 'utf8')).providers;
    expect(readFileSync(join(__dirname, '..', '..', 'docker-compose.yml'), 'utf8')).toContain(`./dashboards/provisioned:${provider.options.path}:ro`);
  });
});

/** Every data link of every dashboard: where it is, and its URL. */
function drillDowns(): { from: string; panel: string; column: string; url: string }[] {
  return [...dashboardFiles().values()].flatMap((json) =>
    ((json.panels ?? []) as Panel[]).flatMap((panel) =>
      (panel.fieldConfig?.overrides ?? []).flatMap((override) =>
        override.properties
          .filter((property) => property.id === 'links')
          .flatMap((property) =>
            (property.value as DataLink[]).map((link) => ({
              from: json.uid as string,
              panel: panel.title as string,
              column: String(override.matcher.options),
              url: link.url,
            })),
          ),
      ),
    ),
  );
}
const variablesOf = (uid: string) => (dashboardFiles().get(`${uid.replace(/^tm-/, '')}.json`)?.templating?.list ?? []).map((variable) => variable.name);

describe('dashboards: drill-down links', () => {
  const links = drillDowns();

  it('points every link at a dashboard that exists, setting only variables the target has, from values the source has', () => {
    const uids = DASHBOARDS.map((spec) => spec.uid);
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) {
      const url = new URL(link.url, 'http://grafana');
      const target = /^\/d\/([\w-]+)$/.exec(url.pathname)?.[1] as string;
      expect({ ...link, target: uids.includes(target) }).toEqual({ ...link, target: true });
      const set = [...url.searchParams.keys()].filter((key) => key.startsWith('var-')).map((key) => key.slice('var-'.length));
      expect(set.length).toBeGreaterThan(0);
      expect({ ...link, unknown: set.filter((name) => !variablesOf(target).includes(name)) }).toEqual({ ...link, unknown: [] });
      // every ${name} it reads is a variable of its own dashboard (${__data.fields...} and ${__url_time_range} are Grafana's)
      const read = [...link.url.matchAll(/\$\{(\w+)[^}]*\}/g)].map((match) => match[1]).filter((name) => !name.startsWith('__'));
      expect({ ...link, missing: read.filter((name) => !variablesOf(link.from).includes(name)) }).toEqual({ ...link, missing: [] });
      // the time range goes along
      expect(link.url).toContain('${__url_time_range}');
    }
  });

  it('goes down from the state to the zone, the cluster and the school, and to the Lead Partner', () => {
    const edges = new Set(links.map((link) => `${link.from} -> ${/^\/d\/([\w-]+)/.exec(link.url)?.[1]}`));
    for (const edge of [
      'tm-state-overview -> tm-zone',
      'tm-zone -> tm-cluster',
      'tm-cluster -> tm-school',
      'tm-zone -> tm-school',
      'tm-state-overview -> tm-partner-scorecard',
      'tm-zone -> tm-partner-scorecard',
      'tm-alerts -> tm-partner-scorecard',
    ])
      expect(edges).toContain(edge);
  });

  it('carries the variables in the dashboards menu and keeps the time range', () => {
    for (const json of dashboardFiles().values())
      expect(json.links).toEqual([expect.objectContaining({ type: 'dashboards', includeVars: true, keepTime: true })]);
  });
});

describe('dashboards: metric names people read', () => {
  const indicators = shippedIndicators();
  const catalogues = { indicators: new IndicatorCatalogue(indicators), subjects: new SubjectCatalogue(SHIPPED_SUBJECTS) };

  it('names a metric by its subject or indicator and its family', () => {
    expect(metricLabel('proficiency.math')).toBe('Math proficiency');
    expect(metricLabel('scale_score.ela')).toBe('ELA scale score');
    expect(metricLabel('interim_proficiency.social_studies')).toBe('Social studies interim proficiency');
    expect(metricLabel('attendance_rate')).toBe('Attendance rate');
    expect(metricLabel('indicator.dropout_rate')).toBe('Dropout rate');
    // a subject or indicator a state adds gets a name too; a name outside the metric table stays as it is
    expect(metricLabel('proficiency.world_languages')).toBe('World languages proficiency');
    expect(metricLabel('no_such_metric')).toBe('no_such_metric');
    expect(metricLabel('attendance_rate.math')).toBe('attendance_rate.math');
  });

  it('names every family of the metric table, and every catalogued metric differently', () => {
    expect(Object.keys(FAMILY_NAMES).sort()).toEqual(METRIC_FAMILIES.map((family) => family.family).sort());
    const names = cataloguedMetricNames(catalogues);
    const labels = names.map(metricLabel);
    expect(labels.filter((label, index) => label === names[index])).toEqual([]);
    expect(new Set(labels).size).toBe(names.length);
  });

  it('shows a rate as a percentage, and a scale score, a ratio and a count as numbers', () => {
    expect(['proficiency.math', 'attendance_rate', 'indicator.dropout_rate'].map((metric) => isRate(metric, indicators))).toEqual([true, true, true]);
    expect(
      ['scale_score.math', 'indicator.discipline_incident_rate', 'indicator.instructional_minutes', 'indicator.not_catalogued'].map((metric) =>
        isRate(metric, indicators),
      ),
    ).toEqual([false, false, false, false]);
  });

  it('titles the panels of the picked metric with its name, not its id', () => {
    for (const json of dashboardFiles().values())
      for (const panel of (json.panels ?? []) as Panel[])
        expect({ title: panel.title, id: /\$metric\b|\$\{metric\}/.test(panel.title ?? '') }).toEqual({ title: panel.title, id: false });
  });
});
