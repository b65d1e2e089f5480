import { setTimeout as pause } from 'node:timers/promises';
import { inSchema, lockMigrations, quoteIdentifier, SqlClient, SqlExecutor, SQLSTATE, sqlStateOf } from '@turnaround/postgres';
import { Checkpoint, EventStore } from '../event-store.port';
import { Projection, LogFollower } from './log-follower';

export interface RebuildOptions {
  /**
   * Runs in the transaction that puts the rebuilt tables in the live ones' place, once they are
   * in `public`: what the live tables had besides their rows (grants) is given to the new ones
   * there, so no reader finds them without it. A swap tried again (SWAP_ATTEMPTS) runs it again,
   * in the new transaction.
   */
  onSwap?: (tx: SqlExecutor) => Promise<void>;
  /** Told how many events each page of the log applied to the rebuilt tables (a progress bar). */
  onProgress?: (events: number) => void;
}

/** The rebuild's own bookkeeping in its schema, left behind when the tables move to `public`. */
const BOOKKEEPING = ['projection_checkpoints', 'schema_migrations'];

/**
 * On TimescaleDB the rebuilt history's columnstore policy may be compressing its chunks while
 * the swap moves them: the two take the same locks in another order, and PostgreSQL aborts one.
 * The swap, rolled back whole, is tried again, up to this many times in all.
 */
const SWAP_ATTEMPTS = 5;

/** How often a refresh of a rebuilt continuous aggregate is tried while its policy refreshes it: about a minute in all. */
const REFRESH_ATTEMPTS = 15;

/**
 * A rebuild reads the log in larger pages than a live runner: fewer transactions, and a
 * projection works set-wise on more at once. Each page costs the read side about 14 ms of its
 * own (its pending knowledge, checkpoint and commit): 5,000 rather than 2,000 took a tenth off a
 * replay, for about 30 MiB more at the peak.
 */
const REBUILD_BATCH = 5_000;

/**
 * Rebuilds a projection from position zero (`turnaround replay`) beside its live tables, while
 * the service goes on serving and following the log (blue/green):
 * 1. its migrations and the whole log go into a schema of its own, `rebuild_<name>` (one left by
 *    a rebuild that crashed is dropped first);
 * 2. one transaction locks the live checkpoint row, which holds back the live runner's next
 *    batch, applies what the log gained meanwhile, puts the rebuilt tables in place of the live
 *    ones with the rebuild's checkpoint and migration records, and drops the schema.
 * The live runner's held-back batch then finds the checkpoint moved and follows on from it, so
 * every event is applied once, and the tables equal those of a runner that followed the whole
 * log.
 */
export async function rebuildProjection(store: EventStore, sql: SqlClient, projection: Projection, options: RebuildOptions = {}): Promise<void> {
  const schema = `rebuild_${projection.name.toLowerCase().replace(/[^a-z0-9]+/g, '_')}`;
  const shadow = quoteIdentifier(schema);
  await sql.query(`DROP SCHEMA IF EXISTS ${shadow} CASCADE`);
  await buildFromLog(store, await inSchema(sql, schema), projection, options.onProgress);
  await refreshAggregates(sql, schema);
  // Statistics follow a table into its new schema: analysed here, the tables go live with a
  // planner that knows them, not blind until autovacuum comes by.
  for (const table of await tablesIn(sql, schema, projection.tables)) await sql.query(`ANALYZE ${shadow}.${quoteIdentifier(table)}`);
  // The live side as the service makes it at start: migrated, with a checkpoint row to lock.
  await new LogFollower(store, sql, projection).prepare();
  const owner = `projection:${projection.name}`;
  await swapWithRetry(sql, async (tx) => {
    // The swap changes tables and their migration records: as `migrate` does, under its lock,
    // taken first, as every holder of it does before touching the projection's tables.
    await lockMigrations(tx);
    await tx.query('SELECT checkpoint FROM public.projection_checkpoints WHERE projection = $1 FOR UPDATE', [projection.name]);
    const [built] = await tx.query<{ checkpoint: Checkpoint }>(`SELECT checkpoint FROM ${shadow}.projection_checkpoints WHERE projection = $1`, [
      projection.name,
    ]);
    // On PGlite the log is read through the connection this transaction holds: it cannot be
    // read here. Nothing runs beside a PGlite transaction either; the live runner follows on
    // from the rebuild's checkpoint, whatever it had applied.
    const checkpoint = sql.kind === 'pglite' ? built.checkpoint : await applyGained(tx, store, projection, shadow, built.checkpoint);

    const moved = await tx.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm') AND c.relname <> ALL($2::text[])`,
      [schema, BOOKKEEPING],
    );
    // CASCADE takes the views over the tables with them (on TimescaleDB the continuous
    // aggregate, with its materialization and policy): the rebuild made its own.
    await tx.query(`DROP TABLE IF EXISTS ${projection.tables.map((table) => `public.${quoteIdentifier(table)}`).join(', ')} CASCADE`);
    // ALTER TABLE moves any relation; TimescaleDB follows a hypertable or a continuous aggregate into the new schema.
    for (const { name } of moved) await tx.query(`ALTER TABLE ${shadow}.${quoteIdentifier(name)} SET SCHEMA public`);
    await tx.query('UPDATE public.projection_checkpoints SET checkpoint = $2, updated_at = now() WHERE projection = $1', [projection.name, checkpoint]);
    await tx.query('DELETE FROM public.schema_migrations WHERE owner = $1', [owner]);
    await tx.query(
      `INSERT INTO public.schema_migrations (owner, id, applied_at) SELECT owner, id, applied_at FROM ${shadow}.schema_migrations WHERE owner = $1`,
      [owner],
    );
    await tx.query(`DROP SCHEMA ${shadow} CASCADE`);
    await options.onSwap?.(tx);
  });
}

