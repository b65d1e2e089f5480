import { ALERT_EVENTS, alertAggregate, foldStream } from '@turnaround/domain';
import { EventStore, StoredEvent } from '@turnaround/event-store';


export interface AlertNotice {
  /** Every district with a school the alert concerns: each is told. */
  districtIds: string[];
  eventId: string;
  type: string;
  /** The alert as raised, with what this event adds (reason, note), and when it was recorded. */
  body: Record<string, unknown>;
}

/** What a district is told about one alert event: the whole alert, not only the event's fields. */
export async function alertNotice(store: EventStore, stored: StoredEvent): Promise<AlertNotice> {
  const event = ALERT_EVENTS.decode(stored);
  // Acknowledgements and resolutions carry only the alert id: the rest comes from the alert itself.
  const alert = event.type === 'OffTrackAlertRaised' ? event.data : await raisedAlert(store, event.data.alertId);
  return {
    districtIds: alert.districtIds,
    eventId: stored.eventId,
    type: event.type,
    body: { type: event.type, ...alert, ...event.data, eventId: stored.eventId, recordedAt: stored.metadata.recordedAt },
  };
}

async function raisedAlert(store: EventStore, alertId: string) {
  const stream = await store.readStream(alertAggregate.streamId(alertId));
  const alert = foldStream(alertAggregate, stream);
  if (!alert.exists) throw new Error(`alert ${alertId} has events but was never raised`);
  const { status: _status, acknowledgements: _acknowledgements, exists: _exists, ...raised } = alert;
  return raised;
}
