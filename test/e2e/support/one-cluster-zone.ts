import { ManualClock } from '@turnaround/domain';
import { waitUntil } from '@turnaround/domain/testing';
import { httpClient } from './http-client';

/**
 * Registers zone Z with one cluster C of the given schools (each a member from 2023-24),
 * partner P, and contract K (2023-24, 3 years, baseline 2022-23) with one school target:
 * attendance_rate of at least 0.93 in contract year 1. The small world several suites share.
 */
export async function registerOneClusterZone(http: Awaited<ReturnType<typeof httpClient>>, schools: [schoolId: string, districtId: string][]): Promise<void> {
  const ok = async (path: string, body: unknown) => {
    const answer = await http.post(path, body);
    if (answer.status !== 201) throw new Error(`POST ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  };
  await ok('/api/v1/zones', { zoneId: 'Z', stateCode: 'MA', name: 'Zone', districtIds: [...new Set(schools.map(([, districtId]) => districtId))] });
  await ok('/api/v1/clusters', { clusterId: 'C', zoneId: 'Z', name: 'Cluster' });
  for (const [schoolId, districtId] of schools) {
    await ok('/api/v1/schools', { schoolId, districtId, name: `School ${schoolId}`, gradeSpan: '06-08' });
    await ok(`/api/v1/schools/${schoolId}/cluster-assignments`, { clusterId: 'C', fromYear: '2023-24', strategy: 'transformation' });
  }
  await ok('/api/v1/partners', { partnerId: 'P', name: 'Partner', role: 'lead' });
  await ok('/api/v1/contracts', {
    contractId: 'K',
    partnerId: 'P',
    clusterId: 'C',
    schoolIds: schools.map(([schoolId]) => schoolId),
    governance: 'district_lead_partner',
    startYear: '2023-24',
    termYears: 3,
    baselineYear: '2022-23',
    targets: [{ metric: 'attendance_rate', contractYear: 1, kind: 'absolute', value: 0.93, scope: 'school' }],
  });
}

/** One attendance record of 2023-24 for a school: 1,000 membership days from September 1. */
export function attendance2023(schoolId: string, attendanceDays: number, periodEnd = '2024-06-30') {
  return { schoolId, schoolYear: '2023-24', periodStart: '2023-09-01', periodEnd, membershipDays: 1000, attendanceDays };
}

/** One attendance record of 2022-23 for a school (the baseline year of contract K): 1,000 membership days. */
export function attendance2022(schoolId: string, attendanceDays: number) {
  return { schoolId, schoolYear: '2022-23', periodStart: '2022-09-01', periodEnd: '2023-06-30', membershipDays: 1000, attendanceDays };
}

/**
 * Beside the world of `registerOneClusterZone`, a second that none of its districts or partners
 * owns: zone Z2 (district D2) with cluster C2 of school S4, under partner P2's contract K2, a
 * cluster attendance gain of 2 points in year one.
 */
export async function registerSecondZone(http: Awaited<ReturnType<typeof httpClient>>): Promise<void> {
  const ok = async (path: string, body: unknown) => {
    const answer = await http.post(path, body);
    if (answer.status !== 201) throw new Error(`POST ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  };
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
    targets: [{ metric: 'attendance_rate', contractYear: 1, kind: 'gain', value: 0.02, scope: 'cluster' }],
  });
}

/** The day between the two pushes of `pushTwoYears`: it sees the first alone. */
export const BETWEEN_THE_PUSHES = '2024-07-02T00:00:00.000Z';

/**
 * Into both worlds (S1-S4): the 2022-23 attendance, known on the clock's day (July 1, 2024), then
 * the 2023-24 attendance, known on July 3 (S1 and S2 below contract K's 0.93); then the clock
 * follows the machine's again. Returns once the read side has raised the alerts of the second.
 */
export async function pushTwoYears(http: Awaited<ReturnType<typeof httpClient>>, clock: ManualClock): Promise<void> {
  await http.post('/api/v1/feeds/attendance', [attendance2022('S1', 880), attendance2022('S2', 910), attendance2022('S3', 950), attendance2022('S4', 900)]);
  await waitUntil(
    () => http.get('/api/v1/schools/S4/metrics').then((answer) => answer.body as unknown[]),
    (readings) => expect(readings.length).toBe(1),
  );
  clock.set('2024-07-03T00:00:00.000Z');
  await http.post('/api/v1/feeds/attendance', [attendance2023('S1', 900), attendance2023('S2', 900), attendance2023('S3', 990), attendance2023('S4', 950)]);
  clock.resume();
  await waitUntil(
    () => http.get('/api/v1/alerts?status=open').then((answer) => answer.body as unknown[]),
    (alerts) => expect(alerts.length).toBeGreaterThanOrEqual(2),
  );
}
