import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { createApp } from '@turnaround/all-in-one';
import { waitUntil } from '@turnaround/domain/testing';
import { EventStore } from '@turnaround/event-store';
import { ApiKeys, EVENT_STORE } from '@turnaround/platform';
import { TEST_STATE_KEY, testConfig } from './support/app';
import { httpClient } from './support/http-client';
import { attendance2023, registerOneClusterZone } from './support/one-cluster-zone';

jest.setTimeout(120_000);

type Caller = 'state' | 'district' | 'partner' | 'data-team' | 'researcher' | 'public';
const READERS: Caller[] = ['state', 'researcher'];
const DISTRICT_READERS: Caller[] = ['state', 'researcher', 'district'];
const OWNERS: Caller[] = ['state', 'researcher', 'district', 'partner'];
/** Aggregates: the public reads them too, with small numbers suppressed. */
const AGGREGATE_READERS: Caller[] = ['state', 'researcher', 'district', 'partner', 'public'];
const FEEDS: Caller[] = ['state', 'data-team'];

/**
 * Who may call what. Every route the service has must be listed: a new endpoint without an
 * expectation here fails the test, and one without an access rule admits nobody.
 * `district` marks routes where a district key sees its own district only (404 for another's).
 */
const EXPECTED: Record<string, { callers: Caller[] | 'public'; scoped?: boolean }> = {
  'GET /health': { callers: 'public' },
  // Probes and Prometheus scrapers hold no API key; /metrics holds nothing sensitive (METRICS_TOKEN closes it).
  'GET /health/live': { callers: 'public' },
  'GET /health/ready': { callers: 'public' },
  'GET /metrics': { callers: 'public' },
  'GET /api/v1/projections': { callers: ['state'] },
  'POST /api/v1/projections/:name/resume': { callers: ['state'] },
  'POST /api/v1/zones': { callers: ['state'] },
  'GET /api/v1/zones': { callers: READERS },
  'GET /api/v1/zones/:zoneId': { callers: READERS },
  'POST /api/v1/clusters': { callers: ['state'] },
  'GET /api/v1/clusters': { callers: READERS },
  'GET /api/v1/clusters/:clusterId': { callers: READERS },
  'POST /api/v1/schools': { callers: ['state'] },
  'POST /api/v1/schools/:schoolId/cluster-assignments': { callers: ['state'] },
  'POST /api/v1/schools/:schoolId/cluster-departures': { callers: ['state'] },
  'GET /api/v1/schools': { callers: DISTRICT_READERS },
  'GET /api/v1/schools/:schoolId': { callers: OWNERS, scoped: true },
  'POST /api/v1/partners': { callers: ['state'] },
  'GET /api/v1/partners': { callers: READERS },
  'GET /api/v1/partners/:partnerId': { callers: READERS },
  'POST /api/v1/contracts': { callers: ['state'] },
  'POST /api/v1/contracts/:contractId/target-amendments': { callers: ['state'] },
  'POST /api/v1/contracts/:contractId/renewals': { callers: ['state'] },
  'POST /api/v1/contracts/:contractId/termination': { callers: ['state'] },
  'GET /api/v1/contracts': { callers: READERS },
  'GET /api/v1/contracts/:contractId': { callers: READERS },
  'GET /api/v1/feeds/profiles': { callers: FEEDS },
  'GET /api/v1/feeds/batches': { callers: FEEDS },
  'GET /api/v1/feeds/rejections': { callers: FEEDS },
  'POST /api/v1/feeds/:kind': { callers: FEEDS },
  'POST /api/v1/feeds/:kind/retractions': { callers: FEEDS },
  'GET /api/v1/feeds/coverage': { callers: ['state', 'data-team', 'district'] },
  'GET /api/v1/metric-definitions': { callers: ['state', 'researcher', 'district', 'partner', 'data-team', 'public'] },
  'GET /api/v1/schools/:schoolId/metrics': { callers: AGGREGATE_READERS, scoped: true },
  'GET /api/v1/clusters/:clusterId/metrics': { callers: AGGREGATE_READERS },
  'GET /api/v1/partners/:partnerId/metrics': { callers: ['state', 'researcher', 'partner', 'public'] },
  'GET /api/v1/zones/:zoneId/metrics': { callers: ['state', 'researcher', 'public'] },
  'GET /api/v1/contracts/:contractId/scorecard': { callers: OWNERS },
  'GET /api/v1/partners/:partnerId/scorecard': { callers: ['state', 'researcher', 'partner'] },
  'GET /api/v1/alerts': { callers: OWNERS },
  'GET /api/v1/alerts/:alertId': { callers: OWNERS, scoped: true },
  'POST /api/v1/alerts/:alertId/acknowledge': { callers: ['state', 'district'], scoped: true },
  'POST /api/v1/districts/:districtId/webhooks': { callers: ['state', 'district'], scoped: true },
  'GET /api/v1/districts/:districtId/webhooks': { callers: ['state', 'district'], scoped: true },
  'GET /api/v1/districts/:districtId/webhook-deliveries': { callers: ['state', 'district'], scoped: true },
  'GET /api/v1/research/panel': { callers: READERS },
  'GET /api/v1/research/panel/codebook': { callers: READERS },
  'GET /api/v1/research/proof-points': { callers: READERS },
  'GET /api/v1/research/requests': { callers: ['state'] },
};

