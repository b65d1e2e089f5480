import { INestApplication } from '@nestjs/common';
import { createApp } from '@turnaround/all-in-one';
import { openScratchDatabase, serverUrlForTests } from '@turnaround/postgres/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testConfig } from './support/app';
import { httpClient } from './support/http-client';

jest.setTimeout(60_000);

const zone = { zoneId: 'SPRINGFIELD', stateCode: 'MA', name: 'Springfield Empowerment Zone', districtIds: ['D-0281', 'D-0282'] };
const schools = ['S-101', 'S-102', 'S-103'].map((schoolId, index) => ({
  schoolId,
  districtId: index === 2 ? 'D-0282' : 'D-0281',
  name: `Middle school ${index + 1}`,
  gradeSpan: '06-08',
}));
const contract = {
  contractId: 'K-2023-01',
  partnerId: 'EMPOWER',
  clusterId: 'CENTRAL',
  schoolIds: ['S-101', 'S-102', 'S-103'],
  governance: 'district_lead_partner',
  startYear: '2023-24',
  termYears: 3,
  baselineYear: '2022-23',
  targets: [
    { metric: 'proficiency.math', contractYear: 1, kind: 'gain', value: 0.05, scope: 'school' },
    { metric: 'proficiency.ela', contractYear: 3, kind: 'gap_closure', value: 0.5, scope: 'cluster', goal: 'stateAverage' },
    { metric: 'attendance_rate', contractYear: 2, kind: 'absolute', value: 0.93, scope: 'school' },
  ],
};

