import { applyDecorators, INestApplication } from '@nestjs/common';
import { ApiBody, ApiOperationOptions, ApiResponse, DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { FEED_EVENTS, FEED_KINDS, FeedKind, ROLE_KINDS, RoleKind } from '@turnaround/domain';
import { z } from 'zod';
import { ACCESS_MATRIX, Grant, RouteAccess } from './access/access-matrix';
import {
  ALERT_CLOUD_EVENT_TYPES,
  alertCloudEventAttributes,
  AlertMessageData,
  alertMessageData,
  DEFAULT_CLOUD_EVENT_TYPE_PREFIX,
  WEBHOOK_TEST_CLOUD_EVENT_TYPE,
  webhookTestData,
} from './alert-messages';
import { API_EXAMPLES, FEED_RECORD_EXAMPLES } from './api-examples';
import { errorAnswer } from './api-schemas';

export { API_EXAMPLES, FEED_RECORD_EXAMPLES } from './api-examples';

/**
 * A zod schema as a document's JSON Schema: `input` for what the service takes (a request body,
 * a feed record), `output` for what it gives (an answer, a message it sends). The OpenAPI 3.1
 * document's dialect is 2020-12; the AsyncAPI document's default schema format is a superset
 * of draft-07.
 */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output', target: 'draft-2020-12' | 'draft-7' = 'draft-2020-12'): Record<string, unknown> {
  const { $schema: _dialect, ...jsonSchema } = z.toJSONSchema(schema, { io, target, unrepresentable: 'any' }) as Record<string, unknown>;
  return jsonSchema;
}

/**
 * The JSON Schema of a request body whose id the path carries too (`bodyWithPathId`): the field
 * may be left out, and when given must be the path's, so the schema does not require it.
 */
export function jsonSchemaWithPathId(schema: z.ZodType, pathId: string): Record<string, unknown> {
  const jsonSchema = jsonSchemaOf(schema, 'input');
  const required = (jsonSchema.required as string[] | undefined)?.filter((field) => field !== pathId);
  if (required?.length) jsonSchema.required = required;
  else delete jsonSchema.required;
  const properties = jsonSchema.properties as Record<string, Record<string, unknown>> | undefined;
  if (properties?.[pathId])
    properties[pathId] = { ...properties[pathId], description: `the ${pathId} of the path; may be left out, and if given must be the same` };
  return jsonSchema;
}

/** An example for the document: the default one of a request or answer is `API_EXAMPLES`' entry for its schema. */
export type Example = { summary: string; value: unknown };

/**
 * Documents a request body with the same zod schema that validates it: one source of truth.
 * `pathId`: the body's field the path carries (the server takes it from there); `examples`:
 * what a caller sends, the schema's entry in `API_EXAMPLES` when absent.
 */
export function ApiBodyFrom(schema: z.ZodType, description?: string, options: { pathId?: string; examples?: Record<string, Example> } = {}): MethodDecorator {
  const example = API_EXAMPLES.get(schema);
  const examples =
    options.examples ?? (example === undefined ? undefined : { example: { summary: 'a request', value: withoutField(example, options.pathId) } });
  return ApiBody({
    description,
    schema: options.pathId ? jsonSchemaWithPathId(schema, options.pathId) : jsonSchemaOf(schema, 'input'),
    ...(examples ? { examples } : {}),
  });
}

function withoutField(example: unknown, field: string | undefined): unknown {
  if (!field || example === null || typeof example !== 'object' || Array.isArray(example)) return example;
  const { [field]: _omitted, ...rest } = example as Record<string, unknown>;
  return rest;
}

/**
 * Documents what an operation answers: its success body (an array of `schema` when `list`),
 * and the error body every refusal has (api-schemas.ts), so a district's IT can generate a
 * typed client. `status` is the success status (200, or 201 for a POST that creates).
 * `example`: one answer (one item of a list), the schema's entry in `API_EXAMPLES` when absent.
 */
export function ApiAnswer(schema: z.ZodType, options: { status?: number; list?: boolean; description?: string; example?: unknown } = {}): MethodDecorator {
  const body = jsonSchemaOf(schema, 'output');
  const example = options.example ?? API_EXAMPLES.get(schema);
  return applyDecorators(
    ApiResponse({
      status: options.status ?? 200,
      description: options.description ?? 'the answer',
      schema: options.list ? { type: 'array', items: body } : body,
      ...(example === undefined ? {} : { example: options.list ? [example] : example }),
    }),
    ApiResponse({
      status: 'default',
      description: 'a refusal: what was wrong, and for bad input each field',
      schema: jsonSchemaOf(errorAnswer, 'output'),
      example: API_EXAMPLES.get(errorAnswer),
    }),
  );
}

