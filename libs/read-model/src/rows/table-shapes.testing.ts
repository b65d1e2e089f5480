import { SqlExecutor } from '@turnaround/postgres';
import { columnOf, Table } from './row-changes';

/** A table's columns in order, each with PostgreSQL's name of its type and whether it takes NULL, and its primary key's columns. */
export interface TableShape {
  columns: { column: string; type: string; nullable: boolean }[];
  key: string[];
}

/** The shape of table `name` as the database has it: what an adapter suite holds a column list to. */
export async function migratedShape(sql: SqlExecutor, name: string): Promise<TableShape> {
  const columns = await sql.query<TableShape['columns'][number]>(
    `SELECT attname AS column, format_type(atttypid, atttypmod) AS type, NOT attnotnull AS nullable
     FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    [name],
  );
  const key = await sql.query<{ column: string }>(
    `SELECT a.attname AS column FROM pg_index i CROSS JOIN unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)
     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY k.n`,
    [name],
  );
  return { columns, key: key.map(({ column }) => column) };
}

/** The shape a column list declares, its types named as the database names them (timestamptz is "timestamp with time zone"). */
export async function declaredShape(sql: SqlExecutor, table: Table): Promise<TableShape> {
  const declared = Object.entries(table.columns);
  const types = await sql.query<{ type: string }>('SELECT d.type::regtype::text AS type FROM unnest($1::text[]) WITH ORDINALITY AS d(type, n) ORDER BY d.n', [
    declared.map(([, type]) => type.replace(/ null$/, '')),
  ]);
  return {
    columns: declared.map(([field, type], n) => ({ column: columnOf(field), type: types[n].type, nullable: type.endsWith(' null') })),
    key: table.key.map(columnOf),
  };
}