/** The routes the running app serves, read from its HTTP router: the route table. */
function routeTable(app: INestApplication): string[] {
  const express = app.getHttpAdapter().getInstance() as { router?: { stack: Layer[] }; _router?: { stack: Layer[] } };
  type Layer = { route?: { path: string; methods: Record<string, boolean> } };
  const stack = (express.router ?? express._router)?.stack ?? [];
  return stack
    .filter((layer) => layer.route && !layer.route.path.startsWith('/api/docs'))
    .flatMap((layer) => Object.keys(layer.route?.methods ?? {}).map((method) => `${method.toUpperCase()} ${layer.route?.path}`));
}

describe('access control: every route, every role', () => {
  let dataDir: string;
  let app: INestApplication;
  const keys: Record<Caller, string> = { state: TEST_STATE_KEY, district: '', partner: '', 'data-team': '', researcher: '', public: '' };
  const keyIds: Partial<Record<Caller, string>> = {};
  const ids = { own: { schoolId: 'S1', alertId: '', districtId: 'D1' }, other: { schoolId: 'S2', alertId: '', districtId: 'D2' } };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'turnaround-access-'));
    app = await createApp(testConfig({ DATA_DIR: dataDir }), { logger: false });
    const http = await httpClient(app);
    const apiKeys = app.get(ApiKeys);
    const district = await apiKeys.issue({ kind: 'district', districtId: 'D1' }, 'district one');
    const dataTeam = await apiKeys.issue({ kind: 'data-team' }, 'data team');
    [keys.district, keyIds.district] = [district.key, district.keyId];
    [keys['data-team'], keyIds['data-team']] = [dataTeam.key, dataTeam.keyId];
    keys.researcher = (await apiKeys.issue({ kind: 'researcher' }, 'researcher')).key;
    keys.partner = (await apiKeys.issue({ kind: 'partner', partnerId: 'P' }, 'lead partner')).key;
    keys.public = (await apiKeys.issue({ kind: 'public' }, 'public site')).key;

    await registerOneClusterZone(http, [['S1', 'D1'], ['S2', 'D2'], ['S3', 'D1']]);
    await http.post('/api/v1/feeds/attendance', [attendance2023('S1', 900), attendance2023('S2', 900)]);
    const alerts = await waitUntil(() => http.get('/api/v1/alerts').then((answer) => answer.body as { alertId: string; schoolId: string }[]), (list) => expect(list.filter((alert) => alert.schoolId)).toHaveLength(2));
    ids.own.alertId = (alerts.find((alert) => alert.schoolId === 'S1') as { alertId: string }).alertId;
    ids.other.alertId = (alerts.find((alert) => alert.schoolId === 'S2') as { alertId: string }).alertId;
  });
  afterAll(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const call = async (route: string, key: string | undefined, which: 'own' | 'other' = 'own') => {
    const [method, pattern] = route.split(' ');
    const params: Record<string, string> = {
      zoneId: 'Z', clusterId: 'C', partnerId: 'P', contractId: 'K', kind: 'attendance', ...ids[which],
      id: pattern.startsWith('/api/v1/schools') ? ids[which].schoolId : { clusters: 'C', partners: 'P', zones: 'Z', contracts: 'K' }[pattern.split('/')[3]] ?? '',
    };
    const path = pattern.replace(/:(\w+)/g, (_, name: string) => params[name]);
    const response = await fetch(`${await app.getUrl()}${path}`.replace('[::1]', '127.0.0.1'), {
      method,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
      body: method === 'POST' ? '{}' : undefined,
    });
    return { status: response.status, text: await response.text() };
  };

  it('knows every route the service serves, and every route has an access rule', () => {
    const routes = routeTable(app);
    expect(routes.length).toBeGreaterThan(30);
    expect(routes.filter((route) => !(route in EXPECTED))).toEqual([]);
  });

  it('admits each role exactly where the table says, and refuses everyone else', async () => {
    const wrong: string[] = [];
    for (const route of routeTable(app)) {
      const expected = EXPECTED[route];
      const anonymous = await call(route, undefined);
      if (expected.callers === 'public') {
        if (anonymous.status >= 400) wrong.push(`${route}: public, but anonymous got ${anonymous.status}`);
        continue;
      }
      if (anonymous.status !== 401) wrong.push(`${route}: anonymous got ${anonymous.status}, expected 401`);
      for (const caller of Object.keys(keys) as Caller[]) {
        const { status } = await call(route, keys[caller]);
        const admitted = expected.callers.includes(caller);
        if (admitted && (status === 401 || status === 403)) wrong.push(`${route}: ${caller} refused with ${status}`);
        if (!admitted && status !== 403) wrong.push(`${route}: ${caller} got ${status}, expected 403`);
      }
      if (expected.scoped) {
        const { status } = await call(route, keys.district, 'other');
        if (status !== 404) wrong.push(`${route}: a district asking for another district's resource got ${status}, expected 404`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('narrows lists to the district, and never echoes a key', async () => {
    const district = await httpClient(app, keys.district);
    // S1's alert goes to D1, S2's to D2, and the cluster's (2 of 3 schools missed) to both: the cluster spans them
    const seen = (await district.get('/api/v1/alerts?districtId=D2')).body as { districtIds: string[]; schoolId: string | null }[];
    expect(seen.map((alert) => [alert.districtIds, alert.schoolId])).toEqual(expect.arrayContaining([[['D1'], 'S1'], [['D1', 'D2'], null]]));
    expect(seen.every((alert) => alert.districtIds.includes('D1'))).toBe(true);
    expect(((await district.get('/api/v1/schools')).body as { schoolId: string }[]).map((school) => school.schoolId)).toEqual(['S1', 'S3']);
    const forged = await httpClient(app, `${keys.district}x`);
    const refused = await forged.get('/api/v1/alerts');
    expect(refused).toEqual({ status: 401, body: { error: 'unauthorized', message: 'the API key is unknown or revoked' } });
  });

  it("narrows data coverage to the district's own schools, whatever district it asks for", async () => {
    const schoolsIn = (rows: { schoolId: string }[]) => [...new Set(rows.map((row) => row.schoolId))];
    expect(schoolsIn((await (await httpClient(app, keys.district)).get('/api/v1/feeds/coverage?districtId=D2')).body)).toEqual(['S1', 'S3']);
    expect(schoolsIn((await (await httpClient(app, keys['data-team'])).get('/api/v1/feeds/coverage?districtId=D2')).body)).toEqual(['S2']);
  });

  it('records the calling key and its role as who did it; x-actor (httpClient sends one) is only a note beside it', async () => {
    const store = app.get<EventStore>(EVENT_STORE);
    const state = await app.get(ApiKeys).issue({ kind: 'state' }, 'state office');
    await (await httpClient(app, state.key)).post('/api/v1/partners', { partnerId: 'P2', name: 'Second partner', role: 'lead' });
    expect((await store.readStream('partner-P2'))[0].metadata).toMatchObject({ actor: `key ${state.keyId} (state)`, actorNote: 'state-office-test' });

    // an acknowledgement is by the district's key, not by whatever name the client sends
    expect((await (await httpClient(app, keys.district)).post(`/api/v1/alerts/${ids.own.alertId}/acknowledge`, { note: 'principal informed' })).status).toBe(201);
    const acknowledged = (await store.readStream(`alert-${ids.own.alertId}`)).find((event) => event.type === 'OffTrackAlertAcknowledged');
    expect(acknowledged?.data).toMatchObject({ by: keyIds.district, note: 'principal informed' });
    expect(acknowledged?.metadata).toMatchObject({ actor: `key ${keyIds.district} (district:D1)`, actorNote: 'state-office-test' });
    expect((await (await httpClient(app)).get(`/api/v1/alerts/${ids.own.alertId}`)).body.acknowledgements).toEqual([expect.objectContaining({ by: keyIds.district })]);

    // a feed push: its batch and its events name the data team's key
    const pushed = await (await httpClient(app, keys['data-team'])).post('/api/v1/feeds/attendance', [attendance2023('S3', 990)]);
    const batches = (await (await httpClient(app)).get('/api/v1/feeds/batches')).body as { batchId: string; actor: string }[];
    expect(batches.find((listed) => listed.batchId === pushed.body.batchId)).toMatchObject({ actor: `key ${keyIds['data-team']} (data-team)` });
    const [recorded] = await store.readStream('attendance-2023-24-S3');
    expect(recorded.metadata.actor).toBe(`key ${keyIds['data-team']} (data-team)`);
  });
});
