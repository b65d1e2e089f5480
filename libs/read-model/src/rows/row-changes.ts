import { SqlExecutor } from '@turnaround/postgres';

/** The SQL types of the columns written through row changes: each parameter is cast to its column's type. */
type SqlType = 'text' | 'text[]' | 'integer' | 'double precision' | 'boolean' | 'jsonb' | 'date' | 'timestamptz';

/** A column's SQL type, ending in ` null` when the column takes NULL. */
export type ColumnType = SqlType | `${SqlType} null`;

/**
 * A table as its migrations made it: its columns by field name, in the table's order, with their
 * types, and the fields of its primary key. A field is the camelCase of its column's name
 * (`districtIds` is `district_ids`). The one list of the table's columns: the writes, the
 * reads' row mapping and the adapter suite's check against the database all come from it.
 */
export interface Table<Columns extends Record<string, ColumnType> = Record<string, ColumnType>, Key extends keyof Columns & string = string> {
  readonly columns: Columns;
  readonly key: readonly Key[];
}

/** Describes a table, keeping its fields and key as literal types so that rows and changes are checked against them. */
export function table<const Columns extends Record<string, ColumnType>, const Key extends keyof Columns & string>(
  columns: Columns,
  key: readonly Key[],
): Table<Columns, Key> {
  return { columns, key };
}

/** The JavaScript value a column takes in a row change (a date as its YYYY-MM-DD text, a timestamptz as its ISO text, as the log stamps it). */
interface ValueOfSqlType {
  text: string;
  'text[]': readonly string[];
  integer: number;
  'double precision': number;
  boolean: boolean;
  jsonb: unknown;
  date: string;
  timestamptz: string;
}
type ValueOf<Type extends ColumnType> = Type extends `${infer Base extends SqlType} null` ? ValueOfSqlType[Base] | null : ValueOfSqlType[Type & SqlType];

/** A whole row of the table, by field. */
export type RowOf<T extends Table> = { readonly [Field in keyof T['columns']]: ValueOf<T['columns'][Field]> };

type KeyOf<T extends Table> = T['key'][number];
/** The fields an `extend` grows: a number is added to, a list appended to. */
type Growing<T extends Table> = {
  [Field in keyof T['columns']]: T['columns'][Field] extends 'integer' | 'text[]' | 'jsonb' ? Field : never;
}[keyof T['columns']];
/** The tables whose every field `T` has too: those a `copy` into `T` can take rows from. */
type SourcesOf<T extends Table, Tables extends Record<string, Table>> = {
  [From in keyof Tables & string]: keyof Tables[From]['columns'] extends keyof T['columns'] ? From : never;
}[keyof Tables & string];

/**
 * A change a read model plans to the rows of one of its tables; the writer applies it in SQL.
 * - `upsert` writes a whole row: inserted, or in place of the row with the same primary key.
 * - `delete` removes the row with the primary key `key`.
 * - `update` sets `values` in every row whose fields equal `key` (a null in the key matches
 *   NULL): rows found by what they hold, so the planner needs no state to change them.
 * - `extend` grows every such row's fields by `values`: a number by adding, a list by appending,
 *   so a change relative to the row needs no read of it either.
 * - `copy` inserts, for every row of table `from` whose fields equal `key`, a row with its
 *   fields and `values` for the fields `from` lacks: a snapshot of a row as the changes before
 *   left it (a history), planned without knowing what the row holds.
 */
export type RowChange<Tables extends Record<string, Table>> = {
  [Name in keyof Tables & string]: ChangeTo<Name, Tables[Name]> | CopyTo<Name, Tables>;
}[keyof Tables & string];

type ChangeTo<Name, T extends Table> =
  | { readonly table: Name; readonly op: 'upsert'; readonly key: Pick<RowOf<T>, KeyOf<T>>; readonly values: Omit<RowOf<T>, KeyOf<T>> }
  | { readonly table: Name; readonly op: 'delete'; readonly key: Pick<RowOf<T>, KeyOf<T>> }
  | { readonly table: Name; readonly op: 'update'; readonly key: Partial<RowOf<T>>; readonly values: Partial<RowOf<T>> }
  | { readonly table: Name; readonly op: 'extend'; readonly key: Partial<RowOf<T>>; readonly values: Partial<Pick<RowOf<T>, Growing<T>>> };

type CopyTo<Name extends keyof Tables, Tables extends Record<string, Table>> = {
  [From in SourcesOf<Tables[Name], Tables>]: {
    readonly table: Name;
    readonly op: 'copy';
    readonly from: From;
    readonly key: Partial<RowOf<Tables[From]>>;
    readonly values: Omit<RowOf<Tables[Name]>, keyof Tables[From]['columns']>;
  };
}[SourcesOf<Tables[Name], Tables>];

/** A change as the writers take it: fields by name. */
export type AnyChange = { readonly table: string; readonly key: Readonly<Record<string, unknown>> } & (
  | { readonly op: 'upsert' | 'update' | 'extend'; readonly values: Readonly<Record<string, unknown>> }
  | { readonly op: 'copy'; readonly from: string; readonly values: Readonly<Record<string, unknown>> }
  | { readonly op: 'delete' }
);

/** A field's column: `districtIds` is `district_ids`. */
export const columnOf = (field: string): string => field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

/** The select list that reads `fields` of a table's rows (all of them if not named) as objects with those field names. */
export const selectList = <T extends Table>(table: T, fields: readonly (keyof T['columns'] & string)[] = Object.keys(table.columns)): string =>
  fields.map((field) => (columnOf(field) === field ? field : `${columnOf(field)} AS "${field}"`)).join(', ');

