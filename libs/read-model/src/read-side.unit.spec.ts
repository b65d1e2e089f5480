import { eventType, Target } from '@turnaround/domain';
import { testCatalogues } from '@turnaround/domain/testing';
import { Checkpoint, StoredEvent } from '@turnaround/event-store';
import { MemoryReadSideTables } from './memory-read-side-tables';
import { foldEvents, ReadSideSettings } from './read-side';
import { math, oneClusterZone, push, Step } from './testing/knowledge-steps';

const SETTINGS: ReadSideSettings = { rules: { tolerance: 0 }, catalogues: testCatalogues() };

/**
 * The log the steps make (knowledge-steps.ts), built in memory as the store would hand it back:
 * each event its own position, known at its step's time; a push's records, then its marker.
 */
function logOf(steps: readonly Step[]): StoredEvent[] {
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
  for (const [n, step] of steps.entries()) {
    if ('registry' in step) {
      add(step.at, step.registry.streamId, step.registry.type, step.registry.data);
      continue;
    }
    const batchId = `push-${n}`;
    for (const record of step.push)
      add(step.at, `school-${record.schoolId}-assessment`, 'AssessmentResultsReported', { ...record, suppressed: false }, batchId);
    add(step.at, `batch-${batchId}`, 'FeedBatchClosed', { batchId, feed: 'assessment', status: 'completed', accepted: step.push.length, restated: 0 }, batchId);
  }
  return events;
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
  it('judges a push once its marker completes it: A gains 6 points (met), B 1 (missed), against their baselines + 5', async () => {
    const { lines, pending } = await linesAfter(
      logOf([...oneClusterZone(GAIN), push('2024-06-20T00:00:00.000Z', math('A', '2023-24', 'spring', 26), math('B', '2023-24', 'spring', 31))]),
    );
    // A: 20 of 100 to 26, threshold 0.25; B: 30 of 100 to 31, threshold 0.35; the cluster's
    // majority line: half of its schools met, the threshold of a half.
    expect(lines).toEqual([
      { subjectId: 'A', status: 'met', threshold: 0.25, actual: 0.26, evidence: 'final' },
      { subjectId: 'B', status: 'missed', threshold: 0.35, actual: 0.31, evidence: 'final' },
      { subjectId: 'C1', status: 'met', threshold: 0.5, actual: 0.5, evidence: 'final' },
    ]);
    expect(pending).toBeUndefined();
  });

  it('keeps a push that a page ends inside of pending, and judges it when the next page brings its marker', async () => {
    const events = logOf([...oneClusterZone(GAIN), push('2024-06-20T00:00:00.000Z', math('A', '2023-24', 'spring', 26))]);
    const cut = await linesAfter(events.slice(0, -1));
    expect(cut.pending).toMatchObject({ push: 'push-9', touched: { schools: new Set(['A']), feeds: true } });
    expect(cut.lines.find((line) => line.subjectId === 'A')?.evidence).not.toBe('final');
    for (const size of [1, 2, 7]) expect(await linesAfter(events, size)).toEqual(await linesAfter(events));
  });
});
