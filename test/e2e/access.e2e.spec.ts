import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { createApp } from '@turnaround/all-in-one';
import { ROLE_KINDS, RoleKind } from '@turnaround/domain';
import { waitUntil } from '@turnaround/domain/testing';
import { EventStore } from '@turnaround/event-store';
import { ACCESS_MATRIX, ApiKeys, EVENT_STORE, Grant, RouteAccess } from '@turnaround/platform';
import { TEST_STATE_KEY, testConfig } from './support/app';
import { httpClient } from './support/http-client';
import { attendance2023, registerOneClusterZone } from './support/one-cluster-zone';

jest.setTimeout(180_000);

/** The routes the running app serves, read from its HTTP router: the route table. */
function routeTable(app: INestApplication): string[] {
  const express = app.getHttpAdapter().getInstance() as { router?: { stack: Layer[] }; _router?: { stack: Layer[] } };
  type Layer = { route?: { path: string; methods: Record<string, boolean> } };
  const stack = (express.router ?? express._router)?.stack ?? [];
  return stack
    .filter((layer) => layer.route && !layer.route.path.startsWith('/api/docs'))
    .flatMap((layer) => Object.keys(layer.route?.methods ?? {}).map((method) => `${method.toUpperCase()} ${layer.route?.path}`));
}

const WORDS: Record<Grant, string> = { yes: 'yes', own: 'its own', narrowed: 'its own (list)', no: '-' };

