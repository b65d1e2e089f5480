import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { createApp } from '@turnaround/all-in-one';
import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv2020 from 'ajv/dist/2020';
import { ROLE_KINDS } from '@turnaround/domain';
import { waitUntil } from '@turnaround/domain/testing';
import { ACCESS_MATRIX } from '@turnaround/platform';
import { testConfig } from './support/app';
import { httpClient } from './support/http-client';
import { attendance2023, registerOneClusterZone } from './support/one-cluster-zone';

jest.setTimeout(120_000);

type Example = { summary?: string; value: unknown };
type MediaType = { schema?: Record<string, unknown>; example?: unknown; examples?: Record<string, Example> };
type Operation = {
  summary?: string;
  description?: string;
  parameters?: { name: string; in: string; description?: string; example?: unknown }[];
  requestBody?: { content?: Record<string, MediaType> };
  security?: unknown[];
  responses: Record<string, { content?: Record<string, MediaType | undefined> }>;
  'x-roles'?: string[];
  'x-grants'?: Record<string, string>;
  'x-open'?: boolean;
};

type Document = { paths: Record<string, Record<string, Operation>>; components: { securitySchemes?: Record<string, unknown> } };

/**
 * The OpenAPI document (`/api/docs/openapi.json`) is what a district's IT generates a typed
 * client from: it must declare how to authenticate, what each operation takes and answers, and
 * the answers the service really gives must match it.
 */
