import { ALERT_EVENTS } from '@turnaround/domain';
import { EventStore, Reaction } from '@turnaround/event-store';
import { MessageBus, OutgoingMessage } from '@turnaround/messaging';
import { AlertMessageSettings } from '@turnaround/platform';
import { alertTopicMessage } from './alert-cloud-event';
import { alertNotice } from './alert-notice';

/**
 * Publishes every alert event to the alerts topic, once per district the alert concerns and
 * keyed by that district, as a CloudEvent in binary mode (or the legacy shape, by
 * ALERT_MESSAGE_FORMAT), from a checkpointed subscription (never right after an append): the checkpoint
 * moves only after the broker has the messages, so a publisher killed at any point publishes
 * again what it had not confirmed. Consumers de-duplicate by the event's id (`ce_id`; `eventId` in the legacy shape).
 */
export function alertPublisher(store: EventStore, bus: MessageBus, topic: string, settings: AlertMessageSettings): Reaction {
  return {
    name: 'alert-publisher',
    // every change of an alert leaves the service: raised, acknowledged, resolved, reopened
    eventTypes: ALERT_EVENTS.types,
    async react(events) {
      const messages: OutgoingMessage[] = [];
      for (const stored of events) {
        const notice = await alertNotice(store, stored);
        for (const districtId of notice.districtIds) messages.push(alertTopicMessage(notice.body, districtId, settings));
      }
      await bus.publish(topic, messages);
    },
  };
}
