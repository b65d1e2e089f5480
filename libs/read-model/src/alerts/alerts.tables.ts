import { RowChange, table } from '../rows/row-changes';

/**
 * An alert's fields, as migration 0004 (alerts.projection.ts) made them: `actual` is the line's
 * value at the alert's last change (null when no value resolved it), `raisedActual` the value
 * that raised or last reopened it; `acknowledgements` lists who acknowledged it, when, and why.
 */
const ALERT = {
  alertId: 'text',
  schoolId: 'text null',
  clusterId: 'text null',
  contractId: 'text',
  partnerId: 'text',
  districtIds: 'text[]',
  metric: 'text',
  contractYear: 'integer',
  schoolYear: 'text',
  checkpoint: 'text',
  target: 'double precision',
  actual: 'double precision null',
  raisedActual: 'double precision',
  severity: 'text',
  status: 'text',
  raisedAt: 'timestamptz',
  resolvedAt: 'timestamptz null',
  resolution: 'text null',
  acknowledgements: 'jsonb',
} as const;

/**
 * The alerts' tables, each as its migrations made it. The migrations stay the tables' history;
 * the adapter suite holds these lists to the columns a migrated database has.
 */
export const ALERTS_TABLES = {
  alerts: table(ALERT, ['alertId']),
  /**
   * The alert after each of its events, known from `knownAt`; `sequence` is the event's revision
   * in the alert's stream. With TimescaleDB the primary key also holds `knownAt` (migration 0003).
   */
  alert_history: table({ ...ALERT, knownAt: 'timestamptz', sequence: 'integer' }, ['alertId', 'sequence']),
};

/** A change the alerts read model plans to one of its tables. */
export type AlertRowChange = RowChange<typeof ALERTS_TABLES>;
