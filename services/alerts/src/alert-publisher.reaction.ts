import { alertAggregate, AlertEvent, fold, parseEvent } from '@turnaround/domain';
import { EventStore, Reaction } from '@turnaround/event-store';
import { MessageBus, OutgoingMessage } from '@turnaround/messaging';

const PUBLISHED = new Set(['OffTrackAlertRaised', 'OffTrackAlertResolved']);

/**
 * Publishes every `OffTrackAlertRaised` / `OffTrackAlertResolved` to the alerts topic, keyed
 * by district, from a checkpointed subscription (never right after an append): the checkpoint
 * moves only after the broker has the messages, so a publisher killed at any point publishes
 * again what it had not confirmed. Consumers de-duplicate by the `alertId` and `eventId` headers.
 */
export function alertPublisher(store: EventStore, bus: MessageBus, topic: string): Reaction {
  return {
    name: 'alert-publisher',
    async react(events) {
      const messages: OutgoingMessage[] = [];
      for (const stored of events) {
        if (!PUBLISHED.has(stored.type)) continue;
        const event = parseEvent(stored.type, stored.schemaVersion, stored.data) as AlertEvent;
        // A resolution carries only the alert id: the district comes from the alert itself.
        const alert = event.type === 'OffTrackAlertRaised' ? event.data : await alertOf(store, event.data.alertId);
        messages.push({
          key: alert.districtId,
          value: JSON.stringify({ type: event.type, ...alert, ...event.data, recordedAt: stored.metadata.recordedAt }),
          headers: { alertId: event.data.alertId, eventId: stored.eventId, type: event.type },
        });
      }
      await bus.publish(topic, messages);
    },
  };
}

async function alertOf(store: EventStore, alertId: string) {
  const stream = await store.readStream(alertAggregate.streamId(alertId));
  const alert = fold(alertAggregate, stream.map((event) => parseEvent(event.type, event.schemaVersion, event.data) as AlertEvent));
  if (!alert.exists) throw new Error(`alert ${alertId} was resolved but never raised`);
  const { status: _status, acknowledgements: _acknowledgements, exists: _exists, ...raised } = alert;
  return raised;
}
