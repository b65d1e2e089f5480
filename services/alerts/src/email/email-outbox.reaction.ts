import { AlertEmailFacts, ALERT_EVENTS, MAILED_ALERT_EVENTS, MailedAlertEvent } from '@turnaround/domain';
import { EventStore, Reaction } from '@turnaround/event-store';
import { alertNotice } from '../alert-notice';
import { EmailStore } from './email-store';

/**
 * Fills the email outbox from a checkpointed subscription, as the webhook outbox does: one
 * message per alert event (raised, reopened, resolved: an acknowledgement is not mailed) and
 * address of each district the alert concerns. Handing a batch over again, or replaying the
 * log, adds nothing (one row per address and event).
 */
export function emailOutbox(store: EventStore, email: EmailStore): Reaction {
  return {
    name: 'email-outbox',
    eventTypes: ALERT_EVENTS.types,
    async react(events) {
      for (const stored of events) {
        if (!(MAILED_ALERT_EVENTS as readonly string[]).includes(stored.type)) continue;
        const notice = await alertNotice(store, stored);
        const facts = factsOf(notice.type as MailedAlertEvent, notice.body);
        for (const districtId of notice.districtIds) await email.enqueue(districtId, notice.eventId, new Date(stored.metadata.recordedAt), facts);
      }
    },
  };
}

/** What a message says of the alert event: the alert as it stood after it, and the value that raised, reopened or resolved it. */
function factsOf(type: MailedAlertEvent, body: Record<string, unknown>): AlertEmailFacts {
  const facts = body as unknown as AlertEmailFacts;
  return {
    type,
    alertId: facts.alertId,
    ...(facts.schoolId === undefined ? {} : { schoolId: facts.schoolId }),
    ...(facts.clusterId === undefined ? {} : { clusterId: facts.clusterId }),
    metric: facts.metric,
    contractYear: facts.contractYear,
    schoolYear: facts.schoolYear,
    checkpoint: facts.checkpoint,
    severity: facts.severity,
    target: typeof facts.target === 'number' ? facts.target : null,
    actual: typeof facts.actual === 'number' ? facts.actual : null,
    ...(typeof facts.reason === 'string' ? { reason: facts.reason } : {}),
  };
}
