import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { createApp } from '@turnaround/all-in-one';
import Ajv2020 from 'ajv/dist/2020';
import { waitUntil } from '@turnaround/domain/testing';
import { testConfig } from './support/app';
import { httpClient } from './support/http-client';
import { attendance2023, registerOneClusterZone } from './support/one-cluster-zone';

jest.setTimeout(120_000);

type Operation = { requestBody?: unknown; security?: unknown[]; responses: Record<string, { content?: Record<string, { schema?: unknown } | undefined> }> };
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
  let document: Document;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'turnaround-openapi-'));
    app = await createApp(testConfig({ DATA_DIR: dataDir }), { logger: false });
    http = await httpClient(app);
    await registerOneClusterZone(http, [['S1', 'D1'], ['S2', 'D2']]);
    await http.post('/api/v1/feeds/attendance', [attendance2023('S1', 900), attendance2023('S2', 950)]);
    await waitUntil(() => http.get('/api/v1/alerts'), (answer) => expect(answer.body.length).toBeGreaterThan(0));
    document = (await http.get('/api/docs/openapi.json')).body;
  });
  afterAll(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const operations = () =>
    Object.entries(document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ route: `${method.toUpperCase()} ${path}`, path, method, operation })));
  const successOf = (operation: Operation) => Object.entries(operation.responses).find(([status]) => status.startsWith('2'));

  it('declares bearer API keys for every operation but the health checks', () => {
    expect(document.components.securitySchemes).toMatchObject({ apiKey: { type: 'http', scheme: 'bearer' } });
    // an opaque key, which a generated client must not try to read as a JWT
    expect(document.components.securitySchemes?.apiKey).toMatchObject({ bearerFormat: 'tm_{keyId}_{secret}', description: expect.stringContaining('not a JWT') });
    const wrong = operations().filter(({ path, operation }) => (path.startsWith('/health') ? operation.security?.length !== 0 : operation.security !== undefined && operation.security.length === 0));
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
