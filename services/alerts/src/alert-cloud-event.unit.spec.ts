import { CloudEvent, HTTP, Kafka, KafkaMessage } from 'cloudevents';
import { ValidationError } from '@turnaround/domain';
import { AlertMessageData, AlertMessageSettings, alertCloudEventAttributes, loadConfig, WebhookTestData } from '@turnaround/platform';
import { alertTopicMessage, webhookRequest } from './alert-cloud-event';

const settings: AlertMessageSettings = { format: 'cloudevents', source: 'https://turnaround.ny.gov/api/v1/alerts', typePrefix: 'gov.ny.turnaround' };
const legacy: AlertMessageSettings = { ...settings, format: 'legacy' };

const raised: AlertMessageData = {
  type: 'OffTrackAlertRaised',
  eventId: 'e-1',
  recordedAt: '2024-07-03T12:00:00.000Z',
  alertId: 'A-1',
  schoolId: 'S1',
  contractId: 'K',
  partnerId: 'P',
  districtIds: ['D1', 'D2'],
  metric: 'attendance_rate',
  contractYear: 1,
  schoolYear: '2023-24',
  checkpoint: 'year_end',
  target: 0.93,
  actual: 0.9,
  raisedActual: 0.9,
  severity: 'critical',
};

/** `raised` as a CloudEvent under `settings`, by hand. */
const raisedAttributes = {
  specversion: '1.0',
  id: 'e-1',
  source: 'https://turnaround.ny.gov/api/v1/alerts',
  type: 'gov.ny.turnaround.alert.raised',
  subject: 'A-1',
  time: '2024-07-03T12:00:00.000Z',
  datacontenttype: 'application/json',
};

describe('configuration: the shape alerts leave in', () => {
  it('sends CloudEvents from PUBLIC_URL/api/v1/alerts, typed gov.state.turnaround.*, unless told otherwise', () => {
    expect(loadConfig({}).alertMessages).toEqual({ format: 'cloudevents', source: 'http://localhost:3000/api/v1/alerts', typePrefix: 'gov.state.turnaround' });
    expect(loadConfig({ PUBLIC_URL: 'https://turnaround.ny.gov/' }).alertMessages.source).toBe('https://turnaround.ny.gov/api/v1/alerts');
    expect(
      loadConfig({
        PUBLIC_URL: 'https://turnaround.ny.gov',
        CLOUDEVENTS_SOURCE: 'urn:ny:turnaround',
        CLOUDEVENTS_TYPE_PREFIX: 'gov.ny.turnaround',
        ALERT_MESSAGE_FORMAT: 'legacy',
      }).alertMessages,
    ).toEqual({
      format: 'legacy',
      source: 'urn:ny:turnaround',
      typePrefix: 'gov.ny.turnaround',
    });
  });

  it.each([
    'https://turnaround.ny.gov/api/v1/alerts',
    'urn:ny:turnaround',
    '/api/v1/alerts',
    'turnaround/alerts',
    'https://[fd00::5]:8443/alerts?x=1#y',
    'tag:ny.gov,2024:alerts%20v1',
  ])('takes the URI reference %p as the source, as the CloudEvents SDK does', (source) => {
    expect(loadConfig({ CLOUDEVENTS_SOURCE: source }).alertMessages.source).toBe(source);
    expect(new CloudEvent({ id: 'e-1', type: 't', source }).source).toBe(source);
  });

  it.each(['alerts of NY', '1ny:alerts', ':alerts', 'https://[zz]/alerts', '%zz', 'https://ny.gov/ärende'])(
    'refuses the source %p, naming CLOUDEVENTS_SOURCE',
    (source) => {
      expect(() => loadConfig({ CLOUDEVENTS_SOURCE: source })).toThrow(
        ValidationError.of(
          'CLOUDEVENTS_SOURCE',
          `expected a URI reference (RFC 3986), e.g. https://turnaround.state.example/api/v1/alerts or urn:state:turnaround, got '${source}'`,
        ),
      );
    },
  );

  it('names PUBLIC_URL when the source made from it is no URI', () => {
    expect(() => loadConfig({ PUBLIC_URL: 'https://ny.gov/turn around' })).toThrow(
      ValidationError.of(
        'PUBLIC_URL',
        "expected an address that makes a URI (RFC 3986) of the CloudEvents source, or set CLOUDEVENTS_SOURCE; got 'https://ny.gov/turn around'",
      ),
    );
  });

  it.each(['Gov.NY.turnaround', 'gov..turnaround', '.gov.ny', 'gov.ny.', 'gov ny', 'gov_ny'])(
    'refuses the type prefix %p, naming CLOUDEVENTS_TYPE_PREFIX',
    (prefix) => {
      expect(() => loadConfig({ CLOUDEVENTS_TYPE_PREFIX: prefix })).toThrow(
        ValidationError.of(
          'CLOUDEVENTS_TYPE_PREFIX',
          `expected dot-separated lower-case names of a-z, 0-9 and -, the state's reversed domain, e.g. gov.ny.turnaround; got '${prefix}'`,
        ),
      );
    },
  );

  it('refuses a format it does not know, naming ALERT_MESSAGE_FORMAT', () => {
    expect(() => loadConfig({ ALERT_MESSAGE_FORMAT: 'xml' })).toThrow(
      ValidationError.of('ALERT_MESSAGE_FORMAT', "expected cloudevents, or legacy for the shape before CloudEvents (this release only), got 'xml'"),
    );
  });
});

