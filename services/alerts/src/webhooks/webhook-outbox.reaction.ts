import { ALERT_EVENTS } from '@turnaround/domain';
import { EventStore, Reaction } from '@turnaround/event-store';
import { alertNotice } from '../alert-notice';
import { WebhookStore } from './webhook-store';

/**
 * Fills the webhook outbox from a checkpointed subscription: one delivery per alert event
 * (raised, acknowledged, resolved, reopened) and webhook of each district the alert concerns. Handing a batch over
 * again adds nothing (one row per webhook and event).
 */
export function webhookOutbox(store: EventStore, webhooks: WebhookStore): Reaction {
  return {
    name: 'webhook-outbox',
    // every change of an alert leaves the service: raised, acknowledged, resolved, reopened
    eventTypes: ALERT_EVENTS.types,
    async react(events) {
      for (const stored of events) {
        const notice = await alertNotice(store, stored);
        for (const districtId of notice.districtIds) await webhooks.enqueue(districtId, notice.eventId, notice.body);
      }
    },
  };
}