/** The README's table, rendered from ACCESS_MATRIX: a route's parameters as `{name}`, as the OpenAPI document writes them. */
function renderMatrix(): string {
  const cells = (access: RouteAccess) => ROLE_KINDS.map((role) => ('open' in access ? 'no key' : WORDS[access.grants[role]]));
  const rows = Object.entries(ACCESS_MATRIX).map(([route, access]) => `| \`${route.replace(/:(\w+)/g, '{$1}')}\` | ${cells(access).join(' | ')} |`);
  return [`| route | ${ROLE_KINDS.map((role) => `\`${role}\``).join(' | ')} |`, `|---|${ROLE_KINDS.map(() => '---|').join('')}`, ...rows].join('\n');
}

describe('the access matrix in the README', () => {
  it('is the one the routes follow', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const printed = /<!-- access-matrix -->\n([\s\S]*?)\n<!-- \/access-matrix -->/.exec(readme)?.[1];
    expect(printed).toBe(renderMatrix());
  });
});

/**
 * World one: zone Z, cluster C of S1 (D1), S2 (D2) and S3 (D1), partner P's contract K on it.
 * World two, nobody's of D1 or P: zone Z2 of D2, cluster C2 of S4 (D2), partner P2's contract K2.
 * The district key is D1's and the partner key P's: world one's ids are their own, world two's another's.
 */
describe('access control: every route, every role, from the access matrix', () => {
  let dataDir: string;
  let app: INestApplication;
  const keys: Record<RoleKind, string> = { state: TEST_STATE_KEY, researcher: '', district: '', partner: '', 'data-team': '', public: '' };
  const keyIds: Partial<Record<RoleKind, string>> = {};
  const ids = {
    own: { zoneId: 'Z', clusterId: 'C', schoolId: 'S1', partnerId: 'P', contractId: 'K', alertId: '', districtId: 'D1' },
    other: { zoneId: 'Z2', clusterId: 'C2', schoolId: 'S4', partnerId: 'P2', contractId: 'K2', alertId: '', districtId: 'D2' },
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'turnaround-access-'));
    app = await createApp(testConfig({ DATA_DIR: dataDir }), { logger: false });
    const http = await httpClient(app);
    await registerOneClusterZone(http, [
      ['S1', 'D1'],
      ['S2', 'D2'],
      ['S3', 'D1'],
    ]);
    const ok = async (path: string, body: unknown) => expect((await http.post(path, body)).status).toBe(201);
    await ok('/api/v1/zones', { zoneId: 'Z2', stateCode: 'MA', name: 'Zone two', districtIds: ['D2'] });
    await ok('/api/v1/clusters', { clusterId: 'C2', zoneId: 'Z2', name: 'Cluster two' });
    await ok('/api/v1/schools', { schoolId: 'S4', districtId: 'D2', name: 'School S4', gradeSpan: '06-08' });
    await ok('/api/v1/schools/S4/cluster-assignments', { clusterId: 'C2', fromYear: '2023-24', strategy: 'transformation' });
    await ok('/api/v1/partners', { partnerId: 'P2', name: 'Partner two', role: 'lead' });
    await ok('/api/v1/contracts', {
      contractId: 'K2',
      partnerId: 'P2',
      clusterId: 'C2',
      schoolIds: ['S4'],
      governance: 'district_lead_partner',
      startYear: '2023-24',
      termYears: 3,
      baselineYear: '2022-23',
      targets: [{ metric: 'attendance_rate', contractYear: 1, kind: 'absolute', value: 0.93, scope: 'school' }],
    });

    const apiKeys = app.get(ApiKeys);
    const district = await apiKeys.issue({ kind: 'district', districtId: 'D1' }, 'Springfield district office');
    const dataTeam = await apiKeys.issue({ kind: 'data-team' }, 'data team');
    [keys.district, keyIds.district] = [district.key, district.keyId];
    [keys['data-team'], keyIds['data-team']] = [dataTeam.key, dataTeam.keyId];
    keys.researcher = (await apiKeys.issue({ kind: 'researcher' }, 'researcher')).key;
    keys.partner = (await apiKeys.issue({ kind: 'partner', partnerId: 'P' }, 'lead partner')).key;
    keys.public = (await apiKeys.issue({ kind: 'public' }, 'public site')).key;

    await http.post('/api/v1/feeds/attendance', [attendance2023('S1', 900), attendance2023('S2', 900), attendance2023('S4', 900)]);
    const alerts = await waitUntil(
      () => http.get('/api/v1/alerts').then((answer) => answer.body as { alertId: string; schoolId: string }[]),
      (list) => expect(list.filter((alert) => alert.schoolId)).toHaveLength(3),
    );
    const alertOf = (schoolId: string) => (alerts.find((alert) => alert.schoolId === schoolId) as { alertId: string }).alertId;
    ids.own.alertId = alertOf('S1');
    ids.other.alertId = alertOf('S4');
  });
  afterAll(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const call = async (route: string, key: string | undefined, which: 'own' | 'other' = 'own') => {
    const [method, pattern] = route.split(' ');
    // Ids nobody owns for the parameters that are not about ownership: a key, a projection, a webhook, a feed.
    const params: Record<string, string> = {
      keyId: '000000000000',
      name: 'no-such-projection',
      webhookId: 'no-such-webhook',
      kind: 'attendance',
      ...ids[which],
    };
    const path = pattern.replace(/:(\w+)/g, (_, name: string) => params[name]);
    const response = await fetch(`${(await app.getUrl()).replace('[::1]', '127.0.0.1')}${path}`, {
      method,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
      body: method === 'POST' ? '{}' : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
  };

  it('has an entry for every route the service serves, and no entry for a route it does not', () => {
    const routes = routeTable(app);
    expect(routes.length).toBeGreaterThan(40);
    expect(routes.filter((route) => !(route in ACCESS_MATRIX))).toEqual([]);
    expect(Object.keys(ACCESS_MATRIX).filter((route) => !routes.includes(route))).toEqual([]);
  });

  it('admits each role exactly where the matrix says: 403 for "no", 404 for what is not its own', async () => {
    const wrong: string[] = [];
    for (const route of routeTable(app)) {
      const access = ACCESS_MATRIX[route];
      const anonymous = await call(route, undefined);
      if ('open' in access) {
        if (anonymous.status >= 400) wrong.push(`${route}: open, but anonymous got ${anonymous.status}`);
        continue;
      }
      if (anonymous.status !== 401) wrong.push(`${route}: anonymous got ${anonymous.status}, expected 401`);
      for (const role of ROLE_KINDS) {
        const grant = access.grants[role];
        const { status } = await call(route, keys[role]);
        if (grant === 'no' && status !== 403) wrong.push(`${route}: ${role} got ${status}, expected 403`);
        if (grant !== 'no' && (status === 401 || status === 403)) wrong.push(`${route}: ${role} (${grant}) refused with ${status}`);
        if (grant === 'own') {
          const other = await call(route, keys[role], 'other');
          if (other.status !== 404) wrong.push(`${route}: ${role} asking for another's got ${other.status}, expected 404`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  /** The id field of each list a district or partner gets narrowed. */
  const LISTED_ID: Record<string, keyof (typeof ids)['own']> = {
    'GET /api/v1/zones': 'zoneId',
    'GET /api/v1/clusters': 'clusterId',
    'GET /api/v1/schools': 'schoolId',
    'GET /api/v1/partners': 'partnerId',
    'GET /api/v1/contracts': 'contractId',
    'GET /api/v1/alerts': 'alertId',
    'GET /api/v1/feeds/coverage': 'schoolId',
  };

  it('narrows every narrowed list to what the district or partner owns, and shows the whole list to a "yes"', async () => {
    const wrong: string[] = [];
    for (const [route, access] of Object.entries(ACCESS_MATRIX)) {
      if ('open' in access) continue;
      for (const role of ROLE_KINDS.filter((kind) => access.grants[kind] === 'narrowed' || (route in LISTED_ID && access.grants[kind] === 'yes'))) {
        const field = LISTED_ID[route];
        if (!field) {
          wrong.push(`${route}: narrowed for ${role}, but this test does not know its id field`);
          continue;
        }
        const listed = ((await call(route, keys[role])).body as Record<string, string>[]).map((item) => item[field]);
        const narrowed = access.grants[role] === 'narrowed';
        if (!listed.includes(ids.own[field])) wrong.push(`${route}: ${role} does not see its own ${ids.own[field]}`);
        if (narrowed === listed.includes(ids.other[field])) wrong.push(`${route}: ${role} ${narrowed ? 'sees' : 'misses'} ${ids.other[field]}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('keeps a list narrowed whatever its query asks for, and never echoes a key', async () => {
    const district = await httpClient(app, keys.district);
    // asking for D2's: only those that are D1's too, the cluster alert of C (it spans both)
    const seen = (await district.get('/api/v1/alerts?districtId=D2')).body as { districtIds: string[]; schoolId: string | null }[];
    expect(seen.map((alert) => [alert.districtIds, alert.schoolId])).toEqual([[['D1', 'D2'], null]]);
    expect(((await district.get('/api/v1/schools?districtId=D2')).body as unknown[]).length).toBe(0);
    const forged = await httpClient(app, `${keys.district}x`);
    expect(await forged.get('/api/v1/alerts')).toEqual({ status: 401, body: { error: 'unauthorized', message: 'the API key is unknown or revoked' } });
  });

  it("narrows data coverage to the district's and the partner's own schools", async () => {
    const schoolsIn = async (key: string, query: string) => [
      ...new Set(((await (await httpClient(app, key)).get(`/api/v1/feeds/coverage${query}`)).body as { schoolId: string }[]).map((row) => row.schoolId)),
    ];
    expect(await schoolsIn(keys.district, '')).toEqual(['S1', 'S3']);
    expect(await schoolsIn(keys.district, '?districtId=D2')).toEqual([]);
    expect(await schoolsIn(keys.partner, '')).toEqual(['S1', 'S2', 'S3']);
    expect(await schoolsIn(keys['data-team'], '?districtId=D2')).toEqual(['S2', 'S4']);
  });

  it("records the calling key and its role as who did it, and an acknowledgement names the key's holder; x-actor (httpClient sends one) is only a note", async () => {
    const store = app.get<EventStore>(EVENT_STORE);
    const state = await app.get(ApiKeys).issue({ kind: 'state' }, 'state office');
    await (await httpClient(app, state.key)).post('/api/v1/partners', { partnerId: 'P3', name: 'Third partner', role: 'lead' });
    expect((await store.readStream('partner-P3'))[0].metadata).toMatchObject({ actor: `key ${state.keyId} (state)`, actorNote: 'state-office-test' });

    // an acknowledgement is by the district's key, and by the name the state office issued it to, not by whatever name the client sends
    expect((await (await httpClient(app, keys.district)).post(`/api/v1/alerts/${ids.own.alertId}/acknowledge`, { note: 'principal informed' })).status).toBe(
      201,
    );
    const acknowledged = (await store.readStream(`alert-${ids.own.alertId}`)).find((event) => event.type === 'OffTrackAlertAcknowledged');
    expect(acknowledged?.data).toEqual({ alertId: ids.own.alertId, by: keyIds.district, byName: 'Springfield district office', note: 'principal informed' });
    expect(acknowledged?.metadata).toMatchObject({ actor: `key ${keyIds.district} (district:D1)`, actorNote: 'state-office-test' });
    expect((await (await httpClient(app)).get(`/api/v1/alerts/${ids.own.alertId}`)).body.acknowledgements).toEqual([
      { by: keyIds.district, byName: 'Springfield district office', note: 'principal informed', at: expect.any(String) },
    ]);

    // a feed push: its batch and its events name the data team's key
    const pushed = await (await httpClient(app, keys['data-team'])).post('/api/v1/feeds/attendance', [attendance2023('S3', 990)]);
    const batches = (await (await httpClient(app)).get('/api/v1/feeds/batches')).body as { batchId: string; actor: string }[];
    expect(batches.find((listed) => listed.batchId === pushed.body.batchId)).toMatchObject({ actor: `key ${keyIds['data-team']} (data-team)` });
    const [recorded] = await store.readStream('attendance-2023-24-S3');
    expect(recorded.metadata.actor).toBe(`key ${keyIds['data-team']} (data-team)`);
  });
});
