import { READ_MODEL_PROJECTIONS } from '@turnaround/all-in-one';
import { PostgresEventStore, rebuildProjection } from '@turnaround/event-store';
import { loadConfig } from '@turnaround/platform';
import { openDatabase } from '@turnaround/postgres';

/**
 * Rebuilds every read model from position zero: empties each projection's tables and
 * checkpoint, then applies the whole log. Alerts are events, so nothing is raised again. The
 * embedded database is locked while this runs; against DATABASE_URL, stop the services first.
 */
export async function replay(): Promise<number> {
  const sql = await openDatabase(loadConfig());
  const store = await PostgresEventStore.create(sql);
  try {
    for (const projection of READ_MODEL_PROJECTIONS) {
      const started = Date.now();
      await rebuildProjection(store, sql, projection);
      const [{ count }] = await sql.query<{ count: number }>(
        `SELECT ${projection.tables.map((table) => `(SELECT count(*) FROM ${table})`).join(' + ')} AS count`,
      );
      process.stdout.write(`rebuilt ${projection.name} (${projection.tables.join(', ')}): ${count} rows in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    }
  } finally {
    await store.close();
  }
  return 0;
}
