import { SqlExecutor } from '@turnaround/postgres';
import { EventStore, StoredEvent } from '../event-store.port';
import { readLog } from './event-store.contract';

/**
 * The whole log of a PostgreSQL event store, once readAll shows every event stored so far. It
 * holds events back while an older transaction is open anywhere on the server, and suites run
 * side by side there: a catch-up started right after an append may stop short of it. Tests
 * wait on this before they catch up or compare.
 */
export async function wholeLog(store: EventStore, sql: SqlExecutor): Promise<StoredEvent[]> {
  const [{ count }] = await sql.query<{ count: number }>('SELECT count(*)::int AS count FROM es_events');
  return readLog(store, count);
}
