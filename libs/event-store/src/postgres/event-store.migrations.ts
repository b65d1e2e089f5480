import { Migration } from '@turnaround/postgres';

export const EVENT_STORE_MIGRATIONS: readonly Migration[] = [
  {
    id: '0001-events',
    sql: `
      CREATE TABLE es_streams (
        stream_id text PRIMARY KEY,
        revision bigint NOT NULL
      );
      -- transaction_id orders the log together with global_position: a reader only takes
      -- events of transactions older than every running one, so a slow writer whose sequence
      -- values were handed out early is never skipped (see postgres-event-store.adapter.ts).
      CREATE TABLE es_events (
        global_position bigserial PRIMARY KEY,
        transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
        stream_id text NOT NULL,
        stream_revision bigint NOT NULL,
        event_id uuid NOT NULL UNIQUE,
        event_type text NOT NULL,
        schema_version integer NOT NULL,
        data jsonb NOT NULL,
        metadata jsonb NOT NULL,
        recorded_at timestamptz NOT NULL,
        UNIQUE (stream_id, stream_revision)
      );
      CREATE INDEX es_events_log_order ON es_events (transaction_id, global_position);
      CREATE INDEX es_events_recorded_at ON es_events (recorded_at);

      -- Events are immutable: corrections are new events.
      CREATE FUNCTION es_events_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'events are immutable: % on es_events is not allowed', TG_OP;
      END $$;
      CREATE TRIGGER es_events_immutable BEFORE UPDATE OR DELETE ON es_events
        FOR EACH ROW EXECUTE FUNCTION es_events_are_immutable();
    `,
  },
  {
    // No query reads events by recorded_at (a replay "as of" a date filters the log as it reads
    // it), and the index cost every append about a tenth of its time.
    id: '0002-drop-recorded-at-index',
    sql: `DROP INDEX es_events_recorded_at;`,
  },
  {
    // The log is written and read whole, never searched inside (a test's count by a metadata
    // field reads json alike). As json the server keeps each event's text as written rather
    // than converting it to jsonb's binary form and back: on 149k events an append's COPY took
    // a fifth less, and a read of the log half the server's time. The one rewrite of the table
    // runs once, when an upgraded service first starts.
    id: '0003-json-log',
    sql: `ALTER TABLE es_events ALTER COLUMN data TYPE json USING data::json, ALTER COLUMN metadata TYPE json USING metadata::json;`,
  },
  {
    // The log's clock: the last knowledge time an append stamped, which the next may not go
    // below. It starts from the latest time an upgraded log holds.
    id: '0004-log-clock',
    sql: `
      CREATE TABLE es_log_clock (only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row), stamped_at timestamptz NOT NULL);
      INSERT INTO es_log_clock (stamped_at) SELECT coalesce(max(recorded_at), '-infinity') FROM es_events;`,
  },
];
