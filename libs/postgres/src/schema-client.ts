import { quoteIdentifier, SqlClient } from './sql-client';

/**
 * The same database seen through another schema: every statement runs in a transaction whose
 * search path starts with `schema` (then `public`), so unqualified tables are created and read
 * there. Works alike on a server pool and on PGlite. Used to build a read model "as of" a
 * knowledge time beside the live one.
 */
export async function inSchema(client: SqlClient, schema: string): Promise<SqlClient> {
  const path = `SET LOCAL search_path TO ${quoteIdentifier(schema)}, public`;
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
  return {
    kind: client.kind,
    query: (text, params) =>
      client.transaction(async (tx) => {
        await tx.query(path);
        return tx.query(text, params);
      }),
    copyFrom: (table, columns, rows) =>
      client.transaction(async (tx) => {
        await tx.query(path);
        await tx.copyFrom(table, columns, rows);
      }),
    transaction: (work) =>
      client.transaction(async (tx) => {
        await tx.query(path);
        return work(tx);
      }),
    listen: (channel, onNotify) => client.listen(channel, onNotify),
    close: () => client.close(),
  };
}