describe('an alert event as a CloudEvent', () => {
  it('takes its id, time and subject from the event, its type from the event type under the prefix', () => {
    expect(alertCloudEventAttributes(raised, settings)).toEqual(raisedAttributes);
    const typeOf = (type: AlertMessageData['type']) => alertCloudEventAttributes({ ...raised, type }, settings).type;
    expect([typeOf('OffTrackAlertAcknowledged'), typeOf('OffTrackAlertResolved'), typeOf('OffTrackAlertReopened')]).toEqual([
      'gov.ny.turnaround.alert.acknowledged',
      'gov.ny.turnaround.alert.resolved',
      'gov.ny.turnaround.alert.reopened',
    ]);
  });

  it("makes a test ping a webhook.test event about the webhook, with the ping's id", () => {
    const ping: WebhookTestData = { type: 'WebhookTest', eventId: 'test-1', recordedAt: '2024-07-03T12:00:00.000Z', districtId: 'D1', webhookId: 'W-1' };
    expect(alertCloudEventAttributes(ping, settings)).toMatchObject({
      id: 'test-1',
      type: 'gov.ny.turnaround.webhook.test',
      subject: 'W-1',
      time: '2024-07-03T12:00:00.000Z',
    });
  });
});

describe('on the alerts topic', () => {
  it('is a binary-mode CloudEvent keyed by the district: the attributes in ce_ headers, the value the data', () => {
    const message = alertTopicMessage(raised, 'D2', settings);
    expect(message).toEqual({
      key: 'D2',
      value: JSON.stringify(raised),
      headers: {
        'content-type': 'application/json',
        ce_specversion: '1.0',
        ce_id: 'e-1',
        ce_source: 'https://turnaround.ny.gov/api/v1/alerts',
        ce_type: 'gov.ny.turnaround.alert.raised',
        ce_subject: 'A-1',
        ce_time: '2024-07-03T12:00:00.000Z',
      },
    });
    // as a consumer gets it (the SDK's Kafka message: headers, key, value)
    const received: KafkaMessage<string> = { key: message.key, value: message.value, headers: message.headers ?? {}, body: message.value };
    const event = Kafka.toEvent(received) as CloudEvent<AlertMessageData>;
    expect({ id: event.id, type: event.type, subject: event.subject, data: event.data }).toEqual({
      id: 'e-1',
      type: 'gov.ny.turnaround.alert.raised',
      subject: 'A-1',
      data: raised,
    });
  });

  it('keeps the shape before CloudEvents with ALERT_MESSAGE_FORMAT=legacy', () => {
    expect(alertTopicMessage(raised, 'D2', legacy)).toEqual({
      key: 'D2',
      value: JSON.stringify(raised),
      headers: { alertId: 'A-1', eventId: 'e-1', type: 'OffTrackAlertRaised' },
    });
  });
});

describe('to a webhook', () => {
  it('is a structured-mode CloudEvent: the whole event is the body', () => {
    const { contentType, body } = webhookRequest(raised, settings);
    expect(contentType).toBe('application/cloudevents+json; charset=utf-8');
    expect(JSON.parse(body)).toEqual({ ...raisedAttributes, data: raised });
    const event = HTTP.toEvent({ headers: { 'content-type': contentType }, body }) as CloudEvent<AlertMessageData>;
    expect({ id: event.id, type: event.type, data: event.data }).toEqual({ id: 'e-1', type: 'gov.ny.turnaround.alert.raised', data: raised });
  });

  it('keeps the shape before CloudEvents with ALERT_MESSAGE_FORMAT=legacy: the data alone, as JSON', () => {
    expect(webhookRequest(raised, legacy)).toEqual({ contentType: 'application/json', body: JSON.stringify(raised) });
  });
});
