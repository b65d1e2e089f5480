import { CopyValue } from './copy-text';

/**
 * The one way the service talks SQL, on a PostgreSQL server (`pg`) or on PGlite, the WASM build
 * of PostgreSQL that is the embedded default. Both speak the same dialect; the adapters make
 * them return the same JavaScript types (int8 as number, jsonb as objects).
 */
export interface SqlExecutor {
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<Row[]>;
  /**
   * Loads rows into `columns` of `table` (an unqualified name, found by the search path) with
   * `COPY ... FROM STDIN`, in the order given; the columns left out take their defaults. The
   * bulk path: no statement per row, and no JSON document to take apart on the server.
   */
  copyFrom(table: string, columns: readonly string[], rows: Iterable<readonly CopyValue[]>): Promise<void>;
}

export interface SqlClient extends SqlExecutor {
  readonly kind: 'postgres' | 'pglite';
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Calls `onNotify` on every NOTIFY on `channel` (from any process on a server); returns the way to stop. */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** The SQLSTATE codes the service acts on. */
export const SQLSTATE = {
  /** A unique key refused a row: the statement failed whole. */
  uniqueViolation: '23505',
  /** PostgreSQL aborted the transaction to break a deadlock; it was rolled back whole, and is worth trying again. */
  deadlock: '40P01',
  /** A lock was not to be had now (TimescaleDB: a continuous aggregate another session is refreshing): worth trying again. */
  lockNotAvailable: '55P03',
} as const;

/** The SQLSTATE of a failed statement (both adapters keep the server's code), if it has one. */
export function sqlStateOf(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** A name as a quoted SQL identifier. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
