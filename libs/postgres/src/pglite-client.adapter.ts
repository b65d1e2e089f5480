import { PGlite } from '@electric-sql/pglite';
import { mkdirSync } from 'node:fs';
import { SqlClient, SqlExecutor } from './sql-client';

/**
 * PGlite in this process: persisted under `directory`, or in memory when none is given (tests).
 * PGlite has a single connection and queues queries, so transactions never interleave.
 */
export async function createPgliteClient(directory?: string): Promise<SqlClient> {
  if (directory) mkdirSync(directory, { recursive: true });
  const db = await PGlite.create(directory);
  // Like `pg`, a query without parameters goes through the simple protocol, which takes a
  // script of several statements (migrations); the rows are those of the last statement.
  const run = async <Row>(executor: Pick<PGlite, 'query' | 'exec'>, text: string, params?: readonly unknown[]) => {
    if (params && params.length > 0) return (await executor.query<Row>(text, params as unknown[])).rows;
    const results = await executor.exec(text);
    return (results[results.length - 1]?.rows ?? []) as Row[];
  };

  return {
    kind: 'pglite',
    query: (text, params) => run(db, text, params),
    transaction: (work) => db.transaction((transaction) => work({ query: (text, params) => run(transaction, text, params) } as SqlExecutor)),
    async listen(channel, onNotify) {
      const unsubscribe = await db.listen(channel, () => onNotify());
      return async () => unsubscribe();
    },
    close: () => db.close(),
  };
}
