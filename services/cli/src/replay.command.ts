import { MultiBar } from 'cli-progress';
import { parseKnowledgeTime } from '@turnaround/domain';
import { buildFromLog, knownAsOf, openEventStore, rebuildProjection } from '@turnaround/event-store';
import { loadMetricCatalogues } from '@turnaround/feeds';
import { grantDashboardReads, loadConfig } from '@turnaround/platform';
import { inSchema, openDatabase, quoteIdentifier, SqlClient } from '@turnaround/postgres';
import { readModels } from '@turnaround/read-model';

/**
 * Without `asOf`: rebuilds every read model from position zero beside its live tables, then
 * puts the rebuilt tables in their place in one transaction (rebuildProjection), with the
 * dashboards' grants. Against DATABASE_URL the services may go on running: they serve the
 * live tables meanwhile and follow on from the rebuild's checkpoint. Alerts are events, so
 * nothing is raised again.
 *
 * With `asOf`: builds the read models as the service knew them at that time (events recorded
 * until then) into their own schema, `as_of_YYYYMMDDTHHMMSS`, beside the live ones.
 *
 * The embedded database is locked while the service runs: stop it before either.
 */
export async function replay(options: { asOf?: string }): Promise<number> {
  const knownAt = options.asOf === undefined ? undefined : parseKnowledgeTime(options.asOf, '--as-of');
  const config = loadConfig();
  const sql = await openDatabase(config);
  const store = await openEventStore(sql, config);
  // Indicator values and targets are computed and judged by the catalogues' kinds and directions, as the service does.
  const projections = readModels({ rules: { tolerance: config.tolerance }, catalogues: await loadMetricCatalogues(config) });
  // On a terminal, a line per read model counts the events it has taken in; the summary follows once they are done.
  const bars = new MultiBar({ format: '{what} | {value} events', stream: process.stderr, hideCursor: true });
  const counter = (what: string) => {
    const bar = bars.create(0, 0, { what });
    return (events: number) => bar.increment(events);
  };
  const summary: string[] = [];
  try {
    if (!knownAt) {
      // The read models are independent of each other: rebuilt side by side, the alerts read
      // the log while the read side waits on the database.
      await Promise.all(
        projections.map(async (projection) => {
          const started = Date.now();
          await rebuildProjection(store, sql, projection, { onSwap: grantDashboardReads, onProgress: counter(`rebuild ${projection.name}`) });
          summary.push(report(`rebuilt ${projection.name}`, await rowCount(sql, projection.tables), projection.tables, started));
        }),
      );
      return 0;
    }
    const schema = `as_of_${knownAt.toISOString().replace(/[-:]/g, '').slice(0, 15).toLowerCase()}`;
    await sql.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
    const target = await inSchema(sql, schema);
    const asOf = knownAsOf(store, knownAt);
    for (const projection of projections) {
      const started = Date.now();
      await buildFromLog(asOf, target, projection, counter(`build ${projection.name} as known at ${knownAt.toISOString()}`));
      summary.push(
        report(
          `built ${projection.name} as known at ${knownAt.toISOString()}`,
          await rowCount(target, projection.tables),
          projection.tables.map((table) => `${schema}.${table}`),
          started,
        ),
      );
    }
    return 0;
  } finally {
    // Off a terminal the bars never start, and stopping them would print their raw format.
    if (bars.isActive) bars.stop();
    process.stdout.write(summary.join(''));
    await store.close();
  }
}

async function rowCount(sql: SqlClient, tables: readonly string[]): Promise<number> {
  const [{ count }] = await sql.query<{ count: number }>(`SELECT ${tables.map((table) => `(SELECT count(*) FROM ${table})`).join(' + ')} AS count`);
  return count;
}

function report(what: string, rows: number, tables: readonly string[], started: number): string {
  return `${what} (${tables.join(', ')}): ${rows} rows in ${((Date.now() - started) / 1000).toFixed(1)} s\n`;
}
