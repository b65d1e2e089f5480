import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { createApp } from '@turnaround/all-in-one';
import { EventStore } from '@turnaround/event-store';
import { EVENT_STORE } from '@turnaround/platform';
import { createPgliteClient } from '@turnaround/postgres';
import { TEST_STATE_KEY, testConfig } from './support/app';
import { turnaround } from './support/cli';
import { httpClient } from './support/http-client';

jest.setTimeout(180_000);

type Http = Awaited<ReturnType<typeof httpClient>>;

/** Every row of the registry tables, as a replay must give them again. */
const REGISTRY_TABLES = [
  'SELECT * FROM registry_zones ORDER BY zone_id',
  'SELECT * FROM registry_clusters ORDER BY cluster_id',
  'SELECT * FROM registry_schools ORDER BY school_id',
  'SELECT * FROM registry_school_districts ORDER BY school_id, recorded_at',
  'SELECT * FROM registry_memberships ORDER BY school_id, cluster_id, from_year',
  'SELECT * FROM registry_partners ORDER BY partner_id',
  'SELECT * FROM registry_contracts ORDER BY contract_id',
];

/** The registry tables of a stopped embedded service. */
async function registryTables(dataDir: string) {
  const sql = await createPgliteClient(join(dataDir, 'pglite'));
  try {
    return await Promise.all(REGISTRY_TABLES.map((query) => sql.query(query)));
  } finally {
    await sql.close();
  }
}

/**
 * Issue 33, over HTTP: the state office renames zones and schools, changes a zone's districts
 * and moves a school to another district, each an event. Zone Z (districts D1, D2) holds
 * cluster C of S1 and S2 (district D1, from 2023-24) under contract K; S3 (D2) is in no cluster;
 * zone Z3 (D3) holds cluster C3 of S4 (D3).
 */
