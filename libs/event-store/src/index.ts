export * from './event-store.port';
export * from './postgres/postgres-event-store.adapter';
export * from './projection/log-follower';
export * from './projection/rebuild';
export * from './as-of';
export * from './eventstoredb/eventstoredb-event-store.adapter';
export * from './open-event-store';
