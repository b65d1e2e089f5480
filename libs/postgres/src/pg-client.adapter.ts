import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client, Pool, PoolClient, PoolConfig, types } from 'pg';
import { from as copyFromStdin } from 'pg-copy-streams';
import { copyPieces, copyStatement, CopyValue } from './copy-text';
import { quoteIdentifier, SqlClient, SqlExecutor } from './sql-client';

// Positions, counts and versions stay well below 2^53; as numbers they match PGlite's answers.
const parsers = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === types.builtins.INT8 ? (value: string) => Number(value) : types.getTypeParser(oid, format)) as typeof types.getTypeParser,
};

export function createPgClient(connectionString: string, options: Pick<PoolConfig, 'max'> = {}): SqlClient {
  // JIT off: the service's queries are short, and a misestimated one (statistics lagging a bulk
  // load) spent 200 ms compiling for a 30 ms lookup.
  const pool = new Pool({ connectionString, max: options.max ?? 10, types: parsers, options: '-c jit=off' });
  // An idle client that loses its server must not take the process down; the next query reports it.
  pool.on('error', () => undefined);

  const run = async (executor: Pool | PoolClient, text: string, params?: readonly unknown[]) =>
    (await executor.query({ text, values: params as unknown[] | undefined })).rows;
  const copy = (connection: PoolClient, table: string, columns: readonly string[], rows: Iterable<readonly CopyValue[]>) =>
    pipeline(Readable.from(copyPieces(rows)), connection.query(copyFromStdin(copyStatement(table, columns, 'STDIN'))));

  return {
    kind: 'postgres',
    query: (text, params) => run(pool, text, params),
    async copyFrom(table, columns, rows) {
      const connection = await pool.connect();
      try {
        await copy(connection, table, columns, rows);
      } finally {
        connection.release();
      }
    },
    async transaction(work) {
      const connection = await pool.connect();
      try {
        await connection.query('BEGIN');
        const tx: SqlExecutor = {
          query: (text, params) => run(connection, text, params),
          copyFrom: (table, columns, rows) => copy(connection, table, columns, rows),
        };
        const result = await work(tx);
        await connection.query('COMMIT');
        return result;
      } catch (error) {
        await connection.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        connection.release();
      }
    },
    async listen(channel, onNotify) {
      const listener = new Client({ connectionString });
      listener.on('error', () => undefined);
      await listener.connect();
      listener.on('notification', (message) => message.channel === channel && onNotify());
      await listener.query(`LISTEN ${quoteIdentifier(channel)}`);
      return async () => {
        await listener.end().catch(() => undefined);
      };
    },
    close: () => pool.end(),
  };
}