/** What each path parameter names: every route of the API names its ids the same way. */
export const PATH_PARAMETERS: Readonly<Record<string, { description: string; example: string }>> = {
  zoneId: { description: "the Partnership Zone's id", example: 'Z-DEMO' },
  clusterId: { description: "the cluster's id", example: 'C-NORTH' },
  schoolId: { description: "the school's id (its state school code)", example: 'S-0001' },
  partnerId: { description: "the partner's id", example: 'P-LEAD' },
  contractId: { description: "the performance contract's id", example: 'K-2023-NORTH' },
  alertId: { description: "the alert's id, as GET /api/v1/alerts lists it", example: 'A-3f1c9e2a7b4d5c6e8f901a2b' },
  districtId: { description: "the district's id (a district key may name its own only)", example: 'D-0281' },
  webhookId: { description: "the webhook's id, as registering it answered", example: '5d2c7a1b-9e04-4c1f-8a3b-0f6e2d9c4b71' },
  recipientId: { description: "the email recipient's id, as adding it answered", example: 'er_8b41f0c2' },
  keyId: { description: "the key's id (the 12 hex digits after tm_), as GET /api/v1/keys lists it", example: '3f9a0c51be27' },
  name: { description: "the projection runner's name, as GET /api/v1/projections lists it", example: 'read-side' },
  kind: { description: 'the feed: assessment, attendance, staffing or indicators', example: 'attendance' },
};

const GRANT_WORDS: Record<Exclude<Grant, 'no'>, string> = {
  yes: '',
  own: " (its own only: another's is a 404)",
  narrowed: ' (the list holds its own only)',
};

type Operation = {
  description?: string;
  parameters?: { name: string; in: string; description?: string; example?: unknown }[];
  [extension: `x-${string}`]: unknown;
};

/** The route's key in ACCESS_MATRIX of an OpenAPI path and method: `/api/v1/zones/{zoneId}` is `GET /api/v1/zones/:zoneId`. */
export function matrixKeyOf(method: string, path: string): string {
  return `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`;
}

/**
 * The roles an operation admits, from ACCESS_MATRIX, so the document never says other than the
 * access guard does: `x-roles` the roles that may call it, `x-grants` how (`yes`, `own`: for
 * what it owns, `narrowed`: the list holds its own), `x-open` when no key is needed. A route the
 * matrix does not name admits nobody.
 */
export function rolesOf(access: RouteAccess | undefined): { 'x-roles': RoleKind[]; 'x-grants': Partial<Record<RoleKind, Grant>>; 'x-open'?: true } {
  if (access && 'open' in access)
    return { 'x-roles': [...ROLE_KINDS], 'x-grants': Object.fromEntries(ROLE_KINDS.map((role) => [role, 'yes'])), 'x-open': true };
  const admitted = ROLE_KINDS.filter((role) => access && access.grants[role] !== 'no');
  return { 'x-roles': admitted, 'x-grants': Object.fromEntries(admitted.map((role) => [role, access?.grants[role]])) };
}

function whoMayCall(access: RouteAccess | undefined): string {
  if (access && 'open' in access) return '**Who may call it:** anyone, without an API key.';
  const admitted = ROLE_KINDS.flatMap((role) => {
    const grant = access?.grants[role] ?? 'no';
    return grant === 'no' ? [] : [`\`${role}\`${GRANT_WORDS[grant]}`];
  });
  return `**Who may call it:** ${admitted.length ? admitted.join(', ') : 'nobody (the route is not in the access matrix)'}. Any other key gets a 403.`;
}

/**
 * Completes the document as it is built, from the tables the service runs by: each operation's
 * roles (ACCESS_MATRIX, as `x-roles`/`x-grants` and a "Who may call it" line at the end of its
 * description), and each path parameter's description and example (PATH_PARAMETERS) where its
 * route gave none.
 */
