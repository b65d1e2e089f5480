import { randomBytes } from 'node:crypto';
import { createPgClient } from './pg-client.adapter';
import { quoteIdentifier } from './sql-client';
import { createPgliteClient } from './pglite-client.adapter';
import { SqlClient } from './sql-client';

/**
 * The databases every database-backed suite runs against: PGlite always, the real PostgreSQL
 * server when DATABASE_URL is set (CI sets it; a suite never skips it silently), and, for the
 * suites that ask for it, a TimescaleDB server (TIMESCALE_DATABASE_URL, `infra/timescaledb.sh`)
 * where the read model's history tables become hypertables. Each `open()` gives a fresh,
 * empty database that `close()` removes.
 */
export interface TestDatabase {
  name: 'pglite' | 'postgres' | 'timescaledb';
  open(): Promise<SqlClient>;
}

export function testDatabases(options: { timescaledb?: boolean } = {}): TestDatabase[] {
  const pglite: TestDatabase = { name: 'pglite', open: () => createPgliteClient() };
  return [pglite, ...testServers(options).map(({ name, open }) => ({ name, open }))];
}

/** A real server tests run against: `open()` gives a fresh database on it, with its URL. */
export interface TestServer {
  name: 'postgres' | 'timescaledb';
  open(): Promise<SqlClient & { url: string }>;
}

/**
 * The servers of `testDatabases`, for suites that start the whole service on a database of
 * their own (they need its URL). Empty on a developer's machine without a server.
 */
export function testServers(options: { timescaledb?: boolean } = {}): TestServer[] {
  const servers: TestServer[] = [];
  const url = serverUrlForTests();
  if (url) servers.push({ name: 'postgres', open: () => openScratchDatabase(url) });
  const timescaleUrl = options.timescaledb ? timescaleUrlForTests() : undefined;
  if (timescaleUrl) servers.push({ name: 'timescaledb', open: () => openScratchDatabase(timescaleUrl, { extensions: ['timescaledb'] }) });
  return servers;
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

/** The TimescaleDB server, if any: as for `serverUrlForTests`, CI must have one. */
export function timescaleUrlForTests(): string | undefined {
  const url = process.env.TIMESCALE_DATABASE_URL;
  if (!url && process.env.CI)
    throw new Error('CI runs the read model suites against a real TimescaleDB server: set TIMESCALE_DATABASE_URL (bash infra/timescaledb.sh start prints it)');
  return url;
}

/**
 * A new database on the server of `serverUrl`, dropped again by `close()`; `url` reaches it.
 * `extensions` are created in it before anything else runs, as an operator would before the
 * service's first start (the migrations only look for them).
 */
export async function openScratchDatabase(serverUrl: string, options: { extensions?: readonly string[] } = {}): Promise<SqlClient & { url: string }> {
  const name = `turnaround_test_${randomBytes(6).toString('hex')}`;
  const admin = createPgClient(serverUrl, { max: 1 });
  await admin.query(`CREATE DATABASE ${quoteIdentifier(name)}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const client = createPgClient(url.toString());
  for (const extension of options.extensions ?? []) await client.query(`CREATE EXTENSION IF NOT EXISTS ${quoteIdentifier(extension)}`);
  // No TimescaleDB job scheduler in a scratch database: one stopped by DROP DATABASE while its
  // first jobs were starting has kept the drop (and the test) waiting a minute. A suite that
  // tests the policies' jobs starts the scheduler itself.
  if (options.extensions?.includes('timescaledb')) await client.query('SELECT _timescaledb_functions.stop_background_workers()');
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
