import { eventType, Target } from '@turnaround/domain';
import { mathResult, testCatalogues } from '@turnaround/domain/testing';
import { Checkpoint, StoredEvent } from '@turnaround/event-store';
import { MemoryReadSideTables } from './memory-read-side-tables';
import { foldEvents, ReadSideSettings } from './read-side';

const SETTINGS: ReadSideSettings = { rules: { tolerance: 0 }, catalogues: testCatalogues() };

/** The read side's log, built by hand: each event its own position, known at `at`, a record of push `batchId` or a registry command. */
function log() {
  const events: StoredEvent[] = [];
  const add = (at: string, streamId: string, type: string, data: unknown, batchId?: string) =>
    events.push({
      eventId: `e${events.length}`,
      streamId,
      revision: 0,
      type,
      schemaVersion: (eventType(type) as { schemaVersion: number }).schemaVersion,
      data,
      metadata: { recordedAt: at, source: { channel: 'http', batchId }, correlationId: 'test', actor: 'test' },
      position: String(events.length + 1).padStart(6, '0') as Checkpoint,
    });
  return {
    events,
    registry: (at: string, streamId: string, type: string, data: unknown) => add(at, streamId, type, data),
    /** A push of math results, closed by its marker. */
    push(at: string, batchId: string, ...records: Parameters<typeof mathResult>[0][]) {
      for (const record of records) add(at, `school-${record?.schoolId}-assessment`, 'AssessmentResultsReported', mathResult(record), batchId);
      add(at, `batch-${batchId}`, 'FeedBatchClosed', { batchId, feed: 'assessment', status: 'completed', accepted: records.length, restated: 0 }, batchId);
    },
  };
}

/** Contract K1 over schools A and B of cluster C1 from 2023-24 (baseline 2022-23: A 20 of 40 proficient, B 30 of 40), under `targets`. */
function signedContract(targets: readonly Target[]) {
  const given = log();
  given.registry('2023-06-01T09:00:00.000Z', 'zone-Z1', 'ZoneEstablished', { zoneId: 'Z1', stateCode: 'MA', name: 'Zone one', districtIds: ['D1', 'D2'] });
  given.registry('2023-06-01T09:00:01.000Z', 'cluster-C1', 'ClusterFormed', { clusterId: 'C1', zoneId: 'Z1', name: 'North' });
  for (const [schoolId, districtId] of [
    ['A', 'D1'],
    ['B', 'D2'],
  ]) {
    given.registry('2023-06-01T09:00:02.000Z', `school-${schoolId}`, 'SchoolRegistered', {
      schoolId,
      districtId,
      name: `School ${schoolId}`,
      gradeSpan: '06-08',
    });
    given.registry('2023-06-01T09:00:03.000Z', `school-${schoolId}`, 'SchoolAssignedToCluster', {
      schoolId,
      clusterId: 'C1',
      fromYear: '2023-24',
      strategy: 'transformation',
    });
  }
  given.registry('2023-06-01T09:00:04.000Z', 'partner-P1', 'PartnerRegistered', { partnerId: 'P1', name: 'Partner one', role: 'lead' });
  given.registry('2023-06-01T09:00:05.000Z', 'contract-K1', 'PerformanceContractSigned', {
    contractId: 'K1',
    partnerId: 'P1',
    clusterId: 'C1',
    schoolIds: ['A', 'B'],
    governance: 'district_lead_partner',
    startYear: '2023-24',
    termYears: 3,
    baselineYear: '2022-23',
    targets,
  });
  given.push(
    '2023-08-01T00:00:00.000Z',
    'baseline',
    { schoolId: 'A', schoolYear: '2022-23', window: 'annual', proficient: 20 },
    { schoolId: 'B', schoolYear: '2022-23', window: 'annual', proficient: 30 },
  );
  return given;
}

const GAIN: Target[] = [{ metric: 'proficiency.math', contractYear: 1, kind: 'gain', value: 0.05, scope: 'school' }];

/** Folds `events` in pages of `size` into memory, the pending knowledge carried from page to page; then K1's lines by subject. */
async function linesAfter(events: readonly StoredEvent[], size = events.length) {
  const tables = new MemoryReadSideTables();
  let pending;
  for (let start = 0; start < events.length; start += size) pending = await foldEvents(tables, events.slice(start, start + size), pending, SETTINGS);
  const [contract] = await tables.contractsToJudge({ contracts: new Set(['K1']), clusters: new Set(), schools: new Set(), feeds: false });
  const lines = [...contract.lines.values()].map(({ subjectId, status, threshold, actual, evidence }) => ({ subjectId, status, threshold, actual, evidence }));
  return { lines: lines.sort((a, b) => a.subjectId.localeCompare(b.subjectId)), pending };
}

describe('the read side folds the log into its tables, in memory without a database (Given events, Then lines)', () => {
  it('judges a push once its marker completes it: A gains 7.5 points (met), B 2.5 (missed), against their baselines + 5', async () => {
    const given = signedContract(GAIN);
    given.push(
      '2024-06-20T00:00:00.000Z',
      'spring',
      { schoolId: 'A', schoolYear: '2023-24', proficient: 23 },
      { schoolId: 'B', schoolYear: '2023-24', proficient: 31 },
    );
    const { lines, pending } = await linesAfter(given.events);
    // A: 20 of 40 (0.5) to 23 of 40 (0.575), threshold 0.55; B: 30 of 40 (0.75) to 31 of 40 (0.775), threshold 0.8;
    // the cluster's majority line: half of its schools met, the threshold of a half.
    expect(lines).toEqual([
      { subjectId: 'A', status: 'met', threshold: 0.55, actual: 0.575, evidence: 'final' },
      { subjectId: 'B', status: 'missed', threshold: 0.8, actual: 0.775, evidence: 'final' },
      { subjectId: 'C1', status: 'met', threshold: 0.5, actual: 0.5, evidence: 'final' },
    ]);
    expect(pending).toBeUndefined();
  });

  it('keeps a push that a page ends inside of pending, and judges it when the next page brings its marker', async () => {
    const given = signedContract(GAIN);
    given.push('2024-06-20T00:00:00.000Z', 'spring', { schoolId: 'A', schoolYear: '2023-24', proficient: 23 });
    const beforeMarker = given.events.slice(0, -1);
    const cut = await linesAfter(beforeMarker);
    expect(cut.pending).toMatchObject({ push: 'spring', touched: { schools: new Set(['A']), feeds: true } });
    expect(cut.lines.find((line) => line.subjectId === 'A')?.evidence).not.toBe('final');
    for (const size of [1, 2, 7]) expect(await linesAfter(given.events, size)).toEqual(await linesAfter(given.events));
  });
});