/**
 * Applies the changes in order, in the caller's transaction. A run of upserts (or of deletes)
 * to one table becomes one statement that takes the rows as one JSON parameter, so a planner's
 * thousand metric changes cost one round trip, not a thousand; a key seen twice in a run starts
 * a new statement (one INSERT may not update a row twice). Every other change is a statement
 * of its own.
 */
export async function writeRowChanges<Tables extends Record<string, Table>>(
  tx: SqlExecutor,
  tables: Tables,
  changes: readonly RowChange<Tables>[],
): Promise<void> {
  for (const run of runsOf(tables, changes as readonly AnyChange[])) {
    const [first] = run;
    const { text, params } = run.length === 1 && first.op !== 'delete' ? statementOf(tables, first) : setStatementOf(tables, run);
    await tx.query(text, params);
  }
}

/** The changes cut into runs: consecutive upserts (or deletes) of one table with distinct keys, every other change alone. */
function runsOf(tables: Readonly<Record<string, Table>>, changes: readonly AnyChange[]): AnyChange[][] {
  const runs: AnyChange[][] = [];
  let keys = new Set<string>();
  for (const change of changes) {
    const run = runs[runs.length - 1];
    const key = JSON.stringify(tables[change.table].key.map((field) => change.key[field]));
    const joins =
      run !== undefined && (change.op === 'upsert' || change.op === 'delete') && run[0].op === change.op && run[0].table === change.table && !keys.has(key);
    if (joins) run.push(change);
    else {
      runs.push([change]);
      keys = new Set();
    }
    keys.add(key);
  }
  return runs;
}

/**
 * One statement for a run of upserts or deletes: the rows as a JSON array of the changes' own
 * objects, read back under their field names (`r."schoolId"`) by the table's column types.
 */
function setStatementOf(tables: Readonly<Record<string, Table>>, run: readonly AnyChange[]): { text: string; params: unknown[] } {
  const { table: name, op } = run[0];
  const table = tables[name];
  const fields = op === 'delete' ? [...table.key] : Object.keys(table.columns);
  const rows = run.map((change) => ('values' in change ? { ...change.key, ...change.values } : change.key));
  const recordset = `json_to_recordset($1::json) AS r(${fields.map((field) => `"${field}" ${sqlTypeOf(table, field)}`).join(', ')})`;
  const params = [JSON.stringify(rows)];
  if (op === 'delete')
    return { text: `DELETE FROM ${name} t USING ${recordset} WHERE ${table.key.map((field) => `t.${columnOf(field)} = r."${field}"`).join(' AND ')}`, params };
  const set = fields.filter((field) => !table.key.includes(field)).map((field) => `${columnOf(field)} = EXCLUDED.${columnOf(field)}`);
  return {
    text:
      `INSERT INTO ${name} (${fields.map(columnOf).join(', ')}) SELECT ${fields.map((field) => `r."${field}"`).join(', ')} FROM ${recordset} ` +
      `ON CONFLICT (${table.key.map(columnOf).join(', ')}) ${set.length === 0 ? 'DO NOTHING' : `DO UPDATE SET ${set.join(', ')}`}`,
    params,
  };
}

/** The SQL of one change, with a parameter per value, cast to its column's type. */
function statementOf(tables: Readonly<Record<string, Table>>, change: Exclude<AnyChange, { op: 'delete' }>): { text: string; params: unknown[] } {
  const { table: name, key } = change;
  const table = tables[name];
  const params: unknown[] = [];
  const param = (field: string, value: unknown, of = table) => {
    const type = sqlTypeOf(of, field);
    params.push(type === 'jsonb' ? JSON.stringify(value) : value);
    return `$${params.length}::${type}`;
  };
  const where = (of: Table) =>
    Object.entries(key)
      .map(([field, value]) => (value === null ? `${columnOf(field)} IS NULL` : `${columnOf(field)} = ${param(field, value, of)}`))
      .join(' AND ');
  const values = Object.entries(change.values);
  if (change.op === 'upsert') {
    const row: Record<string, unknown> = { ...change.key, ...change.values };
    const fields = Object.keys(table.columns);
    return {
      text:
        `INSERT INTO ${name} (${fields.map(columnOf).join(', ')}) VALUES (${fields.map((field) => param(field, row[field])).join(', ')}) ` +
        `ON CONFLICT (${table.key.map(columnOf).join(', ')}) ` +
        `DO UPDATE SET ${values.map(([field]) => `${columnOf(field)} = EXCLUDED.${columnOf(field)}`).join(', ')}`,
      params,
    };
  }
  if (change.op === 'copy') {
    const { from } = change;
    const fields = Object.keys(table.columns);
    const select = fields.map((field) => (field in change.values ? param(field, change.values[field]) : columnOf(field)));
    return { text: `INSERT INTO ${name} (${fields.map(columnOf).join(', ')}) SELECT ${select.join(', ')} FROM ${from} WHERE ${where(tables[from])}`, params };
  }
  const set = values.map(([field, value]) => {
    const column = columnOf(field);
    if (change.op === 'update') return `${column} = ${param(field, value)}`;
    return `${column} = ${column} ${sqlTypeOf(table, field) === 'integer' ? '+' : '||'} ${param(field, value)}`;
  });
  return { text: `UPDATE ${name} SET ${set.join(', ')} WHERE ${where(table)}`, params };
}

/** The field's SQL type, without ` null`. */
export const sqlTypeOf = (table: Table, field: string): SqlType => table.columns[field].replace(/ null$/, '') as SqlType;
