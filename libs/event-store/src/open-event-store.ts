import { SqlClient } from '@turnaround/postgres';
import { EventStore } from './event-store.port';
import { EventStoreDbEventStore } from './eventstoredb/eventstoredb-event-store.adapter';
import { PostgresEventStore } from './postgres/postgres-event-store.adapter';

/**
 * The event store the configuration names: EventStoreDB/KurrentDB when `eventstoreUrl` is set,
 * otherwise the log in the same database as the read model. Closing the store closes `sql` too.
 * `clock` stamps knowledge times on PostgreSQL (the demo loads its history with one it sets);
 * KurrentDB stamps them with its own.
 */
export async function openEventStore(sql: SqlClient, options: { eventstoreUrl?: string; clock?: () => Date }): Promise<EventStore> {
  if (!options.eventstoreUrl) return PostgresEventStore.create(sql, { clock: options.clock });
  return EventStoreDbEventStore.connect(options.eventstoreUrl, { alsoClose: () => sql.close() });
}
