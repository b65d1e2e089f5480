import { CloudEvent, HTTP, Kafka } from 'cloudevents';
import { OutgoingMessage } from '@turnaround/messaging';
import { alertCloudEventAttributes, AlertMessageData, AlertMessageSettings, WebhookTestData } from '@turnaround/platform';

/** What leaves the service about one alert event, or a webhook's test ping: the data of its CloudEvent. */
export type AlertMessage = AlertMessageData | WebhookTestData;

/** One alert event (or a test ping) as a CloudEvent 1.0 (docs/alerts.md "Alert messages"). */
export function alertCloudEvent<T extends AlertMessage>(data: T, settings: AlertMessageSettings): CloudEvent<T> {
  return new CloudEvent<T>({ ...alertCloudEventAttributes(data, settings), data });
}

/**
 * The alerts topic's message about one alert event for one district, keyed by it. A CloudEvent in
 * binary mode: the attributes in `ce_` headers, `content-type: application/json`, and the value
 * the data's JSON, so a consumer that never heard of CloudEvents reads the value as before. In
 * the legacy format, the value alone with the `alertId`, `eventId` and `type` headers.
 */
export function alertTopicMessage(data: AlertMessageData, districtId: string, settings: AlertMessageSettings): OutgoingMessage {
  const value = JSON.stringify(data);
  if (settings.format === 'legacy') return { key: districtId, value, headers: { alertId: data.alertId, eventId: data.eventId, type: data.type } };
  return { key: districtId, value, headers: kafkaHeaders(Kafka.binary(alertCloudEvent(data, settings)).headers) };
}

/**
 * The SDK's binary headers without those it adds for attributes the event does not have
 * (undefined), and without `ce_datacontenttype`: the Kafka binding maps datacontenttype to
 * `content-type` alone (3.2.1), which the SDK sets too.
 */
function kafkaHeaders(headers: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[0] !== 'ce_datacontenttype'),
  );
}

/**
 * What a webhook delivery POSTs: the CloudEvent in structured mode (`application/cloudevents+json`,
 * the whole event as the body), or in the legacy format the data alone as `application/json`.
 * The body is signed as sent.
 */
export function webhookRequest(data: AlertMessage, settings: AlertMessageSettings): { contentType: string; body: string } {
  if (settings.format === 'legacy') return { contentType: 'application/json', body: JSON.stringify(data) };
  const { headers, body } = HTTP.structured(alertCloudEvent(data, settings));
  return { contentType: String(headers['content-type']), body: String(body) };
}
