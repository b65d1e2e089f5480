import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dashboardFiles } from './dashboards';

/** Where Grafana's dashboard provider reads the JSON (infra/grafana/provisioning/dashboards). */
export const PROVISIONED_DIR = join(__dirname, '..', 'provisioned');

export function renderedDashboards(): Map<string, string> {
  return new Map([...dashboardFiles()].map(([file, json]) => [file, `${JSON.stringify(json, null, 2)}\n`]));
}

/** The files under dashboards/provisioned that differ from what the TypeScript says, or should not be there. */
export function staleDashboardFiles(dir = PROVISIONED_DIR): string[] {
  const rendered = renderedDashboards();
  const present = readdirSync(dir).filter((file) => file.endsWith('.json'));
  const stale = present.filter((file) => rendered.get(file) !== readFileSync(join(dir, file), 'utf8'));
  return [...stale, ...[...rendered.keys()].filter((file) => !present.includes(file))].sort();
}

// `npm run dashboards`: writes the JSON; `-- --check` only says which files are out of date.
if (require.main === module) {
  if (process.argv.includes('--check')) {
    const stale = staleDashboardFiles();
    if (stale.length > 0) {
      process.stderr.write(`out of date: ${stale.join(', ')}; run npm run dashboards\n`);
      process.exit(1);
    }
  } else {
    mkdirSync(PROVISIONED_DIR, { recursive: true });
    for (const file of readdirSync(PROVISIONED_DIR)) if (file.endsWith('.json')) rmSync(join(PROVISIONED_DIR, file));
    for (const [file, text] of renderedDashboards()) writeFileSync(join(PROVISIONED_DIR, file), text);
    process.stdout.write(`wrote ${renderedDashboards().size} dashboards to ${PROVISIONED_DIR}\n`);
  }
}
