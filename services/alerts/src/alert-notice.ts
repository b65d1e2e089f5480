import { ALERT_EVENTS, alertAggregate, foldStream } from '@turnaround/domain';
import { EventStore, StoredEvent } from '@turnaround/event-store';
import { AlertMessageData } from '@turnaround/platform';

export interface AlertNotice {
  /** Every district with a school the alert concerns: each is told. */
  districtIds: string[];
  eventId: string;
  type: string;
  /**
   * The alert as it stood after this event, with what the event adds (reason, note), and when
   * it was recorded. A resolution's `actual` is the value that resolved it (null for a
   * withdrawal), and `raisedActual` the value that raised it.
   */
  body: AlertMessageData;
}

/** What a district is told about one alert event: the whole alert, not only the event's fields. */
export async function alertNotice(store: EventStore, stored: StoredEvent): Promise<AlertNotice> {
  const event = ALERT_EVENTS.decode(stored);
  // Acknowledgements and resolutions carry little more than the alert id: the rest comes from the alert itself.
  const alert =
    event.type === 'OffTrackAlertRaised' ? { ...event.data, raisedActual: event.data.actual } : await alertAfter(store, event.data.alertId, stored.revision);
  return {
    districtIds: alert.districtIds,
    eventId: stored.eventId,
    type: event.type,
    body: { type: event.type, ...alert, ...event.data, eventId: stored.eventId, recordedAt: stored.metadata.recordedAt },
  };
}

/** The alert as its events up to `revision` left it: a notice sent late says what the event said, not what came after. */
async function alertAfter(store: EventStore, alertId: string, revision: number) {
  const stream = await store.readStream(alertAggregate.streamId(alertId));
  const alert = foldStream(
    alertAggregate,
    stream.filter((event) => event.revision <= revision),
  );
  if (!alert.exists) throw new Error(`alert ${alertId} has events but was never raised`);
  const { status: _status, acknowledgements: _acknowledgements, exists: _exists, ...raised } = alert;
  return raised;
}
