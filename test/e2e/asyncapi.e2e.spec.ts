import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { createApp } from '@turnaround/all-in-one';
import Ajv from 'ajv';
import { FEED_KINDS } from '@turnaround/domain';
import { FEED_CONSUMER_GROUP, topicsOf } from '@turnaround/messaging';
import {
  alertCloudEventAttributes,
  AlertMessageData,
  alertMessageData,
  API_EXAMPLES,
  asyncApiDocument,
  FEED_RECORD_EXAMPLES,
  FeedDeadLetter,
  TurnaroundConfig,
} from '@turnaround/platform';
import { testConfig } from './support/app';
import { asyncApiMessageChecker, KafkaMessage } from './support/asyncapi';
import { httpClient } from './support/http-client';

jest.setTimeout(120_000);

type Json = Record<string, unknown>;
type Operation = { action: string; channel: { $ref: string }; bindings?: { kafka?: { groupId?: { enum?: string[] } } } };

/** The headers a real answer carries for its security: the AsyncAPI document's must be the OpenAPI document's. */
const SECURITY_HEADERS = ['content-security-policy', 'x-content-type-options', 'x-frame-options', 'referrer-policy', 'cache-control', 'x-powered-by'];

const PREFIX = 'test-asyncapi.';
const topics = topicsOf(PREFIX);

/** An alert event's message on the alerts topic as the service sends it in Kafka binary mode: the CloudEvent's attributes as `ce_` headers, datacontenttype as `content-type`. */
function alertMessage(data: AlertMessageData, config: TurnaroundConfig): KafkaMessage {
  const { datacontenttype, ...attributes } = alertCloudEventAttributes(data, config.alertMessages);
  const headers = { ...Object.fromEntries(Object.entries(attributes).map(([name, value]) => [`ce_${name}`, value])), 'content-type': datacontenttype };
  return { topic: topics.alerts, key: data.districtIds[0], value: JSON.stringify(data), headers };
}

/**
 * The AsyncAPI document (`/api/docs/asyncapi.json`) is what a data team or a district builds its
 * Kafka clients from: it must be valid AsyncAPI 3.0, name the topics as this instance does, and
 * describe the messages as the service reads and writes them.
 */
