import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { createApp } from '@turnaround/all-in-one';
import { Role } from '@turnaround/domain';
import { waitUntil } from '@turnaround/domain/testing';
import { ApiKeys } from '@turnaround/platform';
import { testConfig } from './support/app';
import { httpClient } from './support/http-client';

jest.setTimeout(120_000);

type Http = Awaited<ReturnType<typeof httpClient>>;

const attendance = (schoolId: string, schoolYear: string, membershipDays: number, attendanceDays: number) => ({
  schoolId,
  schoolYear,
  periodStart: `${schoolYear.slice(0, 4)}-09-01`,
  periodEnd: `20${schoolYear.slice(5)}-06-30`,
  membershipDays,
  attendanceDays,
});

/**
 * Cluster C of S1 (district D1) and S2 (district D2). Partner P1 holds it under K1 for 2023-24
 * to 2025-26; partner P2 takes it over under K2 from 2026-27. P3 holds no contract.
 */
describe('each role sees what docs/roles.md gives it, small numbers included', () => {
  let dataDir: string;
  let app: INestApplication;
  let state: Http;
  const as: Record<string, Http> = {};

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'turnaround-roles-'));
    app = await createApp(testConfig({ DATA_DIR: dataDir }), { logger: false });
    state = await httpClient(app);
    const ok = async (path: string, body: unknown) => expect((await state.post(path, body)).status).toBe(201);
    await ok('/api/v1/zones', { zoneId: 'Z', stateCode: 'MA', name: 'Zone', districtIds: ['D1', 'D2'] });
    await ok('/api/v1/clusters', { clusterId: 'C', zoneId: 'Z', name: 'Cluster' });
    for (const [schoolId, districtId] of [
      ['S1', 'D1'],
      ['S2', 'D2'],
    ]) {
      await ok('/api/v1/schools', { schoolId, districtId, name: `School ${schoolId}`, gradeSpan: '06-08' });
      await ok(`/api/v1/schools/${schoolId}/cluster-assignments`, { clusterId: 'C', fromYear: '2023-24', strategy: 'transformation' });
    }
    for (const partnerId of ['P1', 'P2', 'P3']) await ok('/api/v1/partners', { partnerId, name: `Partner ${partnerId}`, role: 'lead' });
    const contract = { clusterId: 'C', schoolIds: ['S1', 'S2'], governance: 'district_lead_partner', termYears: 3 };
    await ok('/api/v1/contracts', {
      ...contract,
      contractId: 'K1',
      partnerId: 'P1',
      startYear: '2023-24',
      baselineYear: '2022-23',
      targets: [{ metric: 'attendance_rate', contractYear: 1, kind: 'absolute', value: 0.93, scope: 'school' }],
    });
    await ok('/api/v1/contracts', { ...contract, contractId: 'K2', partnerId: 'P2', startYear: '2026-27', baselineYear: '2025-26', targets: [] });

    const keys = app.get(ApiKeys);
    const roles: Record<string, Role> = {
      researcher: { kind: 'researcher' },
      D1: { kind: 'district', districtId: 'D1' },
      D2: { kind: 'district', districtId: 'D2' },
      P1: { kind: 'partner', partnerId: 'P1' },
      P2: { kind: 'partner', partnerId: 'P2' },
      P3: { kind: 'partner', partnerId: 'P3' },
      public: { kind: 'public' },
    };
    for (const [name, role] of Object.entries(roles)) as[name] = await httpClient(app, (await keys.issue(role, name)).key);

    await state.post('/api/v1/feeds/attendance', [
      attendance('S1', '2023-24', 1000, 900), // 0.90 misses 0.93
      attendance('S2', '2023-24', 1000, 950), // 0.95 meets it
      attendance('S1', '2025-26', 500, 460),
      attendance('S2', '2025-26', 500, 480),
      attendance('S1', '2026-27', 400, 300),
      attendance('S2', '2026-27', 400, 396),
    ]);
    // S1's 2025-26 math: 2 of 8 tested, below nMin 10
    await state.post('/api/v1/feeds/assessment', [
      {
        schoolId: 'S1',
        schoolYear: '2025-26',
        window: 'spring',
        assessment: 'state_test',
        subject: 'math',
        grade: 'all',
        studentGroup: 'all',
        tested: 8,
        proficient: 2,
      },
    ]);
    await waitUntil(
      () => state.get('/api/v1/alerts'),
      (answer) => expect(answer.body).toHaveLength(1),
    );
  });
  afterAll(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows one small school raw, flagged, to the state, researchers and its own district and partners, and suppressed to the public', async () => {
    const math = async (who: Http) => {
      const answer = await who.get('/api/v1/schools/S1/metrics?year=2025-26');
      return answer.status === 200 ? (answer.body as { metric: string }[]).find((reading) => reading.metric === 'proficiency.math') : answer.status;
    };
    const raw = { numerator: 2, denominator: 8, rate: 0.25, smallNumber: true };
    for (const who of [state, as.researcher, as.D1, as.P1, as.P2]) expect(await math(who)).toMatchObject(raw);
    expect(await math(as.public)).toMatchObject({ numerator: null, denominator: null, rate: null, smallNumber: true });
    // not its own: another district's school, a partner without a contract on it
    expect(await math(as.D2)).toBe(404);
    expect(await math(as.P3)).toBe(404);
  });

  it('withholds a rate indicator of 1 dropout in 1 from the public by its kind, and shows a count of minutes as it is', async () => {
    const indicators = [
      { schoolId: 'S1', schoolYear: '2025-26', indicator: 'dropout_rate', numerator: 1, denominator: 1 },
      { schoolId: 'S1', schoolYear: '2025-26', indicator: 'instructional_minutes', numerator: 64_800 },
    ];
    expect((await state.post('/api/v1/feeds/indicators', indicators)).body).toMatchObject({ accepted: 2 });
    const of = (readings: { metric: string }[], metric: string) => readings.find((reading) => reading.metric === metric);
    const readings = await waitUntil(
      async () => (await as.public.get('/api/v1/schools/S1/metrics?year=2025-26')).body as { metric: string }[],
      (body) => expect(of(body, 'indicator.instructional_minutes')).toBeDefined(),
    );
    expect(of(readings, 'indicator.dropout_rate')).toMatchObject({ numerator: null, denominator: null, rate: null, smallNumber: true, withheld: true });
    expect(of(readings, 'indicator.instructional_minutes')).toMatchObject({
      numerator: 64_800,
      denominator: 1,
      rate: 64_800,
      smallNumber: false,
      withheld: false,
    });
    // and the cluster, where S1 reports it alone
    const cluster = (await as.public.get('/api/v1/clusters/C/metrics?year=2025-26')).body as { metric: string }[];
    expect(of(cluster, 'indicator.dropout_rate')).toMatchObject({ numerator: null, rate: null, withheld: true });
    // S1's own district reads it raw, flagged
    expect(of((await as.D1.get('/api/v1/schools/S1/metrics?year=2025-26')).body, 'indicator.dropout_rate')).toMatchObject({
      numerator: 1,
      denominator: 1,
      smallNumber: true,
      withheld: false,
    });
  });

  it("withholds from the other district a cluster total that, less its own school, would be S1's small number, and from the public", async () => {
    // S2's 2025-26 math: 15 of 30; C's total is then 17 of 38, and D2, which sees S2 raw, would take S1's 2 of 8 from it
    await state.post('/api/v1/feeds/assessment', [
      {
        schoolId: 'S2',
        schoolYear: '2025-26',
        window: 'spring',
        assessment: 'state_test',
        subject: 'math',
        grade: 'all',
        studentGroup: 'all',
        tested: 30,
        proficient: 15,
      },
    ]);
    const math = async (who: Http, path: string) =>
      ((await who.get(path)).body as { metric: string }[]).find((reading) => reading.metric === 'proficiency.math');
    await waitUntil(
      () => math(state, '/api/v1/clusters/C/metrics?year=2025-26'),
      (reading) => expect(reading).toMatchObject({ numerator: 17, denominator: 38, withheld: false }),
    );
    const withheld = { numerator: null, denominator: null, rate: null, withheld: true };
    for (const who of [as.D2, as.D1, as.public]) expect(await math(who, '/api/v1/clusters/C/metrics?year=2025-26')).toMatchObject(withheld);
    expect(await math(as.public, '/api/v1/zones/Z/metrics?year=2025-26')).toMatchObject(withheld);
    // the partners whose contracts name both schools see both raw, and so their sum
    for (const who of [as.P1, as.P2, as.researcher])
      expect(await math(who, '/api/v1/clusters/C/metrics?year=2025-26')).toMatchObject({ numerator: 17, denominator: 38, withheld: false });
    // the public: S1 is small, and S2 is withheld beside it; D2 reads its own S2 raw
    expect(await math(as.public, '/api/v1/schools/S2/metrics?year=2025-26')).toMatchObject({ ...withheld, smallNumber: false });
    expect(await math(as.D2, '/api/v1/schools/S2/metrics?year=2025-26')).toMatchObject({ numerator: 15, denominator: 30, withheld: false });
  });

  it("rolls a partner up over its own contracts' terms only: two partners that held one cluster in turn", async () => {
    const rates = async (partnerId: string) =>
      ((await state.get(`/api/v1/partners/${partnerId}/metrics`)).body as { schoolYear: string; metric: string; numerator: number; denominator: number }[])
        .filter((reading) => reading.metric === 'attendance_rate')
        .map((reading) => [reading.schoolYear, reading.numerator, reading.denominator]);
    // P1, 2023-24 to 2025-26: (900 + 950) / 2000 and (460 + 480) / 1000; not 2026-27
    expect(await rates('P1')).toEqual([
      ['2023-24', 1850, 2000],
      ['2025-26', 940, 1000],
    ]);
    // P2 from 2026-27: (300 + 396) / 800
    expect(await rates('P2')).toEqual([['2026-27', 696, 800]]);
    // the cluster itself has every year
    const cluster = (await state.get('/api/v1/clusters/C/metrics')).body as { schoolYear: string; metric: string }[];
    expect(cluster.filter((reading) => reading.metric === 'attendance_rate').map((reading) => reading.schoolYear)).toEqual(['2023-24', '2025-26', '2026-27']);
  });

  it('gives a partner its own scorecards and alerts, read only', async () => {
    const card = await as.P1.get('/api/v1/partners/P1/scorecard');
    expect(card.status).toBe(200);
    // year 1: S1 missed (0.90 < 0.93), S2 met: 1 of 2 schools is not a majority, so the cluster met its year
    expect(card.body.years).toEqual([{ schoolYear: '2023-24', met: 1, missed: 0, atRisk: 0, onTrack: 0, pending: 0 }]);
    expect(card.body.contracts.map((contract: { contractId: string }) => contract.contractId)).toEqual(['K1']);
    expect((await as.P2.get('/api/v1/partners/P1/scorecard')).status).toBe(404);
    expect((await as.P1.get('/api/v1/contracts/K1/scorecard')).status).toBe(200);
    expect((await as.P1.get('/api/v1/contracts/K2/scorecard')).status).toBe(404);
    const alerts = (await as.P1.get('/api/v1/alerts')).body as { schoolId: string; partnerId: string }[];
    expect(alerts.map((alert) => [alert.schoolId, alert.partnerId])).toEqual([['S1', 'P1']]);
    // asking for another partner's narrows its own list further: to nothing
    expect((await as.P1.get('/api/v1/alerts?partnerId=P2')).body).toEqual([]);
    expect((await as.P2.get('/api/v1/alerts')).body).toEqual([]);
    expect((await as.P1.post(`/api/v1/alerts/${(alerts[0] as unknown as { alertId: string }).alertId}/acknowledge`, { note: 'x' })).status).toBe(403);
  });

  it('gives a district and a partner the registry that holds their own to start from, and the public its ids and names', async () => {
    const listed = async (who: Http, path: string, field: string) => {
      const answer = await who.get(path);
      return answer.status === 200 ? (answer.body as Record<string, string>[]).map((item) => item[field]) : answer.status;
    };
    // D1's school S1 is in cluster C, of zone Z, under K1 (P1) and K2 (P2)
    expect(await listed(as.D1, '/api/v1/zones', 'zoneId')).toEqual(['Z']);
    expect(await listed(as.D1, '/api/v1/clusters', 'clusterId')).toEqual(['C']);
    expect(await listed(as.D1, '/api/v1/contracts', 'contractId')).toEqual(['K1', 'K2']);
    expect(await listed(as.D1, '/api/v1/partners', 'partnerId')).toEqual(['P1', 'P2']);
    expect(await listed(as.D1, '/api/v1/schools', 'schoolId')).toEqual(['S1']);
    expect((await as.D1.get('/api/v1/clusters/C')).status).toBe(200);
    expect((await as.D1.get('/api/v1/contracts/K1')).status).toBe(200);
    // P1 holds K1 alone; P3 holds nothing
    expect(await listed(as.P1, '/api/v1/contracts', 'contractId')).toEqual(['K1']);
    expect(await listed(as.P1, '/api/v1/schools', 'schoolId')).toEqual(['S1', 'S2']);
    expect(await listed(as.P1, '/api/v1/partners', 'partnerId')).toEqual(['P1']);
    expect((await as.P1.get('/api/v1/contracts/K1')).status).toBe(200);
    expect((await as.P1.get('/api/v1/contracts/K2')).status).toBe(404);
    expect(await listed(as.P3, '/api/v1/contracts', 'contractId')).toEqual([]);
    expect(await listed(as.P3, '/api/v1/clusters', 'clusterId')).toEqual([]);
    // the public: every zone, cluster, school and partner, no contract
    expect(await listed(as.public, '/api/v1/schools', 'schoolId')).toEqual(['S1', 'S2']);
    expect(await listed(as.public, '/api/v1/partners', 'partnerId')).toEqual(['P1', 'P2', 'P3']);
    expect(await listed(as.public, '/api/v1/contracts', 'contractId')).toBe(403);
  });

  it("lets a district and a partner read a zone's metrics: raw where every school is their own, as the public does otherwise", async () => {
    const math = async (who: Http) => {
      const answer = await who.get('/api/v1/zones/Z/metrics?year=2025-26');
      return answer.status === 200 ? (answer.body as { metric: string }[]).find((reading) => reading.metric === 'proficiency.math') : answer.status;
    };
    const withheld = { numerator: null, denominator: null, rate: null, withheld: true };
    for (const who of [as.D1, as.D2, as.P3, as.public]) expect(await math(who)).toMatchObject(withheld);
    for (const who of [as.P1, as.P2, state]) expect(await math(who)).toMatchObject({ numerator: 17, denominator: 38, withheld: false });
  });

  it("lets a district read the lines of its own schools and of the cluster, not the other district's schools", async () => {
    const lines = async (who: Http) =>
      ((await who.get('/api/v1/contracts/K1/scorecard')).body.lines as { subjectId: string }[]).map((line) => line.subjectId).sort();
    expect(await lines(state)).toEqual(['C', 'S1', 'S2']);
    expect(await lines(as.D1)).toEqual(['C', 'S1']);
    expect(await lines(as.D2)).toEqual(['C', 'S2']);
    expect((await as.public.get('/api/v1/contracts/K1/scorecard')).status).toBe(403);
    expect((await as.public.get('/api/v1/alerts')).status).toBe(403);
  });
});
