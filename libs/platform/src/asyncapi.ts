import { FEED_EVENTS, FEED_KINDS, FeedKind, idSchema } from '@turnaround/domain';
import { FEED_CONSUMER_GROUP, topicsOf } from '@turnaround/messaging';
import { z } from 'zod';
import { ALERT_CLOUD_EVENT_TYPES, alertCloudEventAttributes, AlertMessageData, alertMessageData, AlertMessageSettings } from './alert-messages';
import { API_EXAMPLES, FEED_RECORD_EXAMPLES } from './api-examples';
import { TurnaroundConfig } from './config';
import { feedRecordTitle, jsonSchemaOf } from './openapi';

/**
 * A feed record the service could not store, on `turnaround.feed.dlq.v1`: where it came from,
 * why, and the message as it came (it may not even be JSON), so the data team can fix and resend
 * it. `services/feeds/src/kafka/feed-topics.consumer.ts` writes it; this schema types what it
 * writes, so the AsyncAPI document cannot say otherwise.
 */
export const feedDeadLetter = z.object({
  topic: z.string().describe('the feed topic the record came from'),
  partition: z.number().int().min(0).describe('its partition'),
  offset: z.string().describe('its offset in that partition, a decimal string as Kafka gives it'),
  key: z.string().nullable().describe('its key (the school id), null when it had none'),
  batchId: z.string().describe('the feed batch its partition batch was ingested as: `GET /api/v1/feeds/rejections?batchId=` lists the rejected rows too'),
  reason: z
    .array(z.object({ field: z.string().describe('the field, `(message)` when the message is not one JSON record'), message: z.string() }))
    .min(1)
    .describe('why, by field'),
  payload: z.string().nullable().describe('the message as it came, unparsed; null when it had no value'),
});
export type FeedDeadLetter = z.infer<typeof feedDeadLetter>;

/** The Kafka bindings' version the document is written against (AsyncAPI 3.0). */
const KAFKA_BINDING = { bindingVersion: '0.5.0' };

type Schema = Record<string, unknown>;

const capitalised = (word: string) => `${word[0].toUpperCase()}${word.slice(1)}`;

/** An id as a Kafka key's schema: the ids the key names are checked by `idSchema` wherever they enter. */
function idKey(description: string, example: string): Schema {
  return { ...jsonSchemaOf(idSchema, 'input', 'draft-7'), description, examples: [example] };
}

const ref = (pointer: string) => ({ $ref: `#/${pointer}` });

/**
 * The service's Kafka topics as an AsyncAPI 3.0 document, served at `/api/docs/asyncapi.json`
 * beside the OpenAPI document: each message's schema is the zod schema the code reads or writes
 * it by, and the topics are named as this instance names them (KAFKA_TOPIC_PREFIX), with the
 * alerts' CloudEvents source and type prefix it is configured with. Operations are the
 * service's: it `receive`s the feeds and `send`s the dead letters and the alerts.
 */