describe('the AsyncAPI document describes the Kafka topics', () => {
  const config = testConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), 'turnaround-asyncapi-')), KAFKA_TOPIC_PREFIX: PREFIX });
  let app: INestApplication;
  let http: Awaited<ReturnType<typeof httpClient>>;
  let served: Response;
  let document: Json & { asyncapi: string };
  let check: (message: KafkaMessage) => string[];

  beforeAll(async () => {
    app = await createApp(config, { logger: false });
    http = await httpClient(app);
    // No API key: the document is as open as the OpenAPI one.
    served = await fetch(`${http.base}/api/docs/asyncapi.json`);
    document = await served.json();
    check = asyncApiMessageChecker(document);
  });
  afterAll(async () => {
    await app.close();
    rmSync(config.dataDir, { recursive: true, force: true });
  });

  it('is served beside the OpenAPI document, without an API key, with the same security headers', async () => {
    const openapi = await fetch(`${http.base}/api/docs/openapi.json`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toMatch(/^application\/json/);
    expect(SECURITY_HEADERS.map((name) => [name, served.headers.get(name)])).toEqual(SECURITY_HEADERS.map((name) => [name, openapi.headers.get(name)]));
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('is a valid AsyncAPI 3.0 document', async () => {
    const { document: parsed, diagnostics } = await new Parser().parse(document);
    expect(
      diagnostics
        .filter((diagnostic) => diagnostic.severity === DiagnosticSeverity.Error)
        .map((diagnostic) => `${diagnostic.path.join('/')}: ${diagnostic.message}`),
    ).toEqual([]);
    expect(parsed?.version()).toBe('3.0.0');
  });

  it('names the topics as this instance does, and says what the service does on each: it receives the feeds in its group and sends the dead letters and the alerts', () => {
    const channels = document.channels as Record<string, { address: string }>;
    const operations = Object.values(document.operations as Record<string, Operation>).map((operation) => ({
      address: channels[operation.channel.$ref.replace('#/channels/', '')].address,
      action: operation.action,
      groupId: operation.bindings?.kafka?.groupId?.enum,
    }));
    expect(
      Object.values(channels)
        .map((channel) => channel.address)
        .sort(),
    ).toEqual([...FEED_KINDS.map(topics.feed), topics.dlq, topics.alerts].sort());
    expect(operations).toEqual(
      expect.arrayContaining([
        ...FEED_KINDS.map((kind) => ({ address: topics.feed(kind), action: 'receive', groupId: [FEED_CONSUMER_GROUP] })),
        { address: topics.dlq, action: 'send', groupId: undefined },
        { address: topics.alerts, action: 'send', groupId: undefined },
      ]),
    );
    expect(operations).toHaveLength(FEED_KINDS.length + 2);
  });

  it('gives each message an example that fits its payload and headers', async () => {
    const { document: parsed } = await new Parser().parse(document);
    const ajv = new Ajv({ strict: false, formats: { 'date-time': true } });
    const wrong: string[] = [];
    const messages = parsed?.allMessages().all() ?? [];
    for (const message of messages) {
      const examples = message.examples().all();
      if (examples.length === 0) wrong.push(`${message.name()}: no example`);
      for (const example of examples) {
        if (!ajv.validate(message.payload()?.json() ?? {}, example.payload())) wrong.push(`${message.name()} payload: ${ajv.errorsText(ajv.errors)}`);
        if (message.hasHeaders() && !ajv.validate(message.headers()?.json() ?? {}, example.headers() ?? {}))
          wrong.push(`${message.name()} headers: ${ajv.errorsText(ajv.errors)}`);
      }
    }
    expect(messages.length).toBe(FEED_KINDS.length + 1 + 4);
    expect(wrong).toEqual([]);
  });

  describe('holds a Kafka message to it (support/asyncapi.ts)', () => {
    it.each(FEED_KINDS)('%s: a record keyed by its school id, the fields of its event', (kind) => {
      const record = FEED_RECORD_EXAMPLES[kind];
      expect(check({ topic: topics.feed(kind), key: record.schoolId, value: JSON.stringify(record) })).toEqual([]);
      const { schoolId: _schoolId, ...withoutSchool } = record;
      const problems = check({ topic: topics.feed(kind), key: null, value: JSON.stringify({ ...withoutSchool, students: 3 }) });
      expect(problems.join('\n')).toMatch(/payload must have required property 'schoolId'/);
      expect(problems.join('\n')).toMatch(/payload must NOT have additional properties/);
      expect(problems.join('\n')).toMatch(/key must be string/);
      expect(check({ topic: topics.feed(kind), key: record.schoolId, value: '{"schoolId": ' })).toEqual([expect.stringMatching(/the value is not JSON/)]);
    });

    it('a dead letter: where the record came from, why, and the message as it came', () => {
      const letter: FeedDeadLetter = {
        topic: topics.feed('attendance'),
        partition: 0,
        offset: '41',
        key: 'S-0001',
        batchId: 'b-1',
        reason: [{ field: '(message)', message: 'expected one JSON record per message' }],
        payload: '{"schoolId": ',
      };
      const headers = { 'source-topic': letter.topic, 'source-offset': '0/41' };
      expect(check({ topic: topics.dlq, key: 'S-0001', value: JSON.stringify(letter), headers })).toEqual([]);
      expect(check({ topic: topics.dlq, key: '', value: JSON.stringify({ ...letter, key: null, payload: null }), headers })).toEqual([]);
      const problems = check({
        topic: topics.dlq,
        key: 'S-0001',
        value: JSON.stringify({ ...letter, reason: [], partition: '0' }),
        headers: { 'source-topic': letter.topic },
      });
      expect(problems).toHaveLength(2);
      expect(problems.join('\n')).toMatch(/payload\/partition must be integer/);
      expect(problems.join('\n')).toMatch(/payload\/reason must NOT have fewer than 1 items/);
      expect(problems.join('\n')).toMatch(/headers must have required property 'source-offset'/);
    });

    it('an alert event: a CloudEvent in binary mode, keyed by district, whose ce_type names the event its data is', () => {
      const raised = API_EXAMPLES.get(alertMessageData) as AlertMessageData;
      for (const type of alertMessageData.shape.type.options) expect(check(alertMessage({ ...raised, type }, config))).toEqual([]);
      const resolvedAsRaised = alertMessage({ ...raised, type: 'OffTrackAlertResolved', reason: 'the target is met' }, config);
      expect(check({ ...resolvedAsRaised, value: JSON.stringify(raised) })).toEqual([
        expect.stringMatching(/(payload\/type|headers\/ce_type) must be equal to constant/),
      ]);
      const { ce_id: _id, ...withoutId } = alertMessage(raised, config).headers ?? {};
      const problems = check({ ...alertMessage(raised, config), headers: { ...withoutId, ce_time: 'yesterday' } });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/headers must have required property 'ce_id'/);
      expect(problems[0]).toMatch(/headers\/ce_time must match format "date-time"/);
      expect(check({ ...alertMessage(raised, config), headers: { alertId: raised.alertId, eventId: raised.eventId, type: raised.type } }).join('\n')).toMatch(
        /headers must have required property 'ce_specversion'/,
      );
    });

    it('a topic the document does not name', () => {
      expect(check({ topic: 'turnaround.alerts.v1', key: 'D-0281', value: '{}' })).toEqual([
        'turnaround.alerts.v1: no channel of the document has this address',
      ]);
    });

    it('the legacy alert shape, when the instance sends it (ALERT_MESSAGE_FORMAT=legacy)', () => {
      const legacy = testConfig({ DATA_DIR: config.dataDir, KAFKA_TOPIC_PREFIX: PREFIX, ALERT_MESSAGE_FORMAT: 'legacy' });
      const checkLegacy = asyncApiMessageChecker(JSON.parse(JSON.stringify(asyncApiDocument(legacy))));
      const raised = API_EXAMPLES.get(alertMessageData) as AlertMessageData;
      const message = { topic: topics.alerts, key: 'D-0281', value: JSON.stringify(raised) };
      expect(checkLegacy({ ...message, headers: { alertId: raised.alertId, eventId: raised.eventId, type: raised.type } })).toEqual([]);
      expect(checkLegacy(alertMessage(raised, legacy)).join('\n')).toMatch(/headers must have required property 'alertId'/);
    });
  });
});
