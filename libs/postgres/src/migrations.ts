import { SqlClient, SqlExecutor } from './sql-client';

/** A schema change, applied once, in order of `id` within its owner. */
export interface Migration {
  id: string;
  sql: string;
}

/**
 * Applies the owner's pending migrations in one transaction, under an advisory lock so that
 * several processes starting at once against one server apply each migration once.
 */
export async function migrate(client: SqlClient, owner: string, migrations: readonly Migration[]): Promise<void> {
  await client
    .query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
    owner text NOT NULL, id text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (owner, id))`,
    )
    .catch(async (error) => {
      // Two processes racing to create the table: the loser finds it there.
      const exists = await client.query(`SELECT to_regclass('schema_migrations') IS NOT NULL AS exists`);
      if (!exists[0]?.exists) throw error;
    });
  await client.transaction(async (tx) => {
    await lockMigrations(tx);
    const applied = new Set((await tx.query<{ id: string }>('SELECT id FROM schema_migrations WHERE owner = $1', [owner])).map((row) => row.id));
    for (const migration of [...migrations].sort((a, b) => a.id.localeCompare(b.id))) {
      if (applied.has(migration.id)) continue;
      await tx.query(migration.sql);
      await tx.query('INSERT INTO schema_migrations (owner, id) VALUES ($1, $2)', [owner, migration.id]);
    }
  });
}

/**
 * Holds the lock `migrate` takes, to the end of `tx`: whatever else changes the tables of the
 * database (grants, a rebuild putting its tables in place) waits for migrations, and they for it.
 */
export async function lockMigrations(tx: SqlExecutor): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['turnaround-migrations']);
}
