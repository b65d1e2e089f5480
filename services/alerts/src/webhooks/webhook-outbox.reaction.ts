import { EventStore, Reaction } from '@turnaround/event-store';
import { alertNotice, NOTIFIED } from '../alert-notice';
import { WebhookStore } from './webhook-store';

/**
 * Fills the webhook outbox from a checkpointed subscription: one delivery per alert event
 * (raised, acknowledged, resolved, reopened) and webhook of each district the alert concerns. Handing a batch over
 * again adds nothing (one row per webhook and event).
 */
export function webhookOutbox(store: EventStore, webhooks: WebhookStore): Reaction {
  return {
    name: 'webhook-outbox',
    eventTypes: NOTIFIED,
    async react(events) {
      for (const stored of events) {
        const notice = await alertNotice(store, stored);
        for (const districtId of notice.districtIds) await webhooks.enqueue(districtId, notice.eventId, notice.body);
      }
    },
  };
}
