import { AlertEvent, parseEvent } from '@turnaround/domain';
import { Projection } from '@turnaround/event-store';

const ALERT_TYPES = new Set(['OffTrackAlertRaised', 'OffTrackAlertAcknowledged', 'OffTrackAlertResolved']);

/** The `alerts` table: every alert with its status, what the districts and the state office list. */
export const alertsProjection: Projection = {
  name: 'alerts',
  eventTypes: ALERT_TYPES,
  tables: ['alerts'],
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
  ],
  async apply(tx, events) {
    for (const stored of events) {
      const event = parseEvent(stored.type, stored.schemaVersion, stored.data) as AlertEvent;
      const at = stored.metadata.recordedAt;
      switch (event.type) {
        case 'OffTrackAlertRaised': {
          const a = event.data;
          await tx.query(
            `INSERT INTO alerts (alert_id, school_id, cluster_id, contract_id, partner_id, district_id, metric, contract_year, school_year,
               checkpoint, target, actual, severity, status, raised_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'open', $14)`,
            [a.alertId, a.schoolId ?? null, a.clusterId ?? null, a.contractId, a.partnerId, a.districtId, a.metric, a.contractYear, a.schoolYear, a.checkpoint, a.target, a.actual, a.severity, at],
          );
          break;
        }
        case 'OffTrackAlertAcknowledged':
          await tx.query(
            `UPDATE alerts SET status = CASE WHEN status = 'resolved' THEN status ELSE 'acknowledged' END,
               acknowledgements = acknowledgements || jsonb_build_array(jsonb_build_object('by', $2::text, 'note', $3::text, 'at', $4::text))
             WHERE alert_id = $1`,
            [event.data.alertId, event.data.by, event.data.note, at],
          );
          break;
        case 'OffTrackAlertResolved':
          await tx.query(`UPDATE alerts SET status = 'resolved', resolved_at = $2, resolution = $3 WHERE alert_id = $1`, [event.data.alertId, at, event.data.reason]);
          break;
      }
    }
  },
};
