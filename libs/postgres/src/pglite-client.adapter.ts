import { PGlite } from '@electric-sql/pglite';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { copyStatement, copyText, CopyValue } from './copy-text';
import { SqlClient, SqlExecutor } from './sql-client';

/**
 * PGlite in this process: persisted under `directory`, or in memory when none is given (tests).
 * PGlite has a single connection and queues queries, so transactions never interleave.
 */
export async function createPgliteClient(directory?: string): Promise<SqlClient> {
  if (directory) mkdirSync(directory, { recursive: true });
  const unlock = directory ? lockDirectory(directory) : () => undefined;
  const db = await PGlite.create(directory).catch((error: unknown) => {
    unlock();
    throw error;
  });
  // Like `pg`, a query without parameters goes through the simple protocol, which takes a
  // script of several statements (migrations); the rows are those of the last statement.
  const run = async <Row>(executor: Pick<PGlite, 'query' | 'exec'>, text: string, params?: readonly unknown[]) => {
    if (params && params.length > 0) return (await executor.query<Row>(text, params as unknown[])).rows;
    const results = await executor.exec(text);
    return (results[results.length - 1]?.rows ?? []) as Row[];
  };
  // PGlite's COPY reads its input from a blob handed over as '/dev/blob'.
  const copy = async (executor: Pick<PGlite, 'query'>, table: string, columns: readonly string[], rows: Iterable<readonly CopyValue[]>) => {
    await executor.query(copyStatement(table, columns, `'/dev/blob'`), [], { blob: new Blob([copyText(rows)]) });
  };

  return {
    kind: 'pglite',
    query: (text, params) => run(db, text, params),
    copyFrom: (table, columns, rows) => copy(db, table, columns, rows),
    transaction: (work) =>
      db.transaction((transaction) =>
        work({
          query: (text, params) => run(transaction, text, params),
          copyFrom: (table, columns, rows) => copy(transaction, table, columns, rows),
        } as SqlExecutor),
      ),
    async listen(channel, onNotify) {
      const unsubscribe = await db.listen(channel, () => onNotify());
      return async () => unsubscribe();
    },
    async close() {
      await db.close();
      unlock();
    },
  };
}

/**
 * PGlite is one process's database: a second process opening the same directory would corrupt
 * it. A lock file beside the directory holds the owner's pid; a lock whose process is gone is
 * taken over.
 */
function lockDirectory(directory: string): () => void {
  const lockPath = `${directory}.lock`;
  try {
    writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const owner = Number(readFileSync(lockPath, 'utf8'));
    if (owner > 0 && isAlive(owner))
      throw new Error(
        `the embedded database ${directory} is in use by process ${owner} (a running turnaround-monitor?): ` +
          'stop it, or send to it over HTTP (the CLI takes --server http://localhost:3000)',
      );
    writeFileSync(lockPath, String(process.pid));
  }
  return () => rmSync(lockPath, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