describe('the OpenAPI document describes the API as it answers', () => {
  let dataDir: string;
  let app: INestApplication;
  let http: Awaited<ReturnType<typeof httpClient>>;
  /** As served. */
  let served: Document & { openapi: string; webhooks: Record<string, { post: Operation }>; components: { schemas: Record<string, unknown> } };
  /** With every `$ref` to a named schema replaced by the schema, as a reader sees it. */
  let document: Document;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'turnaround-openapi-'));
    app = await createApp(testConfig({ DATA_DIR: dataDir }), { logger: false });
    http = await httpClient(app);
    await registerOneClusterZone(http, [
      ['S1', 'D1'],
      ['S2', 'D2'],
    ]);
    await http.post('/api/v1/feeds/attendance', [attendance2023('S1', 900), attendance2023('S2', 950)]);
    await waitUntil(
      () => http.get('/api/v1/alerts'),
      (answer) => expect(answer.body.length).toBeGreaterThan(0),
    );
    served = (await http.get('/api/docs/openapi.json')).body;
    document = (await SwaggerParser.dereference(structuredClone(served) as never)) as unknown as Document;
  });
  afterAll(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const operations = () =>
    Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ route: `${method.toUpperCase()} ${path}`, path, method, operation })),
    );
  const successOf = (operation: Operation) => Object.entries(operation.responses).find(([status]) => status.startsWith('2'));

  it('is a valid OpenAPI 3.1 document, by a validator nobody here wrote', async () => {
    expect(served.openapi).toBe('3.1.0');
    await expect(SwaggerParser.validate(structuredClone(served) as never)).resolves.toBeDefined();
  });

  it('names each answer once, as a component a generated client makes one type of, and each operation by its resource', () => {
    expect(Object.keys(served.components.schemas)).toEqual(
      expect.arrayContaining(['Alert', 'Scorecard', 'ScorecardLine', 'Contract', 'Refusal', 'AttendanceRecord', 'AlertCloudEvent']),
    );
    expect(served.paths['/api/v1/alerts/{alertId}'].get.responses['200'].content?.['application/json']?.schema).toEqual({ $ref: '#/components/schemas/Alert' });
    const ids = operations().map(({ operation }) => (operation as { operationId?: string }).operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(['zonesEstablish', 'feedsPush', 'metricsScorecard', 'alertsAcknowledge']));
  });

  it('describes the alert webhooks it sends: a signed CloudEvent in structured mode, and the test ping', () => {
    const alert = served.webhooks.alert.post;
    expect(Object.keys(alert.requestBody?.content ?? {})).toEqual(['application/cloudevents+json']);
    expect((alert.parameters ?? []).map((parameter) => parameter.name)).toEqual([
      'X-Turnaround-Timestamp',
      'X-Turnaround-Signature',
      'X-Turnaround-Event',
      'X-Turnaround-Delivery',
    ]);
    const envelope = served.components.schemas.AlertCloudEvent as { required: string[]; properties: { data: unknown; type: { pattern: string } } };
    expect(envelope.required).toEqual(['specversion', 'id', 'source', 'type', 'subject', 'time', 'datacontenttype', 'data']);
    expect(envelope.properties.data).toEqual({ $ref: '#/components/schemas/AlertMessageData' });
    expect(new RegExp(envelope.properties.type.pattern).test('gov.ny.turnaround.alert.raised')).toBe(true);
    expect(Object.keys(served.webhooks)).toEqual(['alert', 'webhookTest']);
  });

  it('declares bearer API keys for every operation but the health checks', () => {
    expect(document.components.securitySchemes).toMatchObject({ apiKey: { type: 'http', scheme: 'bearer' } });
    // an opaque key, which a generated client must not try to read as a JWT
    expect(document.components.securitySchemes?.apiKey).toMatchObject({
      bearerFormat: 'tm_{keyId}_{secret}',
      description: expect.stringContaining('not a JWT'),
    });
    const wrong = operations().filter(({ path, operation }) =>
      path.startsWith('/health') ? operation.security?.length !== 0 : operation.security !== undefined && operation.security.length === 0,
    );
    expect(wrong.map(({ route }) => route)).toEqual([]);
  });

  it('gives every operation a success schema and the error schema, and every JSON POST a body schema', () => {
    const missing = operations().flatMap(({ route, method, operation }) => {
      const success = successOf(operation);
      return [
        // a file download (CSV, Parquet, Stata) has a schema of its own media type
        ...(success && Object.values(success[1].content ?? {}).some((content) => content?.schema) ? [] : [`${route}: no success schema`]),
        ...(operation.responses.default?.content?.['application/json']?.schema ? [] : [`${route}: no error schema`]),
        ...(method === 'post' && !operation.requestBody ? [`${route}: no request body schema`] : []),
      ];
    });
    expect(missing).toEqual([]);
  });

  it('gives every operation a summary, a description and a parameter description for each parameter', () => {
    const missing = operations().flatMap(({ route, operation }) => [
      ...(operation.summary?.trim() ? [] : [`${route}: no summary`]),
      // the description is more than the "Who may call it" line every operation is given
      ...(operation.description?.split('**Who may call it:**')[0].trim() ? [] : [`${route}: no description`]),
      ...(operation.parameters ?? [])
        .filter((parameter) => !parameter.description?.trim())
        .map((parameter) => `${route}: no description of ${parameter.in} parameter ${parameter.name}`),
    ]);
    expect(missing).toEqual([]);
  });

  it('says which roles may call each operation, as ACCESS_MATRIX grants them', () => {
    const wrong = operations().flatMap(({ route, path, method, operation }) => {
      const access = ACCESS_MATRIX[`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`];
      if (!access) return [`${route}: not in ACCESS_MATRIX`];
      const grants =
        'open' in access
          ? Object.fromEntries(ROLE_KINDS.map((role) => [role, 'yes']))
          : Object.fromEntries(ROLE_KINDS.filter((role) => access.grants[role] !== 'no').map((role) => [role, access.grants[role]]));
      const stated = {
        roles: operation['x-roles'],
        grants: operation['x-grants'],
        open: operation['x-open'] ?? false,
        line: /\*\*Who may call it:\*\* .+/.test(operation.description ?? ''),
      };
      const expected = { roles: Object.keys(grants), grants, open: 'open' in access, line: true };
      return JSON.stringify(stated) === JSON.stringify(expected) ? [] : [`${route}: says ${JSON.stringify(stated)}, the matrix ${JSON.stringify(expected)}`];
    });
    expect(wrong).toEqual([]);
    // the words, on one route of each kind of grant
    expect(document.paths['/api/v1/schools'].get.description).toContain(
      '**Who may call it:** `state`, `researcher`, `district` (the list holds its own only), `partner` (the list holds its own only), `data-team`, `public`.',
    );
    expect(document.paths['/api/v1/alerts/{alertId}/acknowledge'].post.description).toContain("`state`, `district` (its own only: another's is a 404)");
    expect(document.paths['/health'].get.description).toContain('**Who may call it:** anyone, without an API key.');
  });

  it('gives every operation an answer example and every request body an exact schema with an example, each valid by its schema', () => {
    const ajv = new Ajv2020({ strict: false });
    const problems = operations().flatMap(({ route, path, operation }) => {
      const found: string[] = [];
      const check = (where: string, schema: object | undefined, value: unknown) => {
        if (schema && !ajv.validate(schema, value)) found.push(`${route}: ${where} example does not fit its schema: ${ajv.errorsText(ajv.errors)}`);
      };
      const success = Object.entries(operation.responses).filter(([status]) => status.startsWith('2'));
      const answerExamples = success.flatMap(([status, response]) =>
        Object.entries(response.content ?? {}).flatMap(([type, media]) => [
          ...(media?.example === undefined
            ? []
            : [{ where: `${status} ${type}`, schema: media.schema, value: media.example, json: type === 'application/json' }]),
          ...Object.entries(media?.examples ?? {}).map(([name, example]) => ({
            where: `${status} ${type} '${name}'`,
            schema: media?.schema,
            value: example.value,
            json: type === 'application/json',
          })),
        ]),
      );
      if (answerExamples.length === 0) found.push(`${route}: no example of its answer`);
      for (const example of answerExamples) if (example.json) check(example.where, example.schema, example.value);
      const refusal = operation.responses.default?.content?.['application/json'];
      if (refusal?.example !== undefined) check('refusal', refusal.schema, refusal.example);

      const pathParameters = (operation.parameters ?? []).filter((parameter) => parameter.in === 'path').map((parameter) => parameter.name);
      for (const [type, media] of Object.entries(operation.requestBody?.content ?? {})) {
        const schema = media.schema;
        if (!schema) {
          found.push(`${route}: ${type} body without a schema`);
          continue;
        }
        if (type === 'application/json') {
          // a JSON body is an object or an array, never text
          if (schema.type !== 'object' && schema.type !== 'array') found.push(`${route}: ${type} body typed ${JSON.stringify(schema.type)}`);
          // what the path carries, the body need not repeat (e.g. a cluster assignment's schoolId)
          const required = (schema.required as string[] | undefined) ?? [];
          for (const name of pathParameters) if (required.includes(name)) found.push(`${route}: the body requires ${name}, which the path carries`);
        }
        const examples = [...(media.example === undefined ? [] : [media.example]), ...Object.values(media.examples ?? {}).map((example) => example.value)];
        if (examples.length === 0 && !path.endsWith('/revocation') && !/rotate-secret|\/test$|\/resume$/.test(path))
          found.push(`${route}: ${type} body without an example`);
        for (const value of examples) if (type === 'application/json') check(`${type} body`, schema, value);
      }
      return found;
    });
    expect(problems).toEqual([]);
  });

  it('takes a feed push as a JSON array of the feed records or as CSV with its header described, and a retraction as its fields', async () => {
    const push = document.paths['/api/v1/feeds/{kind}'].post.requestBody?.content ?? {};
    expect(Object.keys(push).sort()).toEqual(['application/json', 'text/csv']);
    const json = push['application/json'].schema as { type: string; items: { oneOf: { title: string; required: string[] }[] } };
    expect(json.type).toBe('array');
    expect(json.items.oneOf.map((record) => record.title)).toEqual(['AssessmentRecord', 'AttendanceRecord', 'StaffingRecord', 'IndicatorsRecord']);
    expect(json.items.oneOf[1].required).toEqual(
      expect.arrayContaining(['schoolId', 'schoolYear', 'periodStart', 'periodEnd', 'membershipDays', 'attendanceDays']),
    );
    const csv = push['text/csv'].schema as { type: string; description: string };
    expect(csv.type).toBe('string');
    expect(csv.description).toContain('`attendance`: `schoolId`, `schoolYear`, `periodStart`, `periodEnd`, `membershipDays`, `attendanceDays`');
    expect(csv.description).toContain('?profile=');
    expect(Object.keys(push['text/csv'].examples ?? {})).toEqual(['assessment', 'attendance', 'staffing', 'indicators']);

    const retraction = document.paths['/api/v1/feeds/{kind}/retractions'].post.requestBody?.content?.['application/json'];
    expect(retraction?.schema).toMatchObject({ type: 'object', required: ['naturalKey', 'reason'] });

    // the documented examples are what the service takes
    const attendanceCsv = push['text/csv'].examples?.attendance.value as string;
    const pushed = await http.send('/api/v1/feeds/attendance', attendanceCsv, 'text/csv');
    expect(pushed.body).toMatchObject({ status: 'completed', accepted: 1, rejectedRows: 0 });
    const again = await http.post('/api/v1/feeds/attendance', push['application/json'].examples?.attendance.value);
    expect(again.body).toMatchObject({ status: 'completed', duplicates: 1, rejectedRows: 0 });
    const retracted = await http.post('/api/v1/feeds/attendance/retractions', Object.values(retraction?.examples ?? {})[0]?.value);
    expect(retracted).toMatchObject({ status: 201, body: { retracted: true, naturalKey: 'S-0001/2023-09-01/2023-09-30' } });
  });

  it('serves the reference in Swagger UI at /api/docs from the service itself, as its content security policy allows', async () => {
    const page = await fetch(`${http.base}/api/docs`);
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).toContain('swagger-ui');
    // every script and stylesheet is the service's own (no CDN), and no script is inline
    const assets = [...html.matchAll(/<(?:script|link)[^>]+(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
    expect(assets.filter((asset) => /^(https?:)?\/\//.test(asset))).toEqual([]);
    expect([...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].filter((match) => match[1].trim() !== '')).toEqual([]);
    for (const asset of assets.filter((asset) => /\.(js|css)$/.test(asset))) {
      const answer = await fetch(new URL(asset, `${http.base}/api/docs/`));
      expect([asset, answer.status]).toEqual([asset, 200]);
    }
    // the page loads the document this test reads
    const init = await (await fetch(`${http.base}/api/docs/swagger-ui-init.js`)).text();
    expect(init).toContain('"x-roles"');
  });

  it('answers what the document says, for each read and write of a small zone', async () => {
    const ajv = new Ajv2020({ strict: false });
    const [alert] = (await http.get('/api/v1/alerts')).body as { alertId: string }[];
    const [batch] = (await http.get('/api/v1/feeds/batches')).body as { batchId: string }[];
    const calls: [template: string, path: string, body?: unknown][] = [
      ['/api/v1/zones', '/api/v1/zones'],
      ['/api/v1/zones/{zoneId}', '/api/v1/zones/Z'],
      ['/api/v1/clusters', '/api/v1/clusters'],
      ['/api/v1/clusters/{clusterId}', '/api/v1/clusters/C'],
      ['/api/v1/schools', '/api/v1/schools'],
      ['/api/v1/schools/{schoolId}', '/api/v1/schools/S1'],
      ['/api/v1/partners', '/api/v1/partners'],
      ['/api/v1/contracts', '/api/v1/contracts'],
      ['/api/v1/contracts/{contractId}', '/api/v1/contracts/K'],
      ['/api/v1/metric-definitions', '/api/v1/metric-definitions'],
      ['/api/v1/schools/{schoolId}/metrics', '/api/v1/schools/S1/metrics'],
      ['/api/v1/clusters/{clusterId}/metrics', '/api/v1/clusters/C/metrics'],
      ['/api/v1/partners/{partnerId}/metrics', '/api/v1/partners/P/metrics'],
      ['/api/v1/zones/{zoneId}/metrics', '/api/v1/zones/Z/metrics'],
      ['/api/v1/state/metrics', '/api/v1/state/metrics'],
      ['/api/v1/contracts/{contractId}/scorecard', '/api/v1/contracts/K/scorecard'],
      ['/api/v1/partners/{partnerId}/scorecard', '/api/v1/partners/P/scorecard'],
      ['/api/v1/alerts', '/api/v1/alerts'],
      ['/api/v1/alerts/{alertId}', `/api/v1/alerts/${alert.alertId}`],
      ['/api/v1/feeds/batches', '/api/v1/feeds/batches'],
      ['/api/v1/feeds/rejections', `/api/v1/feeds/rejections?batchId=${batch.batchId}`],
      ['/api/v1/feeds/profiles', '/api/v1/feeds/profiles'],
      ['/api/v1/feeds/{kind}/records', '/api/v1/feeds/attendance/records?schoolId=S1&schoolYear=2023-24'],
      ['/api/v1/feeds/{kind}', '/api/v1/feeds/attendance', [attendance2023('S1', 910)]],
      ['/api/v1/partners', '/api/v1/partners', { partnerId: 'P9', name: 'Partner nine', role: 'lead' }],
      ['/api/v1/alerts/{alertId}/acknowledge', `/api/v1/alerts/${alert.alertId}/acknowledge`, { note: 'coaching in place' }],
    ];
    const wrong: string[] = [];
    for (const [template, path, body] of calls) {
      const method = body === undefined ? 'get' : 'post';
      const answer = body === undefined ? await http.get(path) : await http.post(path, body);
      const operation = document.paths[template]?.[method];
      const schema = operation?.responses[String(answer.status)]?.content?.['application/json']?.schema;
      if (!schema) {
        wrong.push(`${method.toUpperCase()} ${path}: answered ${answer.status}, which the document does not describe`);
        continue;
      }
      if (!ajv.validate(schema as object, answer.body)) wrong.push(`${method.toUpperCase()} ${path}: ${ajv.errorsText(ajv.errors)}`);
    }
    // and a refusal has the error schema
    const refused = await http.post('/api/v1/zones', { zoneId: 'Z2' });
    expect(ajv.validate(document.paths['/api/v1/zones'].post.responses.default.content?.['application/json']?.schema as object, refused.body)).toBe(true);
    expect(wrong).toEqual([]);
  });
});
