import { AlertEvent, OffTrackAlertRaised } from '../events/alert-events';
import { IllegalStateError, NotFoundError } from '../errors';
import { Aggregate } from '../registry/aggregate';

export type Alert =
  | { exists: false }
  | ({
      exists: true;
      status: 'open' | 'acknowledged' | 'resolved';
      acknowledgements: { by: string; note: string }[];
      /** The line's value at the alert's last change: the one that raised or reopened it, then the one that resolved it (null: no value did). */
      actual: number | null;
      /** The value that raised it, or reopened it last: what it was raised about, kept once it is resolved. */
      raisedActual: number;
    } & Omit<OffTrackAlertRaised['data'], 'actual'>);

/**
 * One alert: `alert-{alertId}`. Raised by the alerting service; acknowledged by its districts;
 * resolved, and reopened, by the facts.
 */
export const alertAggregate: Aggregate<Alert, AlertEvent> = {
  streamId: (alertId) => `alert-${alertId}`,
  initialState: () => ({ exists: false }),
  evolve: (state, event) => {
    if (event.type === 'OffTrackAlertRaised') return { exists: true, status: 'open', acknowledgements: [], ...event.data, raisedActual: event.data.actual };
    if (!state.exists) return state;
    switch (event.type) {
      case 'OffTrackAlertAcknowledged':
        return {
          ...state,
          status: state.status === 'resolved' ? 'resolved' : 'acknowledged',
          acknowledgements: [...state.acknowledgements, { by: event.data.by, note: event.data.note }],
        };
      case 'OffTrackAlertResolved':
        return { ...state, status: 'resolved', actual: event.data.actual };
      case 'OffTrackAlertReopened':
        return { ...state, status: 'open', actual: event.data.actual, raisedActual: event.data.actual, severity: event.data.severity };
    }
  },
};

/** A district acknowledges an alert with a note, by its key (`by`: the key's id and the name it was issued to); a resolved alert takes no acknowledgement. */
export function decideAcknowledgement(alert: Alert, alertId: string, by: { keyId: string; name: string }, note: string): AlertEvent[] {
  if (!alert.exists) throw new NotFoundError('alert', alertId);
  if (alert.status === 'resolved') throw new IllegalStateError(`alert '${alertId}' is resolved: there is nothing left to acknowledge`);
  return [{ type: 'OffTrackAlertAcknowledged', data: { alertId, by: by.keyId, byName: by.name, note } }];
}