describe('registry over HTTP on the embedded default (PGlite under DATA_DIR)', () => {
  let dataDir: string;
  let app: INestApplication;
  const start = async () => {
    app = await createApp(testConfig({ DATA_DIR: dataDir }), { logger: false });
    return httpClient(app);
  };

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'turnaround-e2e-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('creates a zone, cluster, schools, partner and contract, reads them back, and keeps them across a restart', async () => {
    let http = await start();
    expect(await http.get('/health')).toEqual({ status: 200, body: { status: 'ok', database: 'pglite' } });

    expect(await http.post('/api/v1/zones', zone)).toEqual({ status: 201, body: zone });
    expect((await http.post('/api/v1/clusters', { clusterId: 'CENTRAL', zoneId: 'SPRINGFIELD', name: 'Central feeder pattern' })).status).toBe(201);
    for (const school of schools) expect((await http.post('/api/v1/schools', school)).status).toBe(201);
    for (const [index, school] of schools.entries()) {
      // S-103 joins in contract year 2: a mid-contract join.
      const fromYear = index === 2 ? '2024-25' : '2023-24';
      const joined = await http.post(`/api/v1/schools/${school.schoolId}/cluster-assignments`, { clusterId: 'CENTRAL', fromYear, strategy: 'transformation' });
      expect(joined.status).toBe(201);
      expect(joined.body.memberships).toEqual([{ clusterId: 'CENTRAL', fromYear, untilYear: null, strategy: 'transformation' }]);
    }
    expect((await http.post('/api/v1/partners', { partnerId: 'EMPOWER', name: 'Empower Schools', role: 'lead' })).status).toBe(201);
    const signed = await http.post('/api/v1/contracts', contract);
    // the targets in force, by contract year, each since when and by which change (signed)
    const inForce = [contract.targets[0], contract.targets[2], contract.targets[1]].map((target) => ({
      ...target,
      since: expect.any(String),
      setBy: 'signed',
    }));
    expect(signed).toEqual({ status: 201, body: { ...contract, targets: inForce, status: 'active', terminatedAt: null, terminationReason: null } });

    expect((await http.get('/api/v1/schools?clusterId=CENTRAL')).body.map((s: { schoolId: string }) => s.schoolId)).toEqual(['S-101', 'S-102', 'S-103']);
    expect((await http.get('/api/v1/schools?districtId=D-0282')).body.map((s: { schoolId: string }) => s.schoolId)).toEqual(['S-103']);
    expect((await http.get('/api/v1/clusters/CENTRAL')).body.members).toHaveLength(3);

    await app.close();
    http = await start();
    expect((await http.get('/api/v1/zones')).body).toEqual([zone]);
    expect((await http.get('/api/v1/contracts/K-2023-01')).body).toEqual({
      ...contract,
      targets: signed.body.targets,
      status: 'active',
      terminatedAt: null,
      terminationReason: null,
    });
    expect((await http.get('/api/v1/partners')).body).toEqual([{ partnerId: 'EMPOWER', name: 'Empower Schools', role: 'lead' }]);

    const renewed = await http.post('/api/v1/contracts/K-2023-01/renewals', {
      additionalYears: 2,
      targets: [{ metric: 'proficiency.math', contractYear: 5, kind: 'absolute', value: 0.45, scope: 'cluster' }],
    });
    expect(renewed.status).toBe(201);
    expect(renewed.body.termYears).toBe(5);
    expect(renewed.body.targets).toHaveLength(4);
    await app.close();
  });

  it('answers bad input with 400 naming each field, unknown ids with 404 and conflicts with 409', async () => {
    const http = await start();
    const invalid = await http.post('/api/v1/contracts', {
      ...contract,
      contractId: 'K-BAD',
      termYears: 7,
      targets: [{ ...contract.targets[0], metric: 'grit' }],
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.issues).toEqual(
      expect.arrayContaining([{ field: 'termYears', message: 'expected a term of 3 to 5 years' }, expect.objectContaining({ field: 'targets.0.metric' })]),
    );
    expect(await http.get('/api/v1/zones/NOWHERE')).toEqual({ status: 404, body: { error: 'not_found', message: "zone 'NOWHERE' does not exist" } });
    expect((await http.post('/api/v1/clusters', { clusterId: 'X', zoneId: 'NOWHERE', name: 'x' })).status).toBe(404);
    expect((await http.post('/api/v1/zones', zone)).body).toEqual({ error: 'conflict', message: "zone 'SPRINGFIELD' already exists" });
    const twoClusters = await http.post('/api/v1/clusters', { clusterId: 'NORTH', zoneId: 'SPRINGFIELD', name: 'North' });
    expect(twoClusters.status).toBe(201);
    const moved = await http.post('/api/v1/schools/S-101/cluster-assignments', { clusterId: 'NORTH', fromYear: '2025-26', strategy: 'close_reopen' });
    expect(moved.status).toBe(409);
    expect(moved.body.message).toMatch(/never in two clusters in the same school year/);
    const mismatch = await http.post('/api/v1/schools/S-101/cluster-departures', { schoolId: 'S-102', clusterId: 'CENTRAL', fromYear: '2025-26' });
    expect(mismatch.body.issues).toEqual([{ field: 'schoolId', message: "expected 'S-101' as in the path, or no schoolId at all" }]);
    await app.close();
  });

  it('documents the API with OpenAPI at /api/docs', async () => {
    const http = await start();
    const openapi = await http.get('/api/docs/openapi.json');
    expect(openapi.status).toBe(200);
    expect(Object.keys(openapi.body.paths)).toEqual(expect.arrayContaining(['/api/v1/zones', '/api/v1/contracts/{contractId}/renewals', '/health']));
    expect(openapi.body.paths['/api/v1/zones'].post.requestBody.content['application/json'].schema.required).toEqual(
      expect.arrayContaining(['zoneId', 'stateCode', 'name', 'districtIds']),
    );
    await app.close();
  });
});

const serverUrl = serverUrlForTests();
(serverUrl ? describe : describe.skip)('registry over HTTP on a PostgreSQL server (DATABASE_URL)', () => {
  it('serves the same registry from the server', async () => {
    const database = await openScratchDatabase(serverUrl as string);
    const app = await createApp(testConfig({ DATABASE_URL: database.url }), { logger: false });
    const http = await httpClient(app);
    expect((await http.get('/health')).body).toEqual({ status: 'ok', database: 'postgres' });
    expect((await http.post('/api/v1/zones', zone)).status).toBe(201);
    expect((await http.get('/api/v1/zones/SPRINGFIELD')).body).toEqual(zone);
    await app.close();
    await database.close();
  });
});
