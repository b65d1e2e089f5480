import { ALERT_STAGES, AlertEvent, SEVERITIES } from '@turnaround/domain';
import { z } from 'zod';

/**
 * What leaves the service about one alert event, on the alerts topic and to the webhooks: the
 * alert as it stood after the event, with what the event adds. The data of the CloudEvent
 * (docs/alerts.md "Alert messages"), and the whole body in the legacy shape.
 */
export const alertMessageData = z
  .object({
    type: z.enum(['OffTrackAlertRaised', 'OffTrackAlertAcknowledged', 'OffTrackAlertResolved', 'OffTrackAlertReopened']).describe('the alert event'),
    eventId: z.string().describe("the alert event's id: the CloudEvent's id, the same on every channel and every redelivery"),
    recordedAt: z.string().describe("when the event was recorded, an ISO date-time: the CloudEvent's time"),
    alertId: z.string(),
    schoolId: z.string().optional().describe("the school's id, for an alert on one school (else clusterId)"),
    clusterId: z.string().optional().describe("the cluster's id, for an alert on a cluster's line (else schoolId)"),
    contractId: z.string(),
    partnerId: z.string(),
    districtIds: z.array(z.string()).describe('every district with a school the alert concerns: each is told'),
    metric: z.string(),
    contractYear: z.number().int(),
    schoolYear: z.string(),
    checkpoint: z.enum(ALERT_STAGES),
    target: z.number(),
    actual: z
      .number()
      .nullable()
      .describe('the value at this change: the one that raised or reopened it, then the one that resolved it; null when no value resolved it (a withdrawal)'),
    raisedActual: z.number().describe('the value that raised it, or reopened it last'),
    severity: z.enum(SEVERITIES),
    by: z.string().optional().describe('acknowledged: the id of the API key that acknowledged'),
    byName: z.string().nullable().optional().describe('acknowledged: the name that key was issued to'),
    note: z.string().optional().describe("acknowledged: the district's note"),
    reason: z.string().optional().describe('resolved: why (the target is met, target_withdrawn, contract_terminated, ...)'),
  })
  .meta({ title: 'AlertMessageData' });
export type AlertMessageData = z.infer<typeof alertMessageData>;

/** The last part of each alert event's CloudEvents type: `{prefix}.alert.raised` and so on. */
export const ALERT_CLOUD_EVENT_TYPES: Readonly<Record<AlertEvent['type'], string>> = {
  OffTrackAlertRaised: 'alert.raised',
  OffTrackAlertAcknowledged: 'alert.acknowledged',
  OffTrackAlertResolved: 'alert.resolved',
  OffTrackAlertReopened: 'alert.reopened',
};

/** The CloudEvents type of a webhook's test ping (`POST /api/v1/districts/{districtId}/webhooks/{webhookId}/test`). */
export const WEBHOOK_TEST_CLOUD_EVENT_TYPE = 'webhook.test';

/** The two shapes an alert leaves in (ALERT_MESSAGE_FORMAT): CloudEvents, or for one release the shape before them. */
export const ALERT_MESSAGE_FORMATS = ['cloudevents', 'legacy'] as const;
export type AlertMessageFormat = (typeof ALERT_MESSAGE_FORMATS)[number];

/** What a webhook's test ping carries: the data of its CloudEvent, and the whole body in the legacy shape. */
export const webhookTestData = z
  .object({
    type: z.literal('WebhookTest'),
    eventId: z.string().describe("`test-` and a UUID: the CloudEvent's id and X-Turnaround-Event"),
    recordedAt: z.string().describe("when the ping was made, an ISO date-time: the CloudEvent's time"),
    districtId: z.string(),
    webhookId: z.string().describe("the webhook's id: the CloudEvent's subject"),
  })
  .meta({ title: 'WebhookTestData' });
export type WebhookTestData = z.infer<typeof webhookTestData>;

/** The CloudEvents type prefix unless CLOUDEVENTS_TYPE_PREFIX says otherwise: a state sets its own, `gov.ny.turnaround` say. */
export const DEFAULT_CLOUD_EVENT_TYPE_PREFIX = 'gov.state.turnaround';

/** How alerts leave the service (README "Configuration"): ALERT_MESSAGE_FORMAT, CLOUDEVENTS_SOURCE, CLOUDEVENTS_TYPE_PREFIX. */
export interface AlertMessageSettings {
  format: AlertMessageFormat;
  /** The CloudEvents source: `PUBLIC_URL/api/v1/alerts` unless CLOUDEVENTS_SOURCE is set. */
  source: string;
  /** Put before each type: `{typePrefix}.alert.raised`. */
  typePrefix: string;
}

/** The context attributes of a CloudEvent 1.0 as this service fills them in (docs/alerts.md "Alert messages"). */
export interface AlertCloudEventAttributes {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
}

/**
 * The attributes of the CloudEvent whose data is `data`: all of them come from the data and the
 * settings, so an outbox row written by an earlier release is sent as one written now, and a
 * redelivery carries the same id. The id is the alert event's (the test ping's `test-...`), the
 * same on the topic and every webhook, so a consumer de-duplicates by it.
 */
export function alertCloudEventAttributes(
  data: AlertMessageData | WebhookTestData,
  settings: Pick<AlertMessageSettings, 'source' | 'typePrefix'>,
): AlertCloudEventAttributes {
  const ping = data.type === 'WebhookTest';
  return {
    specversion: '1.0',
    id: data.eventId,
    source: settings.source,
    type: `${settings.typePrefix}.${ping ? WEBHOOK_TEST_CLOUD_EVENT_TYPE : ALERT_CLOUD_EVENT_TYPES[data.type]}`,
    subject: ping ? data.webhookId : data.alertId,
    time: data.recordedAt,
    datacontenttype: 'application/json',
  };
}