describe('registry changes: renames, zone districts, school moves (issue 33)', () => {
  let dataDir: string;
  let app: INestApplication;
  let http: Http;
  let d1: Http;
  let d2: Http;
  const ok = async (path: string, body: unknown) => {
    const answer = await http.post(path, body);
    if (answer.status !== 201) throw new Error(`POST ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  const districtKey = async (districtId: string) =>
    (await ok('/api/v1/keys', { name: `district ${districtId}`, role: `district:${districtId}` })).key as string;
  const ids = (rows: { schoolId: string }[]) => rows.map((row) => row.schoolId);
  /** S1's district in the research panel (CSV) as known at `asOf`. */
  const panelDistrictOfS1 = async (asOf: string) => {
    const answer = await fetch(`${http.base}/api/v1/research/panel?metrics=attendance_rate&asOf=${encodeURIComponent(asOf)}&format=csv`, {
      headers: { authorization: `Bearer ${TEST_STATE_KEY}` },
    });
    const [header, ...rows] = (await answer.text())
      .trim()
      .split('\n')
      .map((line) => line.split(',').map((cell) => cell.replace(/^"|"$/g, '')));
    return rows.find((cells) => cells[header.indexOf('school_id')] === 'S1')?.[header.indexOf('district_id')];
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'turnaround-registry-changes-'));
    app = await createApp(testConfig({ DATA_DIR: dataDir }), { logger: false });
    http = await httpClient(app);
    await ok('/api/v1/zones', { zoneId: 'Z', stateCode: 'MA', name: 'Zone', districtIds: ['D1', 'D2'] });
    await ok('/api/v1/zones', { zoneId: 'Z3', stateCode: 'MA', name: 'Zone three', districtIds: ['D3'] });
    await ok('/api/v1/clusters', { clusterId: 'C', zoneId: 'Z', name: 'Cluster C' });
    await ok('/api/v1/clusters', { clusterId: 'C3', zoneId: 'Z3', name: 'Cluster C3' });
    for (const [schoolId, districtId] of [
      ['S1', 'D1'],
      ['S2', 'D1'],
      ['S3', 'D2'],
      ['S4', 'D3'],
    ])
      await ok('/api/v1/schools', { schoolId, districtId, name: `School ${schoolId}`, gradeSpan: '06-08' });
    for (const schoolId of ['S1', 'S2'])
      await ok(`/api/v1/schools/${schoolId}/cluster-assignments`, { clusterId: 'C', fromYear: '2023-24', strategy: 'transformation' });
    await ok('/api/v1/schools/S4/cluster-assignments', { clusterId: 'C3', fromYear: '2023-24', strategy: 'transformation' });
    await ok('/api/v1/partners', { partnerId: 'P', name: 'Partner', role: 'lead' });
    await ok('/api/v1/contracts', {
      contractId: 'K',
      partnerId: 'P',
      clusterId: 'C',
      schoolIds: ['S1', 'S2'],
      governance: 'district_lead_partner',
      startYear: '2023-24',
      termYears: 3,
      baselineYear: '2022-23',
      targets: [{ metric: 'attendance_rate', contractYear: 1, kind: 'absolute', value: 0.93, scope: 'school' }],
    });
    const pushed = await http.post('/api/v1/feeds/attendance', [
      { schoolId: 'S1', schoolYear: '2023-24', periodStart: '2023-09-01', periodEnd: '2024-06-30', membershipDays: 1000, attendanceDays: 930 },
    ]);
    expect(pushed.body).toMatchObject({ accepted: 1 });
    d1 = await httpClient(app, await districtKey('D1'));
    d2 = await httpClient(app, await districtKey('D2'));
  });
  let closed = false;
  afterAll(async () => {
    if (!closed) await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('renames a zone: the answer and every read show the new name; the same name again is a 409, an unknown zone a 404, a bad name a 400 naming it', async () => {
    expect(await http.post('/api/v1/zones/Z/name-changes', { name: '  Zone north  ' })).toEqual({
      status: 201,
      body: { zoneId: 'Z', stateCode: 'MA', name: 'Zone north', districtIds: ['D1', 'D2'] },
    });
    expect((await http.get('/api/v1/zones/Z')).body.name).toBe('Zone north');
    expect((await http.get('/api/v1/zones')).body.map((zone: { name: string }) => zone.name)).toEqual(['Zone north', 'Zone three']);

    expect(await http.post('/api/v1/zones/Z/name-changes', { name: 'Zone north' })).toEqual({
      status: 409,
      body: { error: 'illegal_state', message: "zone 'Z' is already named 'Zone north': nothing to change" },
    });
    expect(await http.post('/api/v1/zones/NOPE/name-changes', { name: 'Zone' })).toEqual({
      status: 404,
      body: { error: 'not_found', message: "zone 'NOPE' does not exist" },
    });
    const empty = await http.post('/api/v1/zones/Z/name-changes', { name: ' ' });
    expect(empty).toMatchObject({ status: 400, body: { error: 'validation', issues: [{ field: 'name', message: 'expected a non-empty name' }] } });
    const long = await http.post('/api/v1/zones/Z/name-changes', { name: 'x'.repeat(201) });
    expect(long).toMatchObject({ status: 400, body: { issues: [{ field: 'name', message: 'expected at most 200 characters' }] } });
    const otherZone = await http.post('/api/v1/zones/Z/name-changes', { zoneId: 'Z3', name: 'Zone' });
    expect(otherZone).toMatchObject({ status: 400, body: { issues: [{ field: 'zoneId', message: "expected 'Z' as in the path, or no zoneId at all" }] } });
    const unknownField = await http.post('/api/v1/zones/Z/name-changes', { name: 'Zone', stateCode: 'NY' });
    expect(unknownField).toMatchObject({ status: 400, body: { issues: [{ field: 'stateCode' }] } });
    // State office only: a district that owns the zone may not rename it.
    expect((await d1.post('/api/v1/zones/Z/name-changes', { name: 'Our zone' })).status).toBe(403);
  });

  it('renames a school: its district, memberships and lists follow; 409 for its own name, 404 for an unknown school, 400 naming the field', async () => {
    const renamed = await http.post('/api/v1/schools/S1/name-changes', { name: 'Lincoln Academy' });
    expect(renamed).toEqual({
      status: 201,
      body: {
        schoolId: 'S1',
        districtId: 'D1',
        name: 'Lincoln Academy',
        gradeSpan: '06-08',
        ncesId: null,
        memberships: [{ clusterId: 'C', fromYear: '2023-24', untilYear: null, strategy: 'transformation' }],
      },
    });
    expect((await d1.get('/api/v1/schools')).body.map((school: { name: string }) => school.name)).toEqual(['Lincoln Academy', 'School S2']);

    expect(await http.post('/api/v1/schools/S1/name-changes', { name: 'Lincoln Academy' })).toEqual({
      status: 409,
      body: { error: 'illegal_state', message: "school 'S1' is already named 'Lincoln Academy': nothing to change" },
    });
    expect((await http.post('/api/v1/schools/S9/name-changes', { name: 'Nowhere' })).status).toBe(404);
    expect(await http.post('/api/v1/schools/S1/name-changes', {})).toMatchObject({ status: 400, body: { issues: [{ field: 'name' }] } });
    expect(await http.post('/api/v1/schools/S1/name-changes', [])).toMatchObject({
      status: 400,
      body: { issues: [{ field: '(body)', message: 'expected a JSON object' }] },
    });
  });

  it("changes a zone's districts: adds one; keeps a district whose school is in a cluster of the zone (409 naming it); the same set is a 409; bad lists are 400s", async () => {
    expect(await http.post('/api/v1/zones/Z/district-changes', { districtIds: ['D1', 'D2', 'D4'] })).toEqual({
      status: 201,
      body: { zoneId: 'Z', stateCode: 'MA', name: 'Zone north', districtIds: ['D1', 'D2', 'D4'] },
    });
    // D2's school S3 is in no cluster of the zone: D2 may go.
    expect((await http.post('/api/v1/zones/Z/district-changes', { districtIds: ['D1', 'D4'] })).body.districtIds).toEqual(['D1', 'D4']);
    // S3 may no longer join C: its district left the zone.
    const refusedJoin = await http.post('/api/v1/schools/S3/cluster-assignments', { clusterId: 'C', fromYear: '2024-25', strategy: 'transformation' });
    expect(refusedJoin).toMatchObject({
      status: 409,
      body: { message: expect.stringContaining("district 'D2', which is not one of zone 'Z' districts (D1, D4)") },
    });

    expect(await http.post('/api/v1/zones/Z/district-changes', { districtIds: ['D2', 'D4'] })).toEqual({
      status: 409,
      body: {
        error: 'illegal_state',
        message:
          "zone 'Z' must keep district 'D1': school 'S1' of district 'D1' is or was a member of cluster 'C'; school 'S2' of district 'D1' is or was a member of cluster 'C'",
      },
    });
    expect(await http.post('/api/v1/zones/Z/district-changes', { districtIds: ['D4', 'D1'] })).toEqual({
      status: 409,
      body: { error: 'illegal_state', message: "zone 'Z' already has districts D1, D4: nothing to change" },
    });
    expect((await http.post('/api/v1/zones/NOPE/district-changes', { districtIds: ['D1'] })).status).toBe(404);
    expect(await http.post('/api/v1/zones/Z/district-changes', { districtIds: [] })).toMatchObject({
      status: 400,
      body: { issues: [{ field: 'districtIds', message: 'expected at least one district' }] },
    });
    expect(await http.post('/api/v1/zones/Z/district-changes', { districtIds: ['D1', 'D1'] })).toMatchObject({
      status: 400,
      body: { issues: [{ field: 'districtIds', message: 'expected each district once' }] },
    });
    expect(await http.post('/api/v1/zones/Z/district-changes', { districtIds: ['D1', 'bad id!'] })).toMatchObject({
      status: 400,
      body: { issues: [{ field: 'districtIds.1' }] },
    });
    expect((await http.get('/api/v1/zones/Z')).body.districtIds).toEqual(['D1', 'D4']);
    expect((await d2.post('/api/v1/zones/Z/district-changes', { districtIds: ['D1', 'D2', 'D4'] })).status).toBe(403);
  });

  it("moves a school to another district: the old district no longer sees it, the new one does, and the zone's rule holds", async () => {
    // Before: S1 is D1's.
    expect((await d1.get('/api/v1/schools/S1')).status).toBe(200);
    expect((await d2.get('/api/v1/schools/S1')).status).toBe(404);
    expect(ids((await d2.get('/api/v1/schools')).body)).toEqual(['S3']);
    expect((await d2.get('/api/v1/contracts/K')).status).toBe(404);

    // D2 is no longer one of zone Z's districts (the test before): the move is refused until it is again.
    expect(await http.post('/api/v1/schools/S1/district-moves', { districtId: 'D2' })).toEqual({
      status: 409,
      body: {
        error: 'illegal_state',
        message:
          "school 'S1' cannot move to district 'D2': it is or was a member of cluster 'C', whose zone 'Z' has districts D1, D4; add district 'D2' to the zone first",
      },
    });
    await ok('/api/v1/zones/Z/district-changes', { districtIds: ['D1', 'D2', 'D4'] });
    const moved = await http.post('/api/v1/schools/S1/district-moves', { districtId: 'D2' });
    // Just before the move's knowledge time, as the store stamped it.
    const [moveEvent] = (await app.get<EventStore>(EVENT_STORE).readStream('school-S1')).filter((event) => event.type === 'SchoolMovedDistrict');
    const beforeMove = new Date(Date.parse(String(moveEvent.metadata.recordedAt)) - 1).toISOString();
    expect(moved).toMatchObject({
      status: 201,
      body: { schoolId: 'S1', districtId: 'D2', name: 'Lincoln Academy', memberships: [{ clusterId: 'C', fromYear: '2023-24' }] },
    });

    // After: D2 owns S1 (and so the contract and cluster that hold it); D1 keeps S2, so the contract and cluster too.
    expect((await d1.get('/api/v1/schools/S1')).status).toBe(404);
    expect((await d2.get('/api/v1/schools/S1')).body).toMatchObject({ schoolId: 'S1', districtId: 'D2' });
    expect(ids((await d1.get('/api/v1/schools')).body)).toEqual(['S2']);
    expect(ids((await d2.get('/api/v1/schools')).body)).toEqual(['S1', 'S3']);
    expect(ids((await http.get('/api/v1/schools?districtId=D2')).body)).toEqual(['S1', 'S3']);
    expect((await d2.get('/api/v1/contracts/K')).status).toBe(200);
    expect((await d2.get('/api/v1/clusters/C')).status).toBe(200);
    expect((await d1.get('/api/v1/contracts/K')).status).toBe(200);
    // As of before the move, the research panel gives the district S1 had then; now, the new one.
    expect(await panelDistrictOfS1(beforeMove)).toBe('D1');
    expect(await panelDistrictOfS1(new Date().toISOString())).toBe('D2');

    // Moving S2 too leaves D1 with no school in zone Z: D1 may then leave the zone, and its key sees nothing of it.
    await ok('/api/v1/schools/S2/district-moves', { districtId: 'D2' });
    expect((await d1.get('/api/v1/schools')).body).toEqual([]);
    expect((await d1.get('/api/v1/contracts/K')).status).toBe(404);
    expect((await d1.get('/api/v1/zones')).body).toEqual([]);
    expect((await http.post('/api/v1/zones/Z/district-changes', { districtIds: ['D2', 'D4'] })).body.districtIds).toEqual(['D2', 'D4']);

    // A school in no cluster moves anywhere; one whose past cluster's zone lacks the district may not.
    expect((await http.post('/api/v1/schools/S3/district-moves', { districtId: 'D9' })).body.districtId).toBe('D9');
    await ok('/api/v1/schools/S4/cluster-departures', { clusterId: 'C3', fromYear: '2025-26' });
    expect(await http.post('/api/v1/schools/S4/district-moves', { districtId: 'D9' })).toMatchObject({
      status: 409,
      body: { message: expect.stringContaining("member of cluster 'C3', whose zone 'Z3'") },
    });

    expect(await http.post('/api/v1/schools/S1/district-moves', { districtId: 'D2' })).toEqual({
      status: 409,
      body: { error: 'illegal_state', message: "school 'S1' already belongs to district 'D2': nothing to change" },
    });
    expect((await http.post('/api/v1/schools/S9/district-moves', { districtId: 'D2' })).status).toBe(404);
    expect(await http.post('/api/v1/schools/S1/district-moves', {})).toMatchObject({ status: 400, body: { issues: [{ field: 'districtId' }] } });
    expect(await http.post('/api/v1/schools/S1/district-moves', { districtId: 'D2', schoolId: 'S2' })).toMatchObject({
      status: 400,
      body: { issues: [{ field: 'schoolId' }] },
    });
    expect((await d2.post('/api/v1/schools/S1/district-moves', { districtId: 'D1' })).status).toBe(403);
  });

  it('turnaround replay rebuilds registry tables equal to the live ones, the district history included', async () => {
    await app.close();
    closed = true;
    const live = await registryTables(dataDir);
    const schoolDistricts = live[REGISTRY_TABLES.findIndex((query) => query.includes('registry_school_districts'))] as {
      school_id: string;
      district_id: string;
    }[];
    expect(schoolDistricts.map((row) => `${row.school_id} ${row.district_id}`)).toEqual(['S1 D1', 'S1 D2', 'S2 D1', 'S2 D2', 'S3 D2', 'S3 D9', 'S4 D3']);
    const replayed = await turnaround(['replay'], { DATA_DIR: dataDir });
    expect(replayed).toMatchObject({ code: 0, stderr: '' });
    expect(await registryTables(dataDir)).toEqual(live);
  });
});

describe('a database from before schools could move upgrades in place', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'turnaround-registry-upgrade-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("fills each school's district history from the registry, as a replay of the same log gives it", async () => {
    let app = await createApp(testConfig({ DATA_DIR: dataDir }), { logger: false });
    let http = await httpClient(app);
    for (const [schoolId, districtId] of [
      ['S1', 'D1'],
      ['S2', 'D2'],
    ])
      expect((await http.post('/api/v1/schools', { schoolId, districtId, name: `School ${schoolId}`, gradeSpan: 'KG-05' })).status).toBe(201);
    await app.close();
    // As the release before this one left it: no history table, and no record of its migration.
    const sql = await createPgliteClient(join(dataDir, 'pglite'));
    await sql.query('DROP TABLE registry_school_districts');
    expect(await sql.query(`DELETE FROM schema_migrations WHERE id LIKE '%0003-school-districts' RETURNING owner, id`)).toEqual([
      { owner: 'projection:read-side', id: 'registry/0003-school-districts' },
    ]);
    await sql.close();

    app = await createApp(testConfig({ DATA_DIR: dataDir }), { logger: false });
    http = await httpClient(app);
    // The upgraded service moves a school as one built with it does.
    expect((await http.post('/api/v1/schools/S1/district-moves', { districtId: 'D2' })).status).toBe(201);
    await app.close();
    const upgraded = await registryTables(dataDir);
    expect((upgraded[3] as { school_id: string; district_id: string }[]).map((row) => `${row.school_id} ${row.district_id}`)).toEqual([
      'S1 D1',
      'S1 D2',
      'S2 D2',
    ]);
    expect((await turnaround(['replay'], { DATA_DIR: dataDir })).code).toBe(0);
    expect(await registryTables(dataDir)).toEqual(upgraded);
  });
});
