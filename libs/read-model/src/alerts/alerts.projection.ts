import { ALERT_EVENTS } from '@turnaround/domain';
import { Projection } from '@turnaround/event-store';

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
 * raised it as `raised_actual`.
 */
export const alertsProjection: Projection = {
  name: 'alerts',
  eventTypes: ALERT_EVENTS.types,
  tables: ['alerts', 'alert_history'],
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
  async apply(tx, events) {
    for (const stored of events) {
      const event = ALERT_EVENTS.decode(stored);
      const at = stored.metadata.recordedAt;
      switch (event.type) {
        case 'OffTrackAlertRaised': {
          const a = event.data;
          await tx.query(
            `INSERT INTO alerts (alert_id, school_id, cluster_id, contract_id, partner_id, district_ids, metric, contract_year, school_year,
               checkpoint, target, actual, raised_actual, severity, status, raised_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, 'open', $14)`,
            [a.alertId, a.schoolId ?? null, a.clusterId ?? null, a.contractId, a.partnerId, a.districtIds, a.metric, a.contractYear, a.schoolYear, a.checkpoint, a.target, a.actual, a.severity, at],
          );
          break;
        }
        case 'OffTrackAlertAcknowledged':
          await tx.query(
            `UPDATE alerts SET status = CASE WHEN status = 'resolved' THEN status ELSE 'acknowledged' END,
               acknowledgements = acknowledgements || jsonb_build_array(jsonb_build_object('by', $2::text, 'byName', $5::text, 'note', $3::text, 'at', $4::text))
             WHERE alert_id = $1`,
            [event.data.alertId, event.data.by, event.data.note, at, event.data.byName],
          );
          break;
        case 'OffTrackAlertResolved':
          await tx.query(`UPDATE alerts SET status = 'resolved', resolved_at = $2, resolution = $3, actual = $4 WHERE alert_id = $1`, [
            event.data.alertId,
            at,
            event.data.reason,
            event.data.actual,
          ]);
          break;
        case 'OffTrackAlertReopened':
          await tx.query(`UPDATE alerts SET status = 'open', resolved_at = NULL, resolution = NULL, actual = $2, raised_actual = $2, severity = $3 WHERE alert_id = $1`, [
            event.data.alertId,
            event.data.actual,
            event.data.severity,
          ]);
          break;
      }
      // The alert as it stands after this event, known from the event's knowledge time on.
      await tx.query(
        `INSERT INTO alert_history SELECT a.*, $2::timestamptz, stream.revision FROM alerts a, (SELECT $3::integer AS revision) stream WHERE a.alert_id = $1`,
        [event.data.alertId, at, stored.revision],
      );
    }
  },
};
