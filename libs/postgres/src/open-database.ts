import { join } from 'node:path';
import { createPgClient } from './pg-client.adapter';
import { createPgliteClient } from './pglite-client.adapter';
import { SqlClient } from './sql-client';

export interface DatabaseConfig {
  /** A PostgreSQL server; when absent, PGlite under `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
}

export function openDatabase(config: DatabaseConfig): Promise<SqlClient> {
  return config.databaseUrl ? Promise.resolve(createPgClient(config.databaseUrl)) : createPgliteClient(join(config.dataDir, 'pglite'));
}
