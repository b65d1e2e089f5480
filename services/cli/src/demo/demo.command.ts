import { INestApplication } from '@nestjs/common';
import { createApp } from '@turnaround/all-in-one';
import { ApiKeys, loadConfig, ReadSide, SQL_CLIENT } from '@turnaround/platform';
import { SqlClient } from '@turnaround/postgres';
import { DemoRegistry, demoFeeds, demoRegistry } from './demo-zone';

/**
 * Loads the demo zone through the service's own HTTP API, as the state office and the data
 * teams would, one push at a time in the order of the school years. Each push is its own
 * knowledge time, so early warnings are raised, and some cleared, as they would have been
 * live, however far behind the read side runs; the result is shown once it has caught up.
 * Loading again changes nothing (409s for the registry, duplicates for the feeds).
 */
export async function loadDemo(app: INestApplication, base: string, stateKey: string, log: (line: string) => void = () => undefined): Promise<void> {
  const post = poster(base, stateKey);
  await loadRegistry(base, stateKey, demoRegistry());
  for (const push of demoFeeds()) {
    const answer = await post(`/api/v1/feeds/${push.kind}`, push.records);
    if (answer.rejectedRows !== 0) throw new Error(`demo feed '${push.label}' had rejected rows: ${JSON.stringify(answer.rejected)}`);
    log(`${push.label}: ${answer.accepted} accepted, ${answer.duplicates} already there`);
  }
  await app.get(ReadSide).settled();
}

/** Registers zones, clusters, schools, memberships, partners and contracts through the HTTP API of a running service; one already there is a 409 and is left as it is. */
export async function loadRegistry(base: string, stateKey: string, registry: DemoRegistry): Promise<void> {
  const post = poster(base, stateKey);
  for (const zone of registry.zones) await post('/api/v1/zones', zone);
  for (const cluster of registry.clusters) await post('/api/v1/clusters', cluster);
  for (const school of registry.schools) await post('/api/v1/schools', school);
  for (const { schoolId, body } of registry.assignments) await post(`/api/v1/schools/${schoolId}/cluster-assignments`, body);
  for (const partner of registry.partners) await post('/api/v1/partners', partner);
  for (const contract of registry.contracts) await post('/api/v1/contracts', contract);
}

function poster(base: string, stateKey: string) {
  return async (path: string, body: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-actor': 'demo', authorization: `Bearer ${stateKey}` },
      body: JSON.stringify(body),
    });
    const answer = (await response.json()) as Record<string, unknown>;
    if (!response.ok && response.status !== 409) throw new Error(`POST ${path} answered ${response.status}: ${JSON.stringify(answer)}`);
    return answer;
  };
}

/** `turnaround demo`: the embedded default with the demo zone loaded, served on PORT. */
export async function demo(options: { serve: boolean }): Promise<number> {
  const config = loadConfig();
  const app = await createApp(config, { logger: false });
  await app.listen(config.port, '127.0.0.1');
  const base = `http://127.0.0.1:${config.port}`;
  const stateKey = config.bootstrapKey ?? (await app.get(ApiKeys).issue({ kind: 'state' }, 'demo')).key;
  await loadDemo(app, base, stateKey, (line) => process.stdout.write(`${line}\n`));
  const sql = app.get<SqlClient>(SQL_CLIENT);
  const alerts = await sql.query<{ status: string; count: number }>('SELECT status, count(*)::int AS count FROM alerts GROUP BY status ORDER BY status');
  process.stdout.write(`demo zone Z-DEMO loaded; alerts: ${alerts.map((row) => `${row.count} ${row.status}`).join(', ')}\n`);
  if (!options.serve) {
    await app.close();
    return 0;
  }
  process.stdout.write(
    [
      `serving on ${base} (API docs at ${base}/api/docs); a state API key: ${stateKey}`,
      'try:',
      `  curl -H 'authorization: Bearer ${stateKey}' ${base}/api/v1/contracts/K-RIVER/scorecard`,
      `  curl -H 'authorization: Bearer ${stateKey}' '${base}/api/v1/alerts?districtId=D-WEST&status=open'`,
      `  curl -H 'authorization: Bearer ${stateKey}' '${base}/api/v1/zones/Z-DEMO/metrics?year=2025-26'`,
      '',
    ].join('\n'),
  );
  app.enableShutdownHooks();
  return 0;
}
export { stateDataset } from './state-dataset';
export { DEMO_SCIENCE_EFFECT } from './demo-zone';
export type { DemoPush } from './demo-zone';
