import { ALERT_EVENTS } from '@turnaround/domain';
import { Projection } from '@turnaround/event-store';
import { writeRowChanges } from '../rows/row-changes';
import { planAlertChanges } from './alerts.planner';
import { ALERTS_TABLES } from './alerts.tables';

const ALERT_COLUMNS = `alert_id text NOT NULL, school_id text, cluster_id text, contract_id text NOT NULL, partner_id text NOT NULL,
  district_ids text[] NOT NULL, metric text NOT NULL, contract_year integer NOT NULL, school_year text NOT NULL,
  checkpoint text NOT NULL, target double precision NOT NULL, actual double precision NOT NULL, severity text NOT NULL,
  status text NOT NULL CHECK (status IN ('open', 'acknowledged', 'resolved')),
  raised_at timestamptz NOT NULL, resolved_at timestamptz, resolution text,
  acknowledgements jsonb NOT NULL DEFAULT '[]'`;

/**
 * From 0004: `actual` is the line's value at the alert's last change (the value that raised or
 * reopened it, then the one that resolved it; null when no value resolved it: a withdrawal, or
 * a resolution stored before resolutions carried their value), and `raised_actual` the value
 * that raised it or reopened it last, kept once it is resolved.
 */
const ALERT_COLUMNS_WITH_RESOLVING_VALUE = `alert_id text NOT NULL, school_id text, cluster_id text, contract_id text NOT NULL, partner_id text NOT NULL,
  district_ids text[] NOT NULL, metric text NOT NULL, contract_year integer NOT NULL, school_year text NOT NULL,
  checkpoint text NOT NULL, target double precision NOT NULL, actual double precision, raised_actual double precision NOT NULL, severity text NOT NULL,
  status text NOT NULL CHECK (status IN ('open', 'acknowledged', 'resolved')),
  raised_at timestamptz NOT NULL, resolved_at timestamptz, resolution text,
  acknowledgements jsonb NOT NULL DEFAULT '[]'`;

// With TimescaleDB the history is a hypertable by knowledge time, whose unique indexes must
// hold the time: the key gains known_at. It refuses the same rows as before, since a sequence
// (the alert stream's revision) is one event with one knowledge time. History older than a
// month goes to the columnstore. Elsewhere the table stays as it was.
const ALERT_HISTORY_HYPERTABLE = `
        DO $$ BEGIN
          IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
            ALTER TABLE alert_history DROP CONSTRAINT alert_history_pkey, ADD PRIMARY KEY (alert_id, sequence, known_at);
            PERFORM create_hypertable('alert_history', by_range('known_at', INTERVAL '30 days'), migrate_data => true);
            ALTER TABLE alert_history SET (timescaledb.enable_columnstore,
              timescaledb.segmentby = 'contract_id', timescaledb.orderby = 'alert_id, sequence, known_at DESC');
            CALL add_columnstore_policy('alert_history', after => INTERVAL '30 days');
          END IF;
        END $$;`;

/**
 * The `alerts` table: every alert with its status, what the districts and the state office
 * list; `alert_history`: the alert after each of its events, by knowledge time, for reads as of
 * a date. An alert's districts are every district with a school it concerns. A resolved alert
 * shows the value that resolved it as `actual` (null for a withdrawal), and the value that
 * raised it as `raised_actual`. Each event's rows are planned (alerts.planner.ts) and written
 * here; `ALERTS_TABLES` lists the columns the migrations end with.
 */
export const alertsProjection: Projection = {
  name: 'alerts',
  eventTypes: ALERT_EVENTS.types,
  tables: Object.keys(ALERTS_TABLES),
  migrations: [
    {
      id: '0001-alerts',
      sql: `
        CREATE TABLE alerts (
          alert_id text PRIMARY KEY, school_id text, cluster_id text, contract_id text NOT NULL, partner_id text NOT NULL,
          district_id text NOT NULL, metric text NOT NULL, contract_year integer NOT NULL, school_year text NOT NULL,
          checkpoint text NOT NULL, target double precision NOT NULL, actual double precision NOT NULL, severity text NOT NULL,
          status text NOT NULL CHECK (status IN ('open', 'acknowledged', 'resolved')),
          raised_at timestamptz NOT NULL, resolved_at timestamptz, resolution text,
          acknowledgements jsonb NOT NULL DEFAULT '[]');
        CREATE INDEX alerts_district_status ON alerts (district_id, status);`,
    },
    {
      // An alert now goes to every district of its cluster: rebuilt from the log (alert events v1 read as v2).
      id: '0002-alerts-by-districts',
      sql: `
        DROP TABLE alerts;
        DELETE FROM projection_checkpoints WHERE projection = 'alerts';
        CREATE TABLE alerts (${ALERT_COLUMNS}, PRIMARY KEY (alert_id));
        CREATE INDEX alerts_districts ON alerts USING gin (district_ids);
        CREATE INDEX alerts_contract ON alerts (contract_id);
        CREATE TABLE alert_history (${ALERT_COLUMNS}, known_at timestamptz NOT NULL, sequence integer NOT NULL,
          PRIMARY KEY (alert_id, sequence));`,
    },
    { id: '0003-alert-history-hypertable', sql: ALERT_HISTORY_HYPERTABLE },
    {
      // A resolution carries the value that resolved it (OffTrackAlertResolved v2): rebuilt
      // from the log, as 0002 was, so a table upgraded in place equals one built from zero.
      id: '0004-alerts-resolving-value',
      sql: `
        DROP TABLE alert_history;
        DROP TABLE alerts;
        DELETE FROM projection_checkpoints WHERE projection = 'alerts';
        CREATE TABLE alerts (${ALERT_COLUMNS_WITH_RESOLVING_VALUE}, PRIMARY KEY (alert_id));
        CREATE INDEX alerts_districts ON alerts USING gin (district_ids);
        CREATE INDEX alerts_contract ON alerts (contract_id);
        CREATE TABLE alert_history (${ALERT_COLUMNS_WITH_RESOLVING_VALUE}, known_at timestamptz NOT NULL, sequence integer NOT NULL,
          PRIMARY KEY (alert_id, sequence));
        ${ALERT_HISTORY_HYPERTABLE}`,
    },
  ],
  // An acknowledgement's `extend` appends to the row: it relies on the runner applying each event once, moving the checkpoint in the same transaction.
  async apply(tx, events) {
    const changes = events.flatMap((stored) => planAlertChanges(ALERT_EVENTS.decode(stored), stored.metadata.recordedAt, stored.revision));
    await writeRowChanges(tx, ALERTS_TABLES, changes);
  },
};