export function describeAccess(document: { paths: object }, matrix: Readonly<Record<string, RouteAccess>> = ACCESS_MATRIX): void {
  for (const [path, methods] of Object.entries(document.paths as Record<string, Record<string, unknown>>))
    for (const [method, value] of Object.entries(methods)) {
      if (!['get', 'put', 'post', 'delete', 'patch', 'head', 'options'].includes(method) || !value || typeof value !== 'object') continue;
      const operation = value as Operation;
      const access = matrix[matrixKeyOf(method, path)];
      Object.assign(operation, rolesOf(access));
      operation.description = [operation.description, whoMayCall(access)].filter(Boolean).join('\n\n');
      for (const parameter of operation.parameters ?? []) {
        const known = parameter.in === 'path' ? PATH_PARAMETERS[parameter.name] : undefined;
        if (!known) continue;
        parameter.description ??= known.description;
        parameter.example ??= known.example;
      }
    }
}

/** The CSV a feed push takes under the canonical profile: a header of field names, then one record a line. */
function canonicalCsv(record: Record<string, unknown>): string {
  const cell = (value: unknown) => (value === undefined || value === null ? '' : String(value));
  return `${Object.keys(record).join(',')}\n${Object.values(record).map(cell).join(',')}\n`;
}

/** A feed record's schema's name, in both documents: `AttendanceRecord`. */
export const feedRecordTitle = (kind: FeedKind) => `${kind[0].toUpperCase()}${kind.slice(1)}Record`;

function headerOf(kind: FeedKind): string {
  const schema = jsonSchemaOf(FEED_EVENTS[kind].schema, 'input') as { properties: Record<string, unknown>; required?: string[] };
  const required = new Set(schema.required ?? []);
  const columns = Object.keys(schema.properties).map((field) => (field === 'levels' ? '`levels.<name>`' : `\`${field}\``));
  const optional = Object.keys(schema.properties).filter((field) => !required.has(field));
  return `- \`${kind}\`: ${columns.join(', ')}${optional.length ? ` (may be left out or empty: ${optional.join(', ')})` : ''}`;
}

/**
 * The request body of `POST /api/v1/feeds/{kind}`, in its two forms: a JSON array of the feed's
 * records (each the fields of its event, the schema the ingestor checks each record by), or CSV,
 * streamed, whose header row the profile reads. Made from the feed events, so it cannot drift.
 */
export function feedPushBody(): NonNullable<ApiOperationOptions['requestBody']> {
  const records = FEED_KINDS.map((kind) => ({ ...jsonSchemaOf(FEED_EVENTS[kind].schema, 'input'), title: feedRecordTitle(kind) }));
  return {
    required: true,
    description:
      "The records of the feed `{kind}`, as a JSON array (at most 64 MB; each record the fields of the feed's event) or as CSV (`text/csv`, streamed, no size limit). " +
      'Each record is checked on its own: a bad one is a rejected row named by its position (JSON, from 1) or line (CSV, the header is line 1), and the rest is stored.',
    content: {
      'application/json': {
        schema: { type: 'array', description: "the feed's records: each one of the item schemas, the one of `{kind}`", items: { oneOf: records } },
        examples: Object.fromEntries(FEED_KINDS.map((kind) => [kind, { summary: `POST /api/v1/feeds/${kind}`, value: [FEED_RECORD_EXAMPLES[kind]] }])),
      },
      'text/csv': {
        schema: {
          type: 'string',
          description: [
            'A CSV file, UTF-8, comma-separated, one record a line after a header row. Which header depends on `?profile=`:',
            '',
            "**No profile (`canonical`)**: the header names the fields of the feed's records, in any order; a count that is suppressed may be written `s`, `*`, `<10`, `NS` or `N<10`:",
            ...FEED_KINDS.map(headerOf),
            '',
            "**`?profile=NAME`**: the vendor's own header, which the profile maps to those fields (`GET /api/v1/feeds/profiles` lists each profile's columns, ignored columns and constants; e.g. `nyc-doe-math`: `DBN`, `Grade`, `Year`, `Demographic`, `Number Tested`, ...). A column the profile neither maps nor ignores, a student-level column (student id, SASID, names, birth dates), or a missing column for a required field refuses the whole file with a 400.",
          ].join('\n'),
        },
        examples: Object.fromEntries(
          FEED_KINDS.map((kind) => [kind, { summary: `POST /api/v1/feeds/${kind} (canonical)`, value: canonicalCsv(FEED_RECORD_EXAMPLES[kind]) }]),
        ),
      },
    },
  };
}

