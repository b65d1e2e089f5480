import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DASHBOARDS, dashboardFiles } from './dashboards';
import { staleDashboardFiles } from './generate';
import { DATASOURCE } from './grafana';

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
      const panels = json.panels as { id: number; datasource: unknown; targets: { datasource: unknown }[]; gridPos: { x: number; w: number } }[];
      expect(new Set(panels.map((panel) => panel.id)).size).toBe(panels.length);
      for (const panel of panels) {
        expect(panel.datasource).toEqual(DATASOURCE);
        for (const target of panel.targets) expect(target.datasource).toEqual(DATASOURCE);
        expect(panel.gridPos.x + panel.gridPos.w).toBeLessThanOrEqual(24);
      }
      for (const variable of (json.templating as { list: { type: string; datasource?: unknown }[] }).list)
        if (variable.type === 'query') expect(variable.datasource).toEqual(DATASOURCE);
    }
  });

  it('has the dashboard provider read the folder docker-compose mounts the JSON into', () => {
    const [provider] = parse(readFileSync(join(provisioning, 'dashboards', 'turnaround.yaml'), 'utf8')).providers;
    expect(readFileSync(join(__dirname, '..', '..', 'docker-compose.yml'), 'utf8')).toContain(`./dashboards/provisioned:${provider.options.path}:ro`);
  });
});
