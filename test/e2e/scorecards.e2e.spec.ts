import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { createApp } from '@turnaround/all-in-one';
import { waitUntil } from '@turnaround/domain/testing';
import { ApiKeys } from '@turnaround/platform';
import { testConfig } from './support/app';
import { httpClient } from './support/http-client';
import { attendance2023, registerOneClusterZone } from './support/one-cluster-zone';

jest.setTimeout(120_000);

type Alert = { alertId: string; schoolId: string | null; clusterId: string | null; checkpoint: string; status: string; districtIds: string[] };

/** Collects what the service posts to it, by path: one district's webhook each. */
class Receivers {
  readonly received = new Map<string, { type: string; alertId: string }[]>();
  private server?: Server;
  port = 0;

  async up(): Promise<void> {
    this.server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        this.received.set(request.url as string, [...(this.received.get(request.url as string) ?? []), JSON.parse(body)]);
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => (this.server as Server).listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async down(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
    this.server?.closeAllConnections();
  }
}

describe('scorecards and alerts over HTTP: every district of a cluster told, and every read as of a date', () => {
  let dataDir: string;
  let app: INestApplication;
  let http: Awaited<ReturnType<typeof httpClient>>;
  const receivers = new Receivers();

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'turnaround-scorecards-'));
    await receivers.up();
    app = await createApp(testConfig({ DATA_DIR: dataDir, WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', WEBHOOK_RETRY_BASE_MS: '50' }), { logger: false });
    http = await httpClient(app);
    // cluster C spans two districts: S1 in D1, S2 in D2; the target is attendance of at least 0.93 in 2023-24
    await registerOneClusterZone(http, [['S1', 'D1'], ['S2', 'D2']]);
  });
  afterAll(async () => {
    await app.close();
    await receivers.down();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers as known on a date between two pushes, then sends a cluster alert to both districts by API and webhook', async () => {
    const keys = app.get(ApiKeys);
    const districts = await Promise.all(['D1', 'D2'].map(async (districtId) => httpClient(app, (await keys.issue({ kind: 'district', districtId }, districtId)).key)));
    for (const [index, district] of districts.entries())
      expect((await district.post(`/api/v1/districts/D${index + 1}/webhooks`, { url: `http://127.0.0.1:${receivers.port}/d${index + 1}`, secret: 'a-shared-secret-0001' })).status).toBe(201);

    // January: both schools at 900/1000 = 0.90 so far, below 0.93: each is at risk, and so is the cluster (0.90)
    await http.post('/api/v1/feeds/attendance', [attendance2023('S1', 900, '2024-01-31'), attendance2023('S2', 900, '2024-01-31')]);
    const early = await waitUntil(
      () => http.get('/api/v1/alerts').then((answer) => answer.body as Alert[]),
      (list) => expect(list.map((alert) => alert.checkpoint)).toEqual(['early_warning', 'early_warning']),
    );
    const then = {
      scorecard: (await http.get('/api/v1/contracts/K/scorecard')).body,
      school: (await http.get('/api/v1/schools/S1/metrics')).body,
      cluster: (await http.get('/api/v1/clusters/C/metrics')).body,
      alerts: early,
    };
    const between = new Date().toISOString();

    // June: the year closes with both at 920/1000 = 0.92: both miss, and so does the cluster (2 of 2 schools missed)
    await http.post('/api/v1/feeds/attendance', [attendance2023('S1', 920), attendance2023('S2', 920)]);
    const clusterAlert = await waitUntil(
      () => http.get('/api/v1/alerts?status=open').then((answer) => (answer.body as Alert[]).find((alert) => alert.clusterId === 'C')),
      (alert) => expect(alert).toMatchObject({ checkpoint: 'year_end', districtIds: ['D1', 'D2'] }),
    );

    // as of the date between the pushes, every read answers what it answered then
    expect((await http.get(`/api/v1/contracts/K/scorecard?asOf=${between}`)).body).toEqual({ ...then.scorecard, asOf: between });
    expect((await http.get(`/api/v1/schools/S1/metrics?asOf=${between}`)).body).toEqual(then.school);
    expect((await http.get(`/api/v1/clusters/C/metrics?asOf=${between}`)).body).toEqual(then.cluster);
    expect((await http.get(`/api/v1/alerts?asOf=${between}`)).body).toEqual(then.alerts);
    expect((await http.get('/api/v1/alerts?asOf=yesterday')).body).toMatchObject({ issues: [{ field: 'asOf' }] });

    // both districts see the cluster's alert; each sees its own school's, not the other's
    const seen = await Promise.all(districts.map((district) => district.get('/api/v1/alerts?checkpoint=year_end').then((answer) => answer.body as Alert[])));
    expect(seen.map((list) => list.filter((alert) => alert.checkpoint === 'year_end').map((alert) => alert.schoolId ?? alert.clusterId).sort())).toEqual([
      ['C', 'S1'],
      ['C', 'S2'],
    ]);
    expect((await districts[1].get(`/api/v1/alerts/${clusterAlert?.alertId}`)).status).toBe(200);
    // and both districts' webhooks receive it
    await waitUntil(
      async () => ['/d1', '/d2'].map((path) => (receivers.received.get(path) ?? []).filter((notice) => notice.alertId === clusterAlert?.alertId).map((notice) => notice.type)),
      (types) => expect(types).toEqual([['OffTrackAlertRaised'], ['OffTrackAlertRaised']]),
    );
  });
});
