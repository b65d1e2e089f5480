import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { createApp } from '@turnaround/all-in-one';
import { waitUntil } from '@turnaround/domain/testing';
import { testConfig } from './support/app';
import { httpClient } from './support/http-client';

jest.setTimeout(120_000);

type Http = Awaited<ReturnType<typeof httpClient>>;

const assessment = (schoolId: string, schoolYear: string, subject: string, tested: number, proficient: number, window = 'annual') => ({
  schoolId,
  schoolYear,
  window,
  assessment: 'state_test',
  subject,
  grade: 'all',
  studentGroup: 'all',
  tested,
  proficient,
});
const attendance = (schoolId: string, schoolYear: string, periodEnd: string, membershipDays: number, attendanceDays: number, chronic?: number) => ({
  schoolId,
  schoolYear,
  periodStart: `${schoolYear.slice(0, 4)}-09-01`,
  periodEnd,
  membershipDays,
  attendanceDays,
  ...(chronic === undefined ? {} : { enrollment: 400, chronicallyAbsent: chronic }),
});

/**
 * A 2-cluster, 7-school zone over three contract years, every number computed by hand in the
 * comments. C1 (district D1): A, B, C from 2023-24 and D from 2024-25 (a mid-contract join),
 * under contract K1. C2 (district D2): E, F, G under K2. N1 and N2 are non-zone schools.
 */