/**
 * An operation's id, which a generated client names its method by: the controller's resource
 * and the method, `zonesEstablish`, `alertsAcknowledge` (not Nest's `AlertsController_acknowledge`).
 */
export function operationIdOf(controllerKey: string, methodKey: string): string {
  const resource = controllerKey.replace(/Controller$/, '');
  return `${resource[0].toLowerCase()}${resource.slice(1)}${methodKey[0].toUpperCase()}${methodKey.slice(1)}`;
}

/**
 * The API's OpenAPI 3.1 document, served at `/api/docs/openapi.json`: its schemas are the zod
 * schemas' JSON Schema 2020-12, which 3.1 takes as they are (3.0 has no `const`, no type
 * arrays). Who may call each operation comes from ACCESS_MATRIX; the alert webhooks the service
 * sends are its `webhooks`.
 */
export function openApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setOpenAPIVersion('3.1.0')
      .setTitle('turnaround-monitor')
      .setDescription(
        'School turnaround in Partnership Zones: registry, feeds, metrics, scorecards and off-track alerts. The Kafka topics are described by the AsyncAPI document beside this one, `/api/docs/asyncapi.json`.',
      )
      .setVersion('1')
      // Every operation takes an API key (README "Access"), but the health checks.
      // An opaque key, not a JWT (the document would say JWT without a format of its own).
      .addBearerAuth(
        {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'tm_{keyId}_{secret}',
          description:
            'an opaque API key, `tm_{keyId}_{secret}`, checked against its stored hash (not a JWT: it carries no claims): `npm run turnaround -- keys create --role ...`',
        },
        'apiKey',
      )
      .addSecurityRequirements('apiKey')
      .build(),
    { operationIdFactory: operationIdOf },
  );
  for (const [path, operations] of Object.entries(document.paths))
    if (path === '/health' || path.startsWith('/health/'))
      for (const operation of Object.values(operations)) if (typeof operation === 'object' && operation && 'responses' in operation) operation.security = [];
  // Who may call each operation, from ACCESS_MATRIX itself, and what each path parameter names.
  describeAccess(document);
  return nameSchemas(Object.assign(document, { webhooks: alertWebhooks() }));
}

/**
 * Moves every schema with a `title` (an answer's zod `.meta({ title })`, a feed record) into
 * `components.schemas` under that name, each use a `$ref` to it: a generated client has one
 * `Alert` type, not one per operation that answers an alert. Inner schemas first, so two uses
 * of one answer compare equal; two different schemas under one title are a mistake, refused.
 */
export function nameSchemas(document: OpenAPIObject): OpenAPIObject {
  const named = new Map<string, { json: string; schema: Record<string, unknown> }>();
  const hoist = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(hoist);
    if (node === null || typeof node !== 'object') return node;
    const object = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, key === 'example' || key === 'examples' ? value : hoist(value)]));
    const title = object.title;
    if (typeof title !== 'string' || !('type' in object || 'properties' in object || 'anyOf' in object || 'oneOf' in object)) return object;
    const json = JSON.stringify(object);
    const known = named.get(title);
    if (known && known.json !== json) throw new Error(`two different schemas are titled '${title}': give one another title`);
    named.set(title, { json, schema: object });
    return { $ref: `#/components/schemas/${title}` };
  };
  const paths = hoist(document.paths) as OpenAPIObject['paths'];
  const webhooks = hoist((document as { webhooks?: unknown }).webhooks);
  const schemas = Object.fromEntries([...named].sort(([a], [b]) => a.localeCompare(b)).map(([title, { schema }]) => [title, schema]));
  return {
    ...document,
    paths,
    ...(webhooks ? { webhooks } : {}),
    components: { ...document.components, schemas: { ...document.components?.schemas, ...schemas } },
  };
}

const WEBHOOK_HEADERS = [
  {
    name: 'X-Turnaround-Timestamp',
    description: 'when the delivery was signed, in unix seconds: refuse one more than 5 minutes away from now (a replay)',
    example: '1710511331',
  },
  {
    name: 'X-Turnaround-Signature',
    description:
      "`v1=` and the hex HMAC-SHA256, under the webhook's secret, of `{timestamp}.{raw body}`; two comma-separated values while a rotated secret's overlap lasts: accept the delivery if one matches (compare in constant time)",
    example: 'v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd',
  },
  {
    name: 'X-Turnaround-Event',
    description: "the alert event's id, as the CloudEvent's `id`: a receiver drops a delivery it has already seen",
    example: '9b2e4f7a-1c3d-4e5f-8a6b-7c8d9e0f1a2b',
  },
].map((header) => ({ in: 'header', required: true, schema: { type: 'string' }, ...header }));