/**
 * Builds a projection's tables from position zero into the empty schema `sql` works in: its
 * migrations, then its `fold` where it has one (the log folded in memory, written once), then
 * page by page from wherever that stopped to the end of the log. `onProgress` is told how many
 * events each page applied.
 */
export async function buildFromLog(store: EventStore, sql: SqlClient, projection: Projection, onProgress?: (events: number) => void): Promise<void> {
  const follower = new LogFollower(store, sql, projection);
  if (projection.fold) {
    await follower.prepare();
    await projection.fold(store, sql, onProgress);
  }
  await follower.catchUp(REBUILD_BATCH, onProgress);
}

/** Which of `tables` the rebuild made in `schema` (a projection may make them only as its migrations go). */
async function tablesIn(sql: SqlClient, schema: string, tables: readonly string[]): Promise<string[]> {
  const found = await sql.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND c.relname = ANY($2::text[]) ORDER BY 1`,
    [schema, tables],
  );
  return found.map(({ name }) => name);
}

async function swapWithRetry(sql: SqlClient, swap: (tx: SqlExecutor) => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await sql.transaction(swap);
    } catch (error) {
      if (sqlStateOf(error) !== SQLSTATE.deadlock || attempt >= SWAP_ATTEMPTS) throw error;
    }
  }
}

/**
 * Applies to the rebuild's schema what the log gained after `after`, page by page as the live
 * runner would, reading only the event types the projection reads. Runs while the live
 * checkpoint is locked, so what it reaches is at least where the live tables are. Returns the
 * checkpoint reached.
 */
async function applyGained(tx: SqlExecutor, store: EventStore, projection: Projection, shadow: string, after: Checkpoint): Promise<Checkpoint> {
  const [{ path }] = await tx.query<{ path: string }>(`SELECT current_setting('search_path') AS path`);
  await tx.query(`SET LOCAL search_path TO ${shadow}, public`);
  let position = after;
  for (;;) {
    const { events, reached } = await store.readPage({ after: position, limit: REBUILD_BATCH, eventTypes: projection.eventTypes });
    if (reached === undefined) break;
    if (events.length > 0) await projection.apply(tx, events);
    position = reached;
  }
  await tx.query(`SELECT set_config('search_path', $1, true)`, [path]);
  return position;
}

/**
 * On TimescaleDB, the policy of a continuous aggregate the rebuild made (metric_changes_daily)
 * may have refreshed it while the history was half written; the rows written below its
 * watermark since (the history of the past, by knowledge time) it would show only after its
 * next refresh. Refreshed once the rebuild has caught up, it goes live with the whole history.
 */
async function refreshAggregates(sql: SqlClient, schema: string): Promise<void> {
  if ((await sql.query(`SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'`)).length === 0) return;
  const aggregates = await sql.query<{ name: string }>('SELECT view_name AS name FROM timescaledb_information.continuous_aggregates WHERE view_schema = $1', [
    schema,
  ]);
  for (const { name } of aggregates) {
    // A procedure that commits as it goes: called outside any transaction. The aggregate's own
    // refresh policy may be refreshing it already (its first run comes as the rebuild creates
    // it): TimescaleDB then refuses this one, which waits for that run to end and goes again.
    for (let attempt = 1; ; attempt += 1) {
      try {
        await sql.query(`CALL refresh_continuous_aggregate('${quoteIdentifier(schema)}.${quoteIdentifier(name)}', NULL, NULL)`);
        break;
      } catch (error) {
        if (sqlStateOf(error) !== SQLSTATE.lockNotAvailable || attempt >= REFRESH_ATTEMPTS) throw error;
        await pause(Math.min(100 * 2 ** attempt, 5_000));
      }
    }
  }
}
