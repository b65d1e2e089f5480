import { ManualClock, Target, toAppend } from '@turnaround/domain';
import { EventStore } from '@turnaround/event-store';
import { FeedBatches, FeedIngestor, ProfileCatalogue } from '@turnaround/feeds';
import { SqlClient } from '@turnaround/postgres';
import { testCatalogues } from '@turnaround/domain/testing';

/**
 * What the read model's tests feed the log, one piece of knowledge at a time: a registry
 * command as the state office would enter it, or a push of assessment records as a data team
 * would, each known at `at`.
 */
export type Step = { at: string; registry: { streamId: string; type: string; data: unknown } } | { at: string; push: Record<string, unknown>[] };

export const registry = (at: string, streamId: string, type: string, data: unknown): Step => ({ at, registry: { streamId, type, data } });
export const push = (at: string, ...records: Record<string, unknown>[]): Step => ({ at, push: records });
/** A school's math result for a whole school, 100 tested. */
export const math = (schoolId: string, schoolYear: string, window: string, proficient: number) => ({
  schoolId,
  schoolYear,
  window,
  assessment: 'state_test',
  subject: 'math',
  grade: 'all',
  studentGroup: 'all',
  tested: 100,
  proficient,
});

/**
 * One cluster C1 of two schools in two districts (A in D1, B in D2) under contract K1 (start
 * 2023-24, baseline 2022-23) with the given targets, and the baselines: A 20/100, B 30/100.
 */
export function oneClusterZone(targets: readonly Target[]): Step[] {
  return [
    registry('2023-06-01T09:00:00.000Z', 'zone-Z1', 'ZoneEstablished', { zoneId: 'Z1', stateCode: 'MA', name: 'Zone one', districtIds: ['D1', 'D2'] }),
    registry('2023-06-01T09:00:01.000Z', 'cluster-C1', 'ClusterFormed', { clusterId: 'C1', zoneId: 'Z1', name: 'North' }),
    registry('2023-06-01T09:00:02.000Z', 'school-A', 'SchoolRegistered', { schoolId: 'A', districtId: 'D1', name: 'School A', gradeSpan: '06-08' }),
    registry('2023-06-01T09:00:03.000Z', 'school-B', 'SchoolRegistered', { schoolId: 'B', districtId: 'D2', name: 'School B', gradeSpan: '06-08' }),
    registry('2023-06-01T09:00:04.000Z', 'school-A', 'SchoolAssignedToCluster', {
      schoolId: 'A',
      clusterId: 'C1',
      fromYear: '2023-24',
      strategy: 'transformation',
    }),
    registry('2023-06-01T09:00:05.000Z', 'school-B', 'SchoolAssignedToCluster', {
      schoolId: 'B',
      clusterId: 'C1',
      fromYear: '2023-24',
      strategy: 'transformation',
    }),
    registry('2023-06-01T09:00:06.000Z', 'partner-P1', 'PartnerRegistered', { partnerId: 'P1', name: 'Partner one', role: 'lead' }),
    registry('2023-06-01T09:00:07.000Z', 'contract-K1', 'PerformanceContractSigned', {
      contractId: 'K1',
      partnerId: 'P1',
      clusterId: 'C1',
      schoolIds: ['A', 'B'],
      governance: 'district_lead_partner',
      startYear: '2023-24',
      termYears: 3,
      baselineYear: '2022-23',
      targets,
    }),
    push('2023-08-01T00:00:00.000Z', math('A', '2022-23', 'annual', 20), math('B', '2022-23', 'annual', 30)),
  ];
}

/**
 * Appends steps to the log through the one feed pipeline (pushes) or as the registry's commands
 * do, each known at its `at`: `clock` is the one the store stamps knowledge times from.
 */
export async function stepAppender(store: EventStore, sql: SqlClient, clock: ManualClock): Promise<(step: Step) => Promise<void>> {
  const batches = await FeedBatches.create(sql);
  const profiles = await ProfileCatalogue.load();
  return async (step) => {
    clock.set(step.at);
    if ('registry' in step) {
      const { streamId, type, data } = step.registry;
      const metadata = { source: { channel: 'http' as const }, correlationId: 'test', actor: 'state-office' };
      await store.append(streamId, [toAppend({ type, data }, metadata, { check: true })]);
      return;
    }
    const ingestor = new FeedIngestor(store, batches, profiles, testCatalogues().indicators, clock);
    const summary = await ingestor.ingestJson('assessment', step.push, { channel: 'http', actor: 'data-team', correlationId: 'test' });
    if (summary.status !== 'completed' || summary.rejectedRows > 0)
      throw new Error(`the step of ${step.at} was not stored whole: ${JSON.stringify(summary.rejected)}`);
  };
}

/** The history tables, which become hypertables with a columnstore policy where TimescaleDB is installed. */
export const HISTORY_TABLES = ['alert_history', 'school_metric_history', 'scorecard_line_history'];

/**
 * Cluster C1 of schools A and B under contract K1 (math proficiency to gain 5 points in year 1),
 * with knowledge times a year and more in the past, so every chunk is old enough for the
 * columnstore. A is at risk in January (an alert) and meets its target in June (resolved); B
 * misses in June.
 */
export const PAST_YEAR_STEPS: readonly Step[] = [
  ...oneClusterZone([{ metric: 'proficiency.math', contractYear: 1, kind: 'gain', value: 0.05, scope: 'school' }]),
  push('2024-01-15T00:00:00.000Z', math('A', '2023-24', 'winter', 22), math('B', '2023-24', 'winter', 40)),
  push('2024-06-20T00:00:00.000Z', math('A', '2023-24', 'spring', 26), math('B', '2023-24', 'spring', 31)),
];
