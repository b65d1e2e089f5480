import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { createApp } from '@turnaround/all-in-one';
import { manualClock } from '@turnaround/domain';
import { waitUntil } from '@turnaround/domain/testing';
import { ApiKeys } from '@turnaround/platform';
import { testConfig } from './support/app';
import { httpClient } from './support/http-client';
import { attendance2023, registerOneClusterZone } from './support/one-cluster-zone';

jest.setTimeout(180_000);

type Reading = {
  metric: string;
  schoolYear: string;
  numerator: number | null;
  denominator: number | null;
  rate: number | null;
  schools: number;
  smallNumber: boolean;
  withheld: boolean;
};
type Api = Awaited<ReturnType<typeof httpClient>>;

/**
 * Cluster C of S1 (D1) and S2 (D2), and S3 of D3 in no cluster, report 2023-24 attendance; then
 * S4 of D4, in no cluster either, reports 5 membership days: a small number, alone in its group,
 * so any total holding it would give it away.
 */
describe('the state average: every school that reported, as known at a date, withheld from the public where it would give a small number away', () => {
  let dataDir: string;
  let app: INestApplication;
  let state: Api;
  let publicKey: Api;
  let between: string;
  const attendance = async (who: Api, query: string) =>
    ((await who.get(`/api/v1/state/metrics${query}`)).body as Reading[]).find((reading) => reading.metric === 'attendance_rate');

  const clock = manualClock('2024-07-01T00:00:00.000Z');

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'turnaround-state-metrics-'));
    app = await createApp(testConfig({ DATA_DIR: dataDir }), { logger: false, clock });
    state = await httpClient(app);
    await registerOneClusterZone(state, [
      ['S1', 'D1'],
      ['S2', 'D2'],
    ]);
    for (const [schoolId, districtId] of [
      ['S3', 'D3'],
      ['S4', 'D4'],
    ])
      expect((await state.post('/api/v1/schools', { schoolId, districtId, name: `School ${schoolId}`, gradeSpan: '06-08' })).status).toBe(201);
    await state.post('/api/v1/feeds/attendance', [attendance2023('S1', 900), attendance2023('S2', 950), attendance2023('S3', 800)]);
    await waitUntil(
      () => attendance(state, ''),
      (reading) => expect(reading?.schools).toBe(3),
    );
    // What came so far is known on July 1, the next push on July 3: July 2 sees the first part alone.
    between = '2024-07-02T00:00:00.000Z';
    clock.set('2024-07-03T00:00:00.000Z');
    await state.post('/api/v1/feeds/attendance', [{ ...attendance2023('S4', 4), membershipDays: 5 }]);
    clock.resume();
    await waitUntil(
      () => attendance(state, ''),
      (reading) => expect(reading?.schools).toBe(4),
    );
    publicKey = await httpClient(app, (await app.get(ApiKeys).issue({ kind: 'public' }, 'Open data portal')).key);
  });
  afterAll(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers as of a date between two pushes what was known then, and now the later push too', async () => {
    const asOf = `?year=2023-24&asOf=${encodeURIComponent(between)}`;
    expect(await attendance(state, asOf)).toMatchObject({
      schoolYear: '2023-24',
      numerator: 2650,
      denominator: 3000,
      rate: 2650 / 3000,
      schools: 3,
      smallNumber: false,
      withheld: false,
    });
    expect(await attendance(state, '?year=2023-24')).toMatchObject({
      numerator: 2654,
      denominator: 3005,
      rate: 2654 / 3005,
      schools: 4,
      smallNumber: false,
      withheld: false,
    });
    expect(await attendance(state, '?year=2022-23')).toBeUndefined();
  });

  it('withholds from the public the state that holds a small school alone in its group, and showed it before that school reported', async () => {
    expect(await attendance(publicKey, `?asOf=${encodeURIComponent(between)}`)).toMatchObject({ numerator: 2650, denominator: 3000, withheld: false });
    expect(await attendance(publicKey, '')).toMatchObject({ numerator: null, denominator: null, rate: null, schools: 4, smallNumber: false, withheld: true });
    // the small school itself, as the public sees it
    const [s4] = (await publicKey.get('/api/v1/schools/S4/metrics')).body as Reading[];
    expect(s4).toMatchObject({ numerator: null, denominator: null, smallNumber: true, withheld: true });
  });
});
