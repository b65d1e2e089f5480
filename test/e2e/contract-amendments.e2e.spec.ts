import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { createApp } from '@turnaround/all-in-one';
import { waitUntil } from '@turnaround/domain/testing';
import { EventStore } from '@turnaround/event-store';
import { EVENT_STORE } from '@turnaround/platform';
import { testConfig } from './support/app';
import { httpClient } from './support/http-client';

jest.setTimeout(120_000);

type Http = Awaited<ReturnType<typeof httpClient>>;
type TargetInForce = { metric: string; contractYear: number; scope: string; value: number; since: string; setBy: string | null };
type Alert = { alertId: string; schoolId: string | null; metric: string; contractYear: number; checkpoint: string; status: string; resolution: string | null };

const attendance = (contractYear: number, value: number, scope = 'school') => ({ metric: 'attendance_rate', contractYear, kind: 'absolute', value, scope });
const math2 = { metric: 'proficiency.math', contractYear: 2, kind: 'gain', value: 0.05, scope: 'school' };
const chronic3 = { metric: 'chronic_absence_rate', contractYear: 3, kind: 'absolute', value: 0.2, scope: 'cluster' };
/** A whole school year of attendance for a school: 1,000 membership days from September 1 to `periodEnd`. */
const days = (schoolId: string, schoolYear: string, attendanceDays: number, periodEnd: string) => ({
  schoolId,
  schoolYear,
  periodStart: `${schoolYear.slice(0, 4)}-09-01`,
  periodEnd,
  membershipDays: 1000,
  attendanceDays,
});

/**
 * Issue 28, over HTTP. Cluster C of S1, S2, S3 (from 2023-24) under contract K (2023-24, 3
 * years) with four targets; cluster C4 of S4 under K4. An amendment changes what it names and
 * no more; a final year's target is refused with 409; two contracts may not cover one school in
 * one school year.
 */
