import { AlertEvent, exhaustive } from '@turnaround/domain';
import { AlertRowChange } from './alerts.tables';

/**
 * The alerts' rows an alert event changes, the event known from `knownAt` (its `recordedAt`)
 * and `sequence` its revision in the alert's stream. Pure: every change is keyed by the alert's
 * id, so no row is read to plan it, and a rebuild can plan from the log alone. After the
 * alert's own changes comes its history row: a copy of the alert as they left it.
 */
export function planAlertChanges(event: AlertEvent, knownAt: string, sequence: number): AlertRowChange[] {
  const { alertId } = event.data;
  return [...alertChanges(event, knownAt), { table: 'alert_history', op: 'copy', from: 'alerts', key: { alertId }, values: { knownAt, sequence } }];
}

/** The changes to the alert's row in `alerts`. */
function alertChanges(event: AlertEvent, knownAt: string): AlertRowChange[] {
  const { alertId } = event.data;
  switch (event.type) {
    case 'OffTrackAlertRaised': {
      const { schoolId, clusterId, contractId, partnerId, districtIds, metric, contractYear, schoolYear, checkpoint, target, actual, severity } = event.data;
      return [
        {
          table: 'alerts',
          op: 'upsert',
          key: { alertId },
          values: {
            schoolId: schoolId ?? null,
            clusterId: clusterId ?? null,
            contractId,
            partnerId,
            districtIds,
            metric,
            contractYear,
            schoolYear,
            checkpoint,
            target,
            actual,
            raisedActual: actual,
            severity,
            status: 'open',
            raisedAt: knownAt,
            resolvedAt: null,
            resolution: null,
            acknowledgements: [],
          },
        },
      ];
    }
    case 'OffTrackAlertAcknowledged': {
      // An open alert becomes acknowledged; an acknowledged one stays so, and a resolved one resolved: only the open row changes status.
      const { by, byName, note } = event.data;
      return [
        { table: 'alerts', op: 'update', key: { alertId, status: 'open' }, values: { status: 'acknowledged' } },
        { table: 'alerts', op: 'extend', key: { alertId }, values: { acknowledgements: [{ by, byName, note, at: knownAt }] } },
      ];
    }
    case 'OffTrackAlertResolved':
      return [
        {
          table: 'alerts',
          op: 'update',
          key: { alertId },
          values: { status: 'resolved', resolvedAt: knownAt, resolution: event.data.reason, actual: event.data.actual },
        },
      ];
    case 'OffTrackAlertReopened': {
      const { actual, severity } = event.data;
      return [
        {
          table: 'alerts',
          op: 'update',
          key: { alertId },
          values: { status: 'open', resolvedAt: null, resolution: null, actual, raisedActual: actual, severity },
        },
      ];
    }
    default:
      return exhaustive(event);
  }
}
