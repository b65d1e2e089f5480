import { z } from 'zod';

/** The port token of a district's alert emails: the alert service provides it, the web app and the metrics act through it. */
export const DISTRICT_EMAIL = Symbol('DistrictEmail');

const isoTime = z.string().describe('an ISO date-time');

/** `POST /api/v1/districts/{districtId}/email-recipients`: an address and how it receives the district's alerts. */
export const emailRecipientBody = z.strictObject({
  address: z.email().max(254).describe('the address; a message with a confirmation link goes to it first, and nothing else until it is confirmed'),
  delivery: z
    .enum(['immediate', 'digest'])
    .describe('immediate: every alert as it happens; digest: one message a day at digestHour (critical year-end alerts still go at once)'),
  digestHour: z.number().int().min(0).max(23).optional().describe('the hour (0-23) of the daily digest on the district clock; required for a digest'),
  timeZone: z.string().max(64).optional().describe('an IANA time zone for the digest hour; ALERT_TIME_ZONE when absent'),
});

/** `PUT /api/v1/districts/{districtId}/email-recipients/{recipientId}`: a new choice of delivery. */
export const emailDeliveryBody = emailRecipientBody.omit({ address: true });

export const emailRecipientAnswer = z
  .object({
    recipientId: z.string(),
    districtId: z.string(),
    address: z.string(),
    delivery: z.enum(['immediate', 'digest']),
    digestHour: z.number().int().nullable(),
    timeZone: z.string(),
    status: z.enum(['unconfirmed', 'confirmed', 'unsubscribed']).describe('unconfirmed until its link is followed; unsubscribed by its one-click link'),
    createdAt: isoTime,
    confirmedAt: isoTime.nullable(),
  })
  .meta({ title: 'EmailRecipient' });

/** One message of the outbox: a confirmation, or one alert event for one address (a digest sends several together). */
export const emailMessageAnswer = z
  .object({
    messageId: z.number().int(),
    recipientId: z.string(),
    address: z.string(),
    eventId: z.string().describe('the alert event it tells of, or confirm-{recipientId}'),
    kind: z.enum(['confirmation', 'alert']),
    digest: z.boolean().describe('sent with the day digest of its address'),
    status: z.enum(['pending', 'sent', 'dead', 'cancelled']).describe('cancelled: its address unsubscribed before it went'),
    sendAt: isoTime.describe('not before: now, or the digest hour'),
    attempts: z.number().int(),
    nextAttemptAt: isoTime,
    lastError: z.string().nullable().describe("the relay's answer (SMTP code and text) or the connection's failure; never the relay's credentials"),
    sentAt: isoTime.nullable(),
  })
  .meta({ title: 'EmailMessage' });

export type EmailRecipient = z.infer<typeof emailRecipientAnswer>;
export type EmailMessage = z.infer<typeof emailMessageAnswer>;

/** A message as it would go out (the settings page shows them while no relay is configured). */
export interface EmailPreview {
  address: string;
  subject: string;
  text: string;
}

/** Sends by outcome, as this process counted them: `sent`, `failed` (retried), `dead` (gave up). */
export type EmailOutcomes = Readonly<Record<'sent' | 'failed' | 'dead', number>>;

/**
 * What may be done with a district's alert emails, as the API's routes do it: one implementation
 * (the alert service's store and dispatcher) behind the API, the web app and the metrics.
 * `confirm` and `unsubscribe` take a signed link's token instead of a district: whoever holds
 * the link acts, without signing in, and acting twice is acting once.
 */
export interface DistrictEmail {
  /** Whether a relay is configured (SMTP_URL): without one nothing is sent. */
  readonly sending: boolean;
  readonly outcomes: EmailOutcomes;
  add(districtId: string, body: unknown): Promise<EmailRecipient>;
  list(districtId: string): Promise<EmailRecipient[]>;
  change(districtId: string, recipientId: string, body: unknown): Promise<EmailRecipient>;
  remove(districtId: string, recipientId: string): Promise<EmailRecipient>;
  messages(districtId: string, status?: string): Promise<EmailMessage[]>;
  /** The messages still to go to the district's addresses, rendered: the last `limit`. */
  preview(districtId: string, limit: number): Promise<EmailPreview[]>;
  confirm(token: unknown): Promise<EmailRecipient | undefined>;
  unsubscribe(token: unknown): Promise<EmailRecipient | undefined>;
  /** The recipient's links, for the demo to follow as a person would. */
  links(recipientId: string): { confirm: string; unsubscribe: string };
}