export function asyncApiDocument(config: Pick<TurnaroundConfig, 'kafkaTopicPrefix' | 'alertMessages'>): Record<string, unknown> {
  const topics = topicsOf(config.kafkaTopicPrefix);
  const alertTypes = Object.keys(ALERT_CLOUD_EVENT_TYPES) as AlertMessageData['type'][];
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'turnaround-monitor topics',
      version: '1',
      description: [
        'The Kafka topics of turnaround-monitor (README "Kafka", docs/architecture.md "Outside interfaces"), from the point of view of the service: it receives the four feeds and sends their dead letters and the alerts.',
        '',
        "A state data team's pipeline produces the feed records, one JSON record a message keyed by school id, and reads back what the service could not store from the dead-letter topic. Districts (their systems, as API keys of role `district` do over HTTP) and state systems consume the alerts, keyed by district id.",
        '',
        `Topic names carry this instance's prefix (\`KAFKA_TOPIC_PREFIX\`: ${config.kafkaTopicPrefix ? `\`${config.kafkaTopicPrefix}\`` : 'none'}). The HTTP API is described by the OpenAPI document beside this one, \`/api/docs/openapi.json\`.`,
      ].join('\n'),
    },
    defaultContentType: 'application/json',
    servers: {
      production: {
        host: '{broker}',
        protocol: 'kafka',
        description: "The state's Kafka cluster: the service is given its brokers in `KAFKA_BROKERS`; topics it does not find it creates.",
        variables: { broker: { default: 'kafka.state.example:9092', description: 'a bootstrap broker, `host:port`: one of `KAFKA_BROKERS`' } },
      },
    },
    channels: {
      ...Object.fromEntries(FEED_KINDS.map((kind) => [`${kind}Feed`, feedChannel(kind, topics.feed(kind))])),
      feedDeadLetters: {
        address: topics.dlq,
        title: 'Feed dead letters',
        description:
          'Every feed record the service could not store, with the reason by field and the message as it came; a message that is not one JSON record comes here too, so nothing blocks a partition. ' +
          'A batch of a feed partition is committed only once its rejected records are here. **Produced by** the service; **consumed by** the data team that sent the record.',
        messages: { feedDeadLetter: ref('components/messages/feedDeadLetter') },
      },
      alerts: {
        address: topics.alerts,
        title: 'Alerts',
        description: alertsDescription(config.alertMessages),
        messages: Object.fromEntries(alertTypes.map((type) => [alertMessageId(type), ref(`components/messages/${alertMessageId(type)}`)])),
      },
    },
    operations: {
      ...Object.fromEntries(
        FEED_KINDS.map((kind) => [
          `receive${capitalised(kind)}Records`,
          {
            action: 'receive',
            channel: ref(`channels/${kind}Feed`),
            messages: [ref(`channels/${kind}Feed/messages/${kind}Record`)],
            summary: `The service reads the ${kind} feed`,
            description: `In the consumer group \`${FEED_CONSUMER_GROUP}\`: instances share the partitions. Each record goes through the same checks as a push over HTTP; a partition batch is committed once its records are stored and its rejected ones are on the dead-letter topic.`,
            bindings: { kafka: { groupId: { type: 'string', enum: [FEED_CONSUMER_GROUP] }, ...KAFKA_BINDING } },
          },
        ]),
      ),
      sendFeedDeadLetters: {
        action: 'send',
        channel: ref('channels/feedDeadLetters'),
        messages: [ref('channels/feedDeadLetters/messages/feedDeadLetter')],
        summary: 'The service sets aside the feed records it could not store',
      },
      sendAlerts: {
        action: 'send',
        channel: ref('channels/alerts'),
        messages: alertTypes.map((type) => ref(`channels/alerts/messages/${alertMessageId(type)}`)),
        summary: 'The service tells every district an alert concerns of each change of the alert',
        description:
          'From a checkpointed subscription to the event log: the checkpoint moves only after the broker has acknowledged, so after a crash a message may come again. De-duplicate by the event id.',
      },
    },
    components: {
      schemas: {
        ...Object.fromEntries(
          FEED_KINDS.map((kind) => [feedRecordTitle(kind), { ...jsonSchemaOf(FEED_EVENTS[kind].schema, 'input', 'draft-7'), title: feedRecordTitle(kind) }]),
        ),
        FeedDeadLetter: jsonSchemaOf(feedDeadLetter, 'output', 'draft-7'),
        AlertMessageData: jsonSchemaOf(alertMessageData, 'output', 'draft-7'),
      },
      messages: {
        ...Object.fromEntries(FEED_KINDS.map((kind) => [`${kind}Record`, feedMessage(kind)])),
        feedDeadLetter: deadLetterMessage(topics.feed('attendance')),
        ...Object.fromEntries(alertTypes.map((type) => [alertMessageId(type), alertMessage(type, config.alertMessages)])),
      },
    },
  };
}

const alertMessageId = (type: AlertMessageData['type']) => type.replace(/^OffTrackA/, 'a');

function feedChannel(kind: FeedKind, address: string): Schema {
  return {
    address,
    title: `${capitalised(kind)} feed`,
    description:
      `The ${kind} feed: one JSON record a message, keyed by school id, so that a school's records share a partition and are read in order. ` +
      `**Produced by** a state data team's pipeline; **consumed by** the service, in the consumer group \`${FEED_CONSUMER_GROUP}\`. A record it cannot store goes to the dead-letter topic.`,
    messages: { [`${kind}Record`]: ref(`components/messages/${kind}Record`) },
  };
}

