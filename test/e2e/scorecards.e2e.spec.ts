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
        // each delivery is a CloudEvent: the alert is its data
        this.received.set(request.url as string, [...(this.received.get(request.url as string) ?? []), JSON.parse(body).data]);
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
    app = await createApp(testConfig({ DATA_DIR: dataDir, WEBHOOK_ALLOWED_HOSTS: `127.0.0.1:${receivers.port}`, WEBHOOK_RETRY_BASE_MS: '50' }), {
      logger: false,
    });
    http = await httpClient(app);
    // cluster C spans two districts: S1 in D1, S2 in D2; the target is attendance of at least 0.93 in 2023-24
    await registerOneClusterZone(http, [
      ['S1', 'D1'],
      ['S2', 'D2'],
    ]);
  });
  afterAll(async () => {
    await app.close();
    await receivers.down();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers as known on a date between two pushes, then sends a cluster alert to both districts by API and webhook', async () => {
    const keys = app.get(ApiKeys);
    const districts = await Promise.all(
      ['D1', 'D2'].map(async (districtId) => httpClient(app, (await keys.issue({ kind: 'district', districtId }, districtId)).key)),
    );
    for (const [index, district] of districts.entries())
      expect(
        (
          await district.post(`/api/v1/districts/D${index + 1}/webhooks`, {
            url: `http://127.0.0.1:${receivers.port}/d${index + 1}`,
            secret: 'a-shared-secret-0001',
          })
        ).status,
      ).toBe(201);

    // January: both schools at 900/1000 = 0.90 so far, below 0.93: each is at risk, and so is the
    // cluster (2 of its 2 schools at risk: more than half), whose early warning goes to both districts
    await http.post('/api/v1/feeds/attendance', [attendance2023('S1', 900, '2024-01-31'), attendance2023('S2', 900, '2024-01-31')]);
    const early = await waitUntil(
      () => http.get('/api/v1/alerts').then((answer) => answer.body as Alert[]),
      (list) =>
        expect(list.map((alert) => [alert.checkpoint, alert.schoolId ?? alert.clusterId]).sort()).toEqual([
          ['early_warning', 'C'],
          ['early_warning', 'S1'],
          ['early_warning', 'S2'],
        ]),
    );
    expect(early.find((alert) => alert.clusterId === 'C')?.districtIds).toEqual(['D1', 'D2']);
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
    expect(
      seen.map((list) =>
        list
          .filter((alert) => alert.checkpoint === 'year_end')
          .map((alert) => alert.schoolId ?? alert.clusterId)
          .sort(),
      ),
    ).toEqual([
      ['C', 'S1'],
      ['C', 'S2'],
    ]);
    expect((await districts[1].get(`/api/v1/alerts/${clusterAlert?.alertId}`)).status).toBe(200);
    // and both districts' webhooks receive it
    await waitUntil(
      async () =>
        ['/d1', '/d2'].map((path) =>
          (receivers.received.get(path) ?? []).filter((notice) => notice.alertId === clusterAlert?.alertId).map((notice) => notice.type),
        ),
      (types) => expect(types).toEqual([['OffTrackAlertRaised'], ['OffTrackAlertRaised']]),
    );

    // the early warnings raised at 0.90 were resolved by the year's final 0.92 (a miss): the API
    // and the resolution notice say 0.92, and keep 0.90 as the value that raised them
    const resolved = await waitUntil(
      () =>
        http
          .get('/api/v1/alerts?status=resolved')
          .then((answer) => answer.body as (Alert & { actual: number | null; raisedActual: number; resolution: string })[]),
      (list) => expect(list.filter((alert) => alert.schoolId !== null)).toHaveLength(2),
    );
    expect(
      resolved
        .filter((alert) => alert.schoolId !== null)
        .map((alert) => [alert.schoolId, alert.checkpoint, alert.actual, alert.raisedActual, alert.resolution])
        .sort(),
    ).toEqual([
      ['S1', 'early_warning', 0.92, 0.9, 'the year closed missed: see the year-end alert'],
      ['S2', 'early_warning', 0.92, 0.9, 'the year closed missed: see the year-end alert'],
    ]);
    const s1Warning = early.find((alert) => alert.schoolId === 'S1')?.alertId;
    await waitUntil(
      async () => (receivers.received.get('/d1') ?? []).find((notice) => notice.type === 'OffTrackAlertResolved' && notice.alertId === s1Warning),
      (notice) => expect(notice).toMatchObject({ checkpoint: 'early_warning', actual: 0.92, raisedActual: 0.9, target: 0.93 }),
    );
    // as known between the pushes, the warning was open at the value that raised it
    expect((await http.get(`/api/v1/alerts/${s1Warning}?asOf=${between}`)).body).toMatchObject({ status: 'open', actual: 0.9, raisedActual: 0.9 });
  });
});