describe('contract amendments and overlapping contracts (issue 28)', () => {
  let dataDir: string;
  let app: INestApplication;
  let http: Http;
  const contract = (contractId: string) =>
    http.get(`/api/v1/contracts/${contractId}`).then((answer) => answer.body as { targets: TargetInForce[]; termYears: number });
  const targetOf = (targets: TargetInForce[], metric: string, contractYear: number) =>
    targets.find((target) => target.metric === metric && target.contractYear === contractYear);
  const ok = async (path: string, body: unknown) => {
    const answer = await http.post(path, body);
    if (answer.status !== 201) throw new Error(`POST ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'turnaround-amendments-'));
    app = await createApp(testConfig({ DATA_DIR: dataDir }), { logger: false });
    http = await httpClient(app);
    await ok('/api/v1/zones', { zoneId: 'Z', stateCode: 'MA', name: 'Zone', districtIds: ['D1'] });
    for (const clusterId of ['C', 'C4']) await ok('/api/v1/clusters', { clusterId, zoneId: 'Z', name: `Cluster ${clusterId}` });
    for (const schoolId of ['S1', 'S2', 'S3', 'S4']) {
      await ok('/api/v1/schools', { schoolId, districtId: 'D1', name: `School ${schoolId}`, gradeSpan: '06-08' });
      await ok(`/api/v1/schools/${schoolId}/cluster-assignments`, {
        clusterId: schoolId === 'S4' ? 'C4' : 'C',
        fromYear: '2023-24',
        strategy: 'transformation',
      });
    }
    await ok('/api/v1/partners', { partnerId: 'P', name: 'Partner', role: 'lead' });
    await ok('/api/v1/partners', { partnerId: 'P2', name: 'Second partner', role: 'lead' });
    const term = { governance: 'district_lead_partner', startYear: '2023-24', termYears: 3, baselineYear: '2022-23' };
    await ok('/api/v1/contracts', {
      ...term,
      contractId: 'K',
      partnerId: 'P',
      clusterId: 'C',
      schoolIds: ['S1', 'S2', 'S3'],
      targets: [attendance(1, 0.93), attendance(2, 0.94), math2, chronic3],
    });
    await ok('/api/v1/contracts', {
      ...term,
      contractId: 'K4',
      partnerId: 'P',
      clusterId: 'C4',
      schoolIds: ['S4'],
      targets: [attendance(1, 0.9), attendance(2, 0.91), attendance(3, 0.92)],
    });
  });
  afterAll(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('an amendment that names one target changes that one and leaves the others in force; the contract read says since when and by which amendment', async () => {
    const signed = await contract('K');
    expect(signed.targets.map((target) => [target.metric, target.contractYear, target.value, target.setBy])).toEqual([
      ['attendance_rate', 1, 0.93, 'signed'],
      ['attendance_rate', 2, 0.94, 'signed'],
      ['proficiency.math', 2, 0.05, 'signed'],
      ['chronic_absence_rate', 3, 0.2, 'signed'],
    ]);
    const signedAt = signed.targets[0].since;
    expect(new Set(signed.targets.map((target) => target.since))).toEqual(new Set([signedAt]));

    const amended = await http.post('/api/v1/contracts/K/target-amendments', { targets: [attendance(2, 0.95)], reason: 'renegotiated' });
    expect(amended.status).toBe(201);
    const targets = amended.body.targets as TargetInForce[];
    expect(targets.map((target) => [target.metric, target.contractYear, target.value, target.setBy])).toEqual([
      ['attendance_rate', 1, 0.93, 'signed'],
      ['attendance_rate', 2, 0.95, 'amendment 1'],
      ['proficiency.math', 2, 0.05, 'signed'],
      ['chronic_absence_rate', 3, 0.2, 'signed'],
    ]);
    expect((targetOf(targets, 'attendance_rate', 2)?.since ?? '') > signedAt).toBe(true);
    expect(targetOf(targets, 'proficiency.math', 2)?.since).toBe(signedAt);
    expect((await contract('K')).targets).toEqual(targets);
  });

  it('a target goes only when an amendment removes it, and its open alert is withdrawn (target_withdrawn)', async () => {
    // 2024-25 so far: S1 at 900/1000 = 0.90, below the amended 0.95: at risk
    await http.post('/api/v1/feeds/attendance', [days('S1', '2024-25', 900, '2025-01-31')]);
    const [warning] = await waitUntil(
      () =>
        http
          .get('/api/v1/alerts?status=open')
          .then((answer) => (answer.body as Alert[]).filter((alert) => alert.schoolId === 'S1' && alert.contractYear === 2)),
      (open) => expect(open).toMatchObject([{ metric: 'attendance_rate', checkpoint: 'early_warning' }]),
    );

    const removed = await http.post('/api/v1/contracts/K/target-amendments', {
      remove: [{ metric: 'attendance_rate', contractYear: 2, scope: 'school' }],
      reason: 'attendance dropped from year 2',
    });
    expect(removed.status).toBe(201);
    expect((removed.body.targets as TargetInForce[]).map((target) => `${target.metric} ${target.contractYear}`)).toEqual([
      'attendance_rate 1',
      'proficiency.math 2',
      'chronic_absence_rate 3',
    ]);
    const withdrawn = await waitUntil(
      () => http.get(`/api/v1/alerts/${warning.alertId}`).then((answer) => answer.body as Alert),
      (alert) => expect(alert.status).toBe('resolved'),
    );
    expect(withdrawn.resolution).toBe('target_withdrawn');
  });

  it("refuses with 409, naming the year, an amendment that changes or removes a final year's target, and records nothing of it", async () => {
    // 2023-24 closes for S1: 940/1000 through June 30 meets 0.93, so contract year 1 is final
    await http.post('/api/v1/feeds/attendance', [days('S1', '2023-24', 940, '2024-06-30')]);
    await waitUntil(
      () => http.get('/api/v1/contracts/K/scorecard').then((answer) => answer.body.lines as { subjectId: string; contractYear: number; evidence: string }[]),
      (lines) => expect(lines.find((line) => line.subjectId === 'S1' && line.contractYear === 1)?.evidence).toBe('final'),
    );
    const before = await contract('K');

    const onlyFinal = await http.post('/api/v1/contracts/K/target-amendments', { targets: [attendance(1, 0.9)], reason: 'easier year one' });
    expect(onlyFinal.status).toBe(409);
    expect(onlyFinal.body).toMatchObject({ error: 'illegal_state', message: expect.stringMatching(/^contract year 1 \(2023-24\) of contract 'K' is final/) });
    const mixed = await http.post('/api/v1/contracts/K/target-amendments', { targets: [attendance(1, 0.9), { ...math2, value: 0.1 }], reason: 'both' });
    expect(mixed.status).toBe(409);
    const removal = await http.post('/api/v1/contracts/K/target-amendments', {
      remove: [{ metric: 'attendance_rate', contractYear: 1, scope: 'school' }],
      reason: 'drop it',
    });
    expect(removal.status).toBe(409);
    expect(removal.body.message).toMatch(/contract year 1 \(2023-24\)/);
    // nothing of them was recorded: year 2's math target is as it was
    expect(await contract('K')).toEqual(before);
  });

  it('answers a malformed amendment with 400 naming the field', async () => {
    const empty = await http.post('/api/v1/contracts/K/target-amendments', { reason: 'nothing' });
    expect(empty).toMatchObject({
      status: 400,
      body: { issues: [{ field: 'targets', message: 'expected at least one target to add or change, or one in remove' }] },
    });
    const unknown = await http.post('/api/v1/contracts/K/target-amendments', {
      remove: [{ metric: 'proficiency.ela', contractYear: 2, scope: 'school' }],
      reason: 'x',
    });
    expect(unknown).toMatchObject({
      status: 400,
      body: { issues: [{ field: 'remove.0', message: expect.stringMatching(/it has none for proficiency.ela of contract year 2/) }] },
    });
    const replacing = await http.post('/api/v1/contracts/K/target-amendments', { targets: [attendance(3, 0.9)], replacesAll: true, reason: 'x' });
    expect(replacing).toMatchObject({ status: 400, body: { issues: [{ field: 'replacesAll' }] } });
  });

  it('reads an amendment stored as version 1 as the replacement it was, and numbers the next one after it', async () => {
    // K4's stream as the service stored an amendment before issue 28: {contractId, targets, reason}, v1
    const store = app.get<EventStore>(EVENT_STORE);
    await store.append('contract-K4', [
      {
        type: 'ContractTargetsAmended',
        schemaVersion: 1,
        data: { contractId: 'K4', targets: [attendance(3, 0.97)], reason: 'renegotiated before issue 28' },
        metadata: { source: { channel: 'http' }, correlationId: 'v1', actor: 'state-office' },
      },
    ]);
    // it replaced the list: years 1 and 2 (not final) lost their targets
    const replaced = await waitUntil(
      () => contract('K4'),
      (read) => expect(read.targets).toHaveLength(1),
    );
    expect(replaced.targets).toMatchObject([{ metric: 'attendance_rate', contractYear: 3, value: 0.97, setBy: 'amendment' }]);

    const next = await http.post('/api/v1/contracts/K4/target-amendments', { targets: [attendance(2, 0.9)], reason: 'year two again' });
    expect(next.status).toBe(201);
    expect((next.body.targets as TargetInForce[]).map((target) => [target.contractYear, target.value, target.setBy])).toEqual([
      [2, 0.9, 'amendment 2'],
      [3, 0.97, 'amendment'],
    ]);
  });

  it('refuses a second contract for a school in a school year the first still covers, when signed and when renewed', async () => {
    const k2 = {
      contractId: 'K2',
      partnerId: 'P2',
      clusterId: 'C',
      schoolIds: ['S3'],
      governance: 'district_lead_partner',
      termYears: 3,
      targets: [attendance(1, 0.9)],
    };
    // K covers S3 from 2023-24 to 2025-26
    const overlapping = await http.post('/api/v1/contracts', { ...k2, startYear: '2025-26', baselineYear: '2024-25' });
    expect(overlapping).toMatchObject({
      status: 409,
      body: { error: 'illegal_state', message: expect.stringMatching(/^school 'S3' is covered by contract 'K' in 2025-26/) },
    });
    expect((await http.get('/api/v1/contracts/K2')).status).toBe(404);

    // once K's term is over, K2 may take S3
    expect((await http.post('/api/v1/contracts', { ...k2, startYear: '2026-27', baselineYear: '2025-26' })).status).toBe(201);
    // and K may not be renewed into K2's years
    const renewed = await http.post('/api/v1/contracts/K/renewals', { additionalYears: 1, targets: [] });
    expect(renewed).toMatchObject({ status: 409, body: { message: expect.stringMatching(/^school 'S3' is covered by contract 'K2' in 2026-27/) } });
    expect((await contract('K')).termYears).toBe(3);
  });

  it("lists the contract's changes with their reasons and the terms they replaced, as known on a date", async () => {
    type Change = {
      change: string;
      label: string;
      knownAt: string;
      reason: string | null;
      targets: { metric: string; contractYear: number; value: number; before: { value: number } | null }[];
      removed: { metric: string; contractYear: number }[];
    };
    const history = (await http.get('/api/v1/contracts/K/history')).body as Change[];
    expect(history.map((change) => [change.label, change.reason])).toEqual([
      ['signed', null],
      ['amendment 1', 'renegotiated'],
      ['amendment 2', 'attendance dropped from year 2'],
    ]);
    expect(history[1].targets).toMatchObject([{ metric: 'attendance_rate', contractYear: 2, value: 0.95, before: { value: 0.94 } }]);
    expect(history[2].removed).toEqual([{ metric: 'attendance_rate', contractYear: 2, scope: 'school' }]);
    // the refused amendments left no trace; as known between the two amendments, only the first
    const between = (await http.get(`/api/v1/contracts/K/history?asOf=${encodeURIComponent(history[1].knownAt)}`)).body as Change[];
    expect(between.map((change) => change.label)).toEqual(['signed', 'amendment 1']);
    // before it was signed, and for a contract never signed, 404
    expect((await http.get(`/api/v1/contracts/K/history?asOf=${encodeURIComponent(new Date(Date.parse(history[0].knownAt) - 1).toISOString())}`)).status).toBe(
      404,
    );
    expect((await http.get('/api/v1/contracts/NOPE/history')).status).toBe(404);
    // the version 1 amendment of K4: no number, and what it withdrew by leaving it out
    const k4 = (await http.get('/api/v1/contracts/K4/history')).body as Change[];
    expect(k4.map((change) => [change.label, change.removed.map((target) => target.contractYear)])).toEqual([
      ['signed', []],
      ['amendment', [1, 2]],
      ['amendment 2', []],
    ]);
  });
});