/** A structured-mode CloudEvent 1.0 whose `data` is `data`, of one of `types` (the last part, after the configured prefix). */
function cloudEventSchema(title: string, types: string[], subject: string, data: Record<string, unknown>): Record<string, unknown> {
  return {
    title,
    type: 'object',
    required: ['specversion', 'id', 'source', 'type', 'subject', 'time', 'datacontenttype', 'data'],
    properties: {
      specversion: { const: '1.0' },
      id: {
        type: 'string',
        description: "the event's id: the same on every redelivery and every channel (the alerts topic too), so a receiver de-duplicates by it",
      },
      source: {
        type: 'string',
        format: 'uri-reference',
        description: 'the service that sent it: `PUBLIC_URL/api/v1/alerts` unless `CLOUDEVENTS_SOURCE` says otherwise',
      },
      type: {
        type: 'string',
        pattern: `\\.(${types.map((type) => type.replace('.', '\\.')).join('|')})$`,
        description: `\`{prefix}.${types.join('`, `{prefix}.')}\`; the prefix is \`CLOUDEVENTS_TYPE_PREFIX\` (\`gov.state.turnaround\` unless set, \`gov.ny.turnaround\` say)`,
      },
      subject: { type: 'string', description: subject },
      time: { type: 'string', format: 'date-time', description: 'when the event was recorded' },
      datacontenttype: { const: 'application/json' },
      data,
    },
  };
}

/**
 * What the service POSTs to a district's webhook: each alert event as a CloudEvent in
 * structured mode, signed (docs/alerts.md "Alert messages"), and the test ping.
 */
function alertWebhooks(): Record<string, unknown> {
  const responses = {
    '2XX': { description: 'delivered' },
    default: { description: 'not delivered: retried with backoff, dead after `WEBHOOK_MAX_ATTEMPTS`; a redirect is not followed' },
  };
  const example = API_EXAMPLES.get(alertMessageData) as AlertMessageData;
  const envelope = alertCloudEventAttributes(example, {
    source: 'https://turnaround.state.example/api/v1/alerts',
    typePrefix: DEFAULT_CLOUD_EVENT_TYPE_PREFIX,
  });
  return {
    alert: {
      post: {
        operationId: 'alertEvent',
        summary: 'An alert event, to each webhook of each district the alert concerns',
        description:
          "Every change of an alert (raised, acknowledged, resolved, reopened) of the district's schools and clusters, as a CloudEvent 1.0 in structured mode, signed. " +
          'Deliveries come in order per webhook from a persistent outbox; a receiver that comes back gets what it missed. ' +
          'With `ALERT_MESSAGE_FORMAT=legacy` (this release only) the body is `data` alone, as `application/json`.',
        parameters: [
          ...WEBHOOK_HEADERS,
          {
            in: 'header',
            name: 'X-Turnaround-Delivery',
            required: true,
            schema: { type: 'string' },
            description: "the delivery's number in the outbox",
            example: '4187',
          },
        ],
        requestBody: {
          required: true,
          content: {
            'application/cloudevents+json': {
              schema: cloudEventSchema('AlertCloudEvent', Object.values(ALERT_CLOUD_EVENT_TYPES), "the alert's id", jsonSchemaOf(alertMessageData, 'output')),
              example: { ...envelope, data: example },
            },
          },
        },
        responses,
      },
    },
    webhookTest: {
      post: {
        operationId: 'webhookTest',
        summary: 'A test ping, sent when asked (`POST /api/v1/districts/{districtId}/webhooks/{webhookId}/test`)',
        description: 'Checked and signed as every delivery is; its id starts `test-`. It has no delivery number: it is not in the outbox.',
        parameters: WEBHOOK_HEADERS,
        requestBody: {
          required: true,
          content: {
            'application/cloudevents+json': {
              schema: cloudEventSchema('WebhookTestCloudEvent', [WEBHOOK_TEST_CLOUD_EVENT_TYPE], "the webhook's id", jsonSchemaOf(webhookTestData, 'output')),
            },
          },
        },
        responses,
      },
    },
  };
}