function feedMessage(kind: FeedKind): Schema {
  return {
    name: `${kind}Record`,
    title: `A ${kind} record`,
    summary: `One record of the ${kind} feed: the fields of its \`${FEED_EVENTS[kind].type}\` event, as in a JSON push to \`POST /api/v1/feeds/${kind}\``,
    contentType: 'application/json',
    payload: ref(`components/schemas/${feedRecordTitle(kind)}`),
    bindings: {
      kafka: {
        key: idKey("the record's schoolId: a school's records share a partition, so they are read in order", FEED_RECORD_EXAMPLES[kind].schoolId),
        ...KAFKA_BINDING,
      },
    },
    examples: [{ name: kind, summary: `a ${kind} record`, payload: FEED_RECORD_EXAMPLES[kind] }],
  };
}

/** `exampleTopic`: the feed topic the example's record came from. */
function deadLetterMessage(exampleTopic: string): Schema {
  const record = JSON.stringify({ ...FEED_RECORD_EXAMPLES.attendance, attendanceDays: 9100 });
  const example: FeedDeadLetter = {
    topic: exampleTopic,
    partition: 3,
    offset: '18234',
    key: FEED_RECORD_EXAMPLES.attendance.schoolId,
    batchId: '0b6f1d2e-8c44-4a51-9e37-5a0c2f7d91b3',
    reason: [{ field: 'attendanceDays', message: 'expected at most membershipDays (9000), got 9100' }],
    payload: record,
  };
  return {
    name: 'feedDeadLetter',
    title: 'A feed record set aside',
    summary: 'A feed record the service could not store: where it came from, why, and the message as it came',
    contentType: 'application/json',
    payload: ref('components/schemas/FeedDeadLetter'),
    headers: {
      type: 'object',
      required: ['source-topic', 'source-offset'],
      properties: {
        'source-topic': { type: 'string', description: 'the feed topic the record came from' },
        'source-offset': { type: 'string', pattern: '^\\d+/\\d+$', description: '`{partition}/{offset}` of the record on it' },
      },
    },
    bindings: {
      kafka: {
        key: { type: 'string', description: "the record's key as it came: its school id, empty when it had none", examples: [example.key] },
        ...KAFKA_BINDING,
      },
    },
    examples: [
      {
        name: 'rejected',
        summary: 'an attendance record that failed a check',
        headers: { 'source-topic': example.topic, 'source-offset': `${example.partition}/${example.offset}` },
        payload: example,
      },
    ],
  };
}

function alertsDescription(settings: AlertMessageSettings): string {
  return [
    'Every change of an alert (raised, acknowledged, resolved, reopened), one message per district the alert concerns, keyed by that district id: a district reads the messages keyed by its own id. ' +
      '**Produced by** the service; **consumed by** districts (as API keys of role `district` read their alerts over HTTP) and state systems.',
    '',
    "A CloudEvent 1.0 in Kafka binary mode: the attributes in `ce_` headers (`ce_id` the alert event's id, the same for every district and on every redelivery: de-duplicate by it; " +
      `\`ce_source\` \`${settings.source}\`, from \`CLOUDEVENTS_SOURCE\`, \`PUBLIC_URL/api/v1/alerts\` unless set; \`ce_type\` \`${settings.typePrefix}.alert.raised\` and so on, the prefix \`CLOUDEVENTS_TYPE_PREFIX\`; ` +
      "`ce_subject` the alert id; `ce_time` when the event was recorded), `content-type: application/json`, and the value the event's data as JSON.",
    '',
    'With `ALERT_MESSAGE_FORMAT=legacy` (this release only) the value is the same, and the headers are `alertId`, `eventId` and `type` (the alert event) instead.' +
      (settings.format === 'legacy' ? ' **This instance sends the legacy shape**, as the messages below say.' : ''),
  ].join('\n');
}