describe('the engine: feeds -> metrics -> scorecards -> alerts, on the embedded default', () => {
  let dataDir: string;
  let app: INestApplication;
  let http: Http;
  const alerts = (query = '') => http.get(`/api/v1/alerts${query}`).then((answer) => answer.body as Record<string, unknown>[]);
  const scorecard = (contractId: string) => http.get(`/api/v1/contracts/${contractId}/scorecard`).then((answer) => answer.body);
  const line = (card: { lines: Record<string, unknown>[] }, contractYear: number, metric: string, subjectId: string) =>
    card.lines.find((candidate) => candidate.contractYear === contractYear && candidate.metric === metric && candidate.subjectId === subjectId);
  const push = async (kind: string, records: unknown[]) => {
    const answer = await http.post(`/api/v1/feeds/${kind}`, records);
    expect(answer.body).toMatchObject({ status: 'completed', rejectedRows: 0 });
    return answer.body;
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'turnaround-engine-'));
    app = await createApp(testConfig({ DATA_DIR: dataDir }), { logger: false });
    http = await httpClient(app);
    const ok = async (path: string, body: unknown) => expect((await http.post(path, body)).status).toBe(201);
    await ok('/api/v1/zones', { zoneId: 'Z1', stateCode: 'MA', name: 'Zone one', districtIds: ['D1', 'D2'] });
    await ok('/api/v1/clusters', { clusterId: 'C1', zoneId: 'Z1', name: 'North feeder pattern' });
    await ok('/api/v1/clusters', { clusterId: 'C2', zoneId: 'Z1', name: 'South feeder pattern' });
    for (const [schoolId, districtId] of [
      ['A', 'D1'],
      ['B', 'D1'],
      ['C', 'D1'],
      ['D', 'D1'],
      ['E', 'D2'],
      ['F', 'D2'],
      ['G', 'D2'],
    ]) {
      await ok('/api/v1/schools', { schoolId, districtId, name: `School ${schoolId}`, gradeSpan: '06-08' });
      const clusterId = districtId === 'D1' ? 'C1' : 'C2';
      await ok(`/api/v1/schools/${schoolId}/cluster-assignments`, {
        clusterId,
        fromYear: schoolId === 'D' ? '2024-25' : '2023-24',
        strategy: 'transformation',
      });
    }
    await ok('/api/v1/partners', { partnerId: 'P1', name: 'Partner one', role: 'lead' });
    await ok('/api/v1/partners', { partnerId: 'P2', name: 'Partner two', role: 'lead' });
    const contract = { governance: 'district_lead_partner', startYear: '2023-24', termYears: 3, baselineYear: '2022-23' };
    await ok('/api/v1/contracts', {
      ...contract,
      contractId: 'K1',
      partnerId: 'P1',
      clusterId: 'C1',
      schoolIds: ['A', 'B', 'C', 'D'],
      targets: [
        { metric: 'proficiency.math', contractYear: 1, kind: 'gain', value: 0.05, scope: 'school' },
        { metric: 'proficiency.math', contractYear: 1, kind: 'non_proficient_reduction', value: 0.05, scope: 'cluster' },
        { metric: 'attendance_rate', contractYear: 2, kind: 'absolute', value: 0.93, scope: 'school' },
      ],
    });
    await ok('/api/v1/contracts', {
      ...contract,
      contractId: 'K2',
      partnerId: 'P2',
      clusterId: 'C2',
      schoolIds: ['E', 'F', 'G'],
      targets: [
        { metric: 'chronic_absence_rate', contractYear: 1, kind: 'absolute', value: 0.2, scope: 'school' },
        { metric: 'proficiency.ela', contractYear: 3, kind: 'gap_closure', value: 0.5, scope: 'cluster', goal: 'stateAverage' },
      ],
    });
  });
  afterAll(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('contract year 1: an early warning that clears, year-end misses, the cluster majority rule, and a restatement that resolves', async () => {
    await push('assessment', [
      assessment('A', '2022-23', 'math', 100, 20),
      assessment('B', '2022-23', 'math', 100, 30),
      assessment('C', '2022-23', 'math', 100, 25),
      assessment('D', '2022-23', 'math', 50, 10),
      // winter interim: A at 22/100 is below its threshold 0.20 + 0.05 = 0.25
      assessment('A', '2023-24', 'math', 100, 22, 'winter'),
    ]);
    // the cluster's leading evidence is A's interim too: 22/100 against 1 - 0.75 x 0.95 = 0.2875
    const warnings = await waitUntil(
      () => alerts('?districtId=D1'),
      (list) => expect(list).toHaveLength(2),
    );
    const early = warnings.find((alert) => alert.schoolId === 'A') as Record<string, unknown>;
    expect(early).toMatchObject({
      checkpoint: 'early_warning',
      metric: 'proficiency.math',
      contractYear: 1,
      severity: 'warning',
      status: 'open',
      target: 0.25,
      actual: 0.22,
    });
    expect(warnings.find((alert) => alert.clusterId === 'C1')).toMatchObject({ checkpoint: 'early_warning', status: 'open', actual: 0.22 });

    // finals: A 26/100 meets 0.25; B 33/100 misses 0.35; C 29/100 misses 0.30
    await push('assessment', [
      assessment('A', '2023-24', 'math', 100, 26),
      assessment('B', '2023-24', 'math', 100, 33),
      assessment('C', '2023-24', 'math', 100, 29),
    ]);
    const afterFinals = await waitUntil(
      () => alerts('?districtId=D1'),
      (list) => expect(list).toHaveLength(5),
    );
    // resolved by A's final 0.26, the value it shows; 0.22 raised it
    expect(afterFinals.find((alert) => alert.alertId === early.alertId)).toMatchObject({
      status: 'resolved',
      resolution: 'the target is met',
      actual: 0.26,
      raisedActual: 0.22,
    });
    expect(afterFinals.find((alert) => alert.clusterId === 'C1' && alert.checkpoint === 'early_warning')).toMatchObject({
      status: 'resolved',
      resolution: 'the year closed missed: see the year-end alert',
    });
    expect(
      afterFinals.filter((alert) => alert.checkpoint === 'year_end').map((alert) => [alert.schoolId ?? alert.clusterId, alert.status, alert.severity]),
    ).toEqual(
      expect.arrayContaining([
        ['B', 'open', 'warning'],
        ['C', 'open', 'warning'],
        ['C1', 'open', 'warning'],
      ]),
    );
    // the cluster aggregate (26+33+29)/300 = 0.2933 meets 1 - 0.75 x 0.95 = 0.2875, but 2 of 3 schools missed
    const card = await scorecard('K1');
    expect(line(card, 1, 'proficiency.math', 'C1')).toMatchObject({
      status: 'missed',
      schools: { counted: 3, missed: 2 },
      reason: '2 of 3 schools missed their targets',
    });
    expect(line(card, 1, 'proficiency.math', 'D')).toBeUndefined();

    // B's result is restated to 36/100: B meets its target, only C misses, the cluster is back on track
    const restated = await push('assessment', [assessment('B', '2023-24', 'math', 100, 36)]);
    expect(restated).toMatchObject({ accepted: 0, restated: 1 });
    const afterRestatement = await waitUntil(
      () => alerts('?districtId=D1&status=open'),
      (list) => expect(list.map((alert) => alert.schoolId ?? alert.clusterId)).toEqual(['C']),
    );
    expect(afterRestatement[0]).toMatchObject({ checkpoint: 'year_end', actual: 0.29, target: 0.3 });
    const resolved = await alerts('?districtId=D1&status=resolved');
    expect(resolved.map((alert) => [alert.schoolId ?? alert.clusterId, alert.checkpoint])).toEqual(
      expect.arrayContaining([
        ['A', 'early_warning'],
        ['B', 'year_end'],
        ['C1', 'year_end'],
      ]),
    );
    // B's year-end alert, raised at 0.33, shows the restated 0.36 that resolved it
    expect(resolved.find((alert) => alert.schoolId === 'B' && alert.checkpoint === 'year_end')).toMatchObject({
      actual: 0.36,
      raisedActual: 0.33,
      resolution: 'the target is met',
    });
    expect(line(await scorecard('K1'), 1, 'proficiency.math', 'C1')).toMatchObject({ status: 'met', schools: { counted: 3, missed: 1 } });
  });

  it('contract year 2: a school that joined mid-contract counts from the year it joined; an open year is at risk', async () => {
    await push('attendance', [
      attendance('A', '2024-25', '2025-06-30', 1000, 930), // 0.93: met
      attendance('B', '2024-25', '2025-03-31', 1000, 900), // 0.90 so far, the year still open: at risk
      attendance('D', '2024-25', '2025-06-30', 500, 450), // 0.90: missed, in D's first year in the cluster
    ]);
    const open = await waitUntil(
      () => alerts('?districtId=D1&status=open'),
      (list) => expect(list.filter((alert) => alert.contractYear === 2)).toHaveLength(2),
    );
    expect(open.filter((alert) => alert.contractYear === 2).map((alert) => [alert.schoolId, alert.checkpoint, alert.severity])).toEqual(
      expect.arrayContaining([
        ['B', 'early_warning', 'serious'],
        ['D', 'year_end', 'serious'],
      ]),
    );
    const card = await scorecard('K1');
    expect(line(card, 2, 'attendance_rate', 'A')).toMatchObject({ status: 'met', actual: 0.93 });
    expect(line(card, 2, 'attendance_rate', 'C1')).toMatchObject({ kind: 'school_majority', status: 'pending', schools: { counted: 4, missed: 1 } });
    const cluster = (await http.get('/api/v1/clusters/C1/metrics?year=2024-25')).body;
    // (930 + 900 + 450) / (1000 + 1000 + 500) = 2280 / 2500
    expect(cluster).toEqual([
      expect.objectContaining({ metric: 'attendance_rate', numerator: 2280, denominator: 2500, rate: 0.912, schools: 3, final: false }),
    ]);
  });

  it('lower-is-better targets, a gap closed toward the state average, and roll-ups that sum, never average', async () => {
    await push('attendance', [
      attendance('E', '2023-24', '2024-06-30', 60000, 55000, 100), // chronic absence 100/400 = 0.25 > 0.20: missed
      attendance('F', '2023-24', '2024-06-30', 60000, 56000, 60), // 0.15: met
      attendance('G', '2023-24', '2024-06-30', 60000, 57000, 70), // 0.175: met
    ]);
    await push('assessment', [
      assessment('E', '2022-23', 'ela', 100, 30),
      assessment('F', '2022-23', 'ela', 100, 20),
      assessment('G', '2022-23', 'ela', 100, 40),
      assessment('E', '2025-26', 'ela', 100, 40),
      assessment('F', '2025-26', 'ela', 100, 35),
      assessment('G', '2025-26', 'ela', 100, 45),
      // the comparison group: schools outside every zone, registered nowhere
      assessment('N1', '2025-26', 'ela', 100, 60),
      assessment('N2', '2025-26', 'ela', 100, 50),
    ]);
    const [chronic] = await waitUntil(
      () => alerts('?districtId=D2'),
      (list) => expect(list).toHaveLength(1),
    );
    expect(chronic).toMatchObject({ schoolId: 'E', metric: 'chronic_absence_rate', checkpoint: 'year_end', target: 0.2, actual: 0.25, status: 'open' });

    const card = await waitUntil(
      () => scorecard('K2'),
      (value) => expect(line(value, 3, 'proficiency.ela', 'C2')).toMatchObject({ status: 'met' }),
    );
    // baseline 90/300 = 0.30; state 230/500 = 0.46; threshold 0.30 + 0.5 x (0.46 - 0.30) = 0.38; actual 120/300 = 0.40
    const ela = line(card, 3, 'proficiency.ela', 'C2') as { threshold: number; baseline: number; actual: number };
    expect(ela.baseline).toBeCloseTo(0.3, 12);
    expect(ela.threshold).toBeCloseTo(0.38, 12);
    expect(ela.actual).toBeCloseTo(0.4, 12);
    expect(line(card, 1, 'chronic_absence_rate', 'C2')).toMatchObject({ kind: 'school_majority', status: 'met', schools: { counted: 3, missed: 1 } });

    // the zone sums both clusters: ela 2025-26 is E, F, G only (A-D reported none): 120/300
    const zone = (await http.get('/api/v1/zones/Z1/metrics?year=2025-26')).body;
    expect(zone).toEqual([expect.objectContaining({ metric: 'proficiency.ela', numerator: 120, denominator: 300, schools: 3 })]);
    const partner = (await http.get('/api/v1/partners/P2/metrics?year=2023-24')).body;
    expect(partner.find((reading: { metric: string }) => reading.metric === 'chronic_absence_rate')).toMatchObject({ numerator: 230, denominator: 1200 });
  });

  it('shows small numbers raw and flagged to the state office, and answers unknown ids and bad years clearly', async () => {
    expect((await http.get('/api/v1/schools/D/metrics?year=2022-23')).body).toEqual([
      expect.objectContaining({ metric: 'proficiency.math', numerator: 10, denominator: 50, rate: 0.2, smallNumber: false }),
    ]);
    await push('assessment', [assessment('N3', '2025-26', 'math', 8, 2)]);
    const small = await waitUntil(
      () => http.get('/api/v1/schools/N3/metrics'),
      (answer) => expect(answer.status).toBe(200),
    );
    // the state office reads it raw, flagged (the public's suppressed view: roles.e2e.spec.ts)
    expect(small.body).toEqual([expect.objectContaining({ metric: 'proficiency.math', numerator: 2, denominator: 8, rate: 0.25, smallNumber: true })]);
    expect((await http.get('/api/v1/schools/NOWHERE/metrics')).status).toBe(404);
    expect((await http.get('/api/v1/zones/Z1/metrics?year=2025')).body).toMatchObject({ error: 'validation', issues: [{ field: 'year' }] });
    expect((await http.get('/api/v1/contracts/K9/scorecard')).status).toBe(404);
  });

  it('lets a district acknowledge its alert with a note', async () => {
    const [open] = await alerts('?districtId=D2&status=open');
    const acknowledged = await http.post(`/api/v1/alerts/${open.alertId}/acknowledge`, { note: 'attendance officer hired for E' });
    expect(acknowledged.status).toBe(201);
    expect(acknowledged.body).toMatchObject({
      status: 'acknowledged',
      acknowledgements: [expect.objectContaining({ by: 'bootstrap', note: 'attendance officer hired for E' })],
    });
    expect((await http.post('/api/v1/alerts/A-unknown/acknowledge', { note: 'x' })).status).toBe(404);
    expect((await http.post(`/api/v1/alerts/${open.alertId}/acknowledge`, {})).body).toMatchObject({ issues: [{ field: 'note' }] });
  });
});
