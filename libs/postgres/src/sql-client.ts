/**
 * The one way the service talks SQL, on a PostgreSQL server (`pg`) or on PGlite, the WASM build
 * of PostgreSQL that is the embedded default. Both speak the same dialect; the adapters make
 * them return the same JavaScript types (int8 as number, jsonb as objects).
 */
export interface SqlExecutor {
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<Row[]>;
}

export interface SqlClient extends SqlExecutor {
  readonly kind: 'postgres' | 'pglite';
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Calls `onNotify` on every NOTIFY on `channel` (from any process on a server); returns the way to stop. */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/**
 * Whether PostgreSQL aborted a transaction to break a deadlock (SQLSTATE 40P01): it was rolled
 * back whole, so it may be run again. Both adapters keep the server's error code.
 */
export function isDeadlock(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '40P01';
}
