import { textArrayLiteral, SqlExecutor } from '@turnaround/postgres';
import { AnyChange, columnOf, RowChange, sqlTypeOf, Table } from './row-changes';

type Row = Record<string, unknown>;

/**
 * Tables held in memory while a rebuild folds the log (read-side.ts): the rows of each table by
 * primary key, changed by the same planned row changes the SQL writer applies, with the same
 * meaning (`upsert`, `delete`, `update` and `extend` of the rows whose fields equal a key,
 * `copy`). Fields hold what a row change holds: a timestamptz as its ISO text, jsonb as the
 * value. `indexes` names, per table, the fields rows are also found by (`rowsBy`), kept as rows
 * change. Once the fold is done, `copyInto` loads every table into the database by COPY.
 */
export class MemoryTables<Tables extends Record<string, Table>> {
  private readonly rows = new Map<string, Map<string, Row>>();
  private readonly indexes = new Map<string, { fields: readonly string[]; rows: Map<string, Set<Row>> }[]>();

  constructor(
    private readonly tables: Tables,
    indexes: { [Name in keyof Tables]?: readonly (readonly (keyof Tables[Name]['columns'] & string)[])[] } = {},
  ) {
    for (const name of Object.keys(tables)) {
      this.rows.set(name, new Map());
      this.indexes.set(
        name,
        (indexes[name] ?? []).map((fields) => ({ fields, rows: new Map() })),
      );
    }
  }

  /** Applies the changes in order, as `writeRowChanges` does in SQL. */
  apply(changes: readonly RowChange<Tables>[]): void {
    for (const change of changes as readonly AnyChange[]) {
      const table = this.tables[change.table];
      switch (change.op) {
        case 'upsert':
          this.put(change.table, { ...change.key, ...change.values });
          break;
        case 'delete':
          this.remove(change.table, this.rowsOf(change.table).get(keyOf(table.key, change.key)));
          break;
        case 'update':
          for (const row of this.matching(change.table, change.key)) this.put(change.table, { ...row, ...change.values });
          break;
        case 'extend':
          for (const row of this.matching(change.table, change.key)) {
            const grown = { ...row };
            for (const [field, value] of Object.entries(change.values))
              grown[field] = typeof value === 'number' ? (row[field] as number) + value : [...(row[field] as unknown[]), ...(value as unknown[])];
            this.put(change.table, grown);
          }
          break;
        case 'copy':
          for (const row of this.matching(change.from, change.key)) this.put(change.table, pick({ ...row, ...change.values }, table));
          break;
      }
    }
  }

  /** The row of `name` with primary key `key`. */
  row<Name extends keyof Tables & string>(name: Name, key: Readonly<Row>): Row | undefined {
    return this.rowsOf(name).get(keyOf(this.tables[name].key, key));
  }

  /** Every row of `name`, in the order they were first written. */
  all(name: keyof Tables & string): IterableIterator<Row> {
    return this.rowsOf(name).values();
  }

  /** The rows of `name` whose `fields` (an index declared for it) equal `values`. */
  rowsBy(name: keyof Tables & string, fields: readonly string[], values: readonly unknown[]): ReadonlySet<Row> {
    const index = (this.indexes.get(name) ?? []).find((candidate) => candidate.fields.join() === fields.join());
    if (!index) throw new Error(`table ${name} has no index on (${fields.join(', ')})`);
    return index.rows.get(JSON.stringify(values)) ?? new Set();
  }

  /** Loads every table's rows into the tables of the same names that `tx` sees (empty, as a rebuild's migrations made them). */
  async copyInto(tx: SqlExecutor): Promise<void> {
    for (const [name, rows] of this.rows) {
      const table = this.tables[name];
      const fields = Object.keys(table.columns);
      if (rows.size === 0) continue;
      const values = function* () {
        for (const row of rows.values()) yield fields.map((field) => copyValueOf(table, field, row[field]));
      };
      await tx.copyFrom(name, fields.map(columnOf), values());
    }
  }

  private rowsOf(name: string): Map<string, Row> {
    return this.rows.get(name) as Map<string, Row>;
  }

  private matching(name: string, key: Readonly<Row>): Row[] {
    const fields = Object.entries(key);
    return [...this.rowsOf(name).values()].filter((row) => fields.every(([field, value]) => row[field] === value));
  }

  private put(name: string, row: Row): void {
    const key = keyOf(this.tables[name].key, row);
    this.remove(name, this.rowsOf(name).get(key));
    this.rowsOf(name).set(key, row);
    for (const { fields, rows } of this.indexes.get(name) ?? []) {
      const value = JSON.stringify(fields.map((field) => row[field]));
      rows.set(value, (rows.get(value) ?? new Set()).add(row));
    }
  }

  private remove(name: string, row: Row | undefined): void {
    if (!row) return;
    this.rowsOf(name).delete(keyOf(this.tables[name].key, row));
    for (const { fields, rows } of this.indexes.get(name) ?? []) rows.get(JSON.stringify(fields.map((field) => row[field])))?.delete(row);
  }
}

const keyOf = (key: readonly string[], row: Readonly<Row>): string => JSON.stringify(key.map((field) => row[field]));

/** The fields of `row` that `table` has. */
function pick(row: Row, table: Table): Row {
  return Object.fromEntries(Object.keys(table.columns).map((field) => [field, row[field]]));
}

/** A field as COPY takes it: a text[] as PostgreSQL's array literal, jsonb as its JSON, anything else as it is. */
function copyValueOf(table: Table, field: string, value: unknown): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  const type = sqlTypeOf(table, field);
  if (type === 'text[]') return textArrayLiteral(value as readonly string[]);
  return type === 'jsonb' ? JSON.stringify(value) : (value as string | number | boolean);
}
