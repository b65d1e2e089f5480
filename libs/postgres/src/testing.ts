import { randomBytes } from 'node:crypto';
import { createPgClient, quoteIdentifier } from './pg-client.adapter';
import { createPgliteClient } from './pglite-client.adapter';
import { SqlClient } from './sql-client';

/**
 * The databases every database-backed suite runs against: PGlite always, and the real
 * PostgreSQL server when DATABASE_URL is set (CI sets it; a suite never skips it silently).
 * Each `open()` gives a fresh, empty database that `close()` removes.
 */
export interface TestDatabase {
  name: 'pglite' | 'postgres';
  open(): Promise<SqlClient>;
}

export function testDatabases(): TestDatabase[] {
  const url = serverUrlForTests();
  const pglite: TestDatabase = { name: 'pglite', open: () => createPgliteClient() };
  return url ? [pglite, { name: 'postgres', open: () => openScratchDatabase(url) }] : [pglite];
}

/**
 * The PostgreSQL server tests run against, if any. On a developer's machine without one the
 * server suites are skipped; in CI a missing server is an error, never a skip.
 */
export function serverUrlForTests(): string | undefined {
  const url = process.env.DATABASE_URL;
  if (!url && process.env.CI) throw new Error('CI runs every database suite against a real PostgreSQL server: set DATABASE_URL');
  return url;
}

/** A new database on the server of `serverUrl`, dropped again by `close()`; `url` reaches it. */
export async function openScratchDatabase(serverUrl: string): Promise<SqlClient & { url: string }> {
  const name = `turnaround_test_${randomBytes(6).toString('hex')}`;
  const admin = createPgClient(serverUrl, { max: 1 });
  await admin.query(`CREATE DATABASE ${quoteIdentifier(name)}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const client = createPgClient(url.toString());
  return {
    ...client,
    url: url.toString(),
    async close() {
      await client.close();
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`);
      await admin.close();
    },
  };
}