function alertMessage(type: AlertMessageData['type'], settings: AlertMessageSettings): Schema {
  const example = alertExample(type);
  const attributes = alertCloudEventAttributes(example, settings);
  const legacy = settings.format === 'legacy';
  return {
    name: alertMessageId(type),
    title: `Alert ${ALERT_CLOUD_EVENT_TYPES[type].replace('alert.', '')}`,
    summary: `An \`${type}\` event: the alert as it stood after it, with what the event adds`,
    contentType: 'application/json',
    headers: legacy ? legacyAlertHeaders(type) : cloudEventHeaders(attributes.type, settings.source),
    // The data's type names the event, as ce_type does: the two always agree.
    payload: { allOf: [ref('components/schemas/AlertMessageData'), { type: 'object', properties: { type: { const: type } } }] },
    bindings: { kafka: { key: idKey('the id of the district told', example.districtIds[0]), ...KAFKA_BINDING } },
    examples: [
      {
        name: alertMessageId(type),
        summary: `${type}, on a school's attendance rate`,
        headers: legacy
          ? { alertId: example.alertId, eventId: example.eventId, type }
          : {
              ce_specversion: attributes.specversion,
              ce_id: attributes.id,
              ce_source: attributes.source,
              ce_type: attributes.type,
              ce_subject: attributes.subject,
              ce_time: attributes.time,
              'content-type': attributes.datacontenttype,
            },
        payload: example,
      },
    ],
  };
}

/** The `ce_` headers of Kafka binary mode (CloudEvents Kafka binding 3.2), and `content-type` for `datacontenttype`. */
function cloudEventHeaders(type: string, source: string): Schema {
  return {
    type: 'object',
    required: ['ce_specversion', 'ce_id', 'ce_source', 'ce_type', 'ce_subject', 'ce_time', 'content-type'],
    properties: {
      ce_specversion: { type: 'string', const: '1.0' },
      ce_id: {
        type: 'string',
        minLength: 1,
        description: "the alert event's id (the data's eventId): the same for every district told and on every redelivery, so a consumer de-duplicates by it",
      },
      ce_source: { type: 'string', const: source, description: 'the service: `CLOUDEVENTS_SOURCE`, `PUBLIC_URL/api/v1/alerts` unless set' },
      ce_type: { type: 'string', const: type, description: 'what happened to the alert; the prefix is `CLOUDEVENTS_TYPE_PREFIX`' },
      ce_subject: { type: 'string', minLength: 1, description: "the alert's id (the data's alertId)" },
      ce_time: { type: 'string', format: 'date-time', description: "when the event was recorded (the data's recordedAt)" },
      'content-type': { type: 'string', const: 'application/json', description: "the CloudEvent's datacontenttype" },
    },
  };
}

/** The headers before CloudEvents, which `ALERT_MESSAGE_FORMAT=legacy` keeps for one release. */
function legacyAlertHeaders(type: AlertMessageData['type']): Schema {
  return {
    type: 'object',
    required: ['alertId', 'eventId', 'type'],
    properties: {
      alertId: { type: 'string', description: "the alert's id" },
      eventId: { type: 'string', description: "the alert event's id: de-duplicate by it" },
      type: { type: 'string', const: type },
    },
  };
}

/** What each alert event adds to the alert, for its example: the alert itself is `API_EXAMPLES`' raised one. */
const ALERT_EVENT_EXAMPLES: Record<AlertMessageData['type'], Partial<AlertMessageData>> = {
  OffTrackAlertRaised: {},
  OffTrackAlertAcknowledged: {
    eventId: '4c7d2a90-5b1e-4f3a-9d8c-1e2f3a4b5c6d',
    by: '3f9a0c51be27',
    byName: 'Springfield Public Schools',
    note: 'Attendance coach in place from April 1',
  },
  OffTrackAlertResolved: { eventId: '7e1a3b5c-9d2f-4a6b-8c0e-2f4a6b8c0d1e', actual: 0.94, reason: 'the target is met' },
  OffTrackAlertReopened: { eventId: 'a2c4e6f8-1b3d-4f5a-8c7e-9d0b2a4c6e8f', actual: 0.905, raisedActual: 0.905 },
};

function alertExample(type: AlertMessageData['type']): AlertMessageData {
  return { ...(API_EXAMPLES.get(alertMessageData) as AlertMessageData), ...ALERT_EVENT_EXAMPLES[type], type };
}
