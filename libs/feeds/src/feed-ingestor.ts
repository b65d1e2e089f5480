import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { decideRetraction, FeedKind, FeedRecord, feedStreamOfNaturalKey, feedStreamOfRecord, FieldIssue, prepareMapping, ValidationError } from '@turnaround/domain';
import { EventStore } from '@turnaround/event-store';
import { BatchSummary, BatchTally, ChunkTally, ProgressListener } from './batch-tally';
import { CheckedRow, ChunkPipeline } from './chunk-pipeline';
import { CsvSource } from './csv-source';
import { batchClosedToAppend, FeedContext, Provenance } from './event-metadata';
import { FeedBatches, RejectedRecord } from './feed-batches';
import { FeedStreams, StreamRecords } from './feed-streams';
import { keptIssue } from './input-limits';
import { checkedChunks, checkRecord, checkRecordAlone, recordsOfJsonBody, studentLevelIssuesOfArray } from './json-records';
import { ProfileCatalogue } from './profile-catalogue';

export interface IngestOptions {
  /** A vendor mapping profile for CSV; `canonical` (header row = field names) when absent. */
  profile?: string;
  /** Called after each stored chunk, e.g. to move a progress bar. */
  onProgress?: ProgressListener;
}

/** A push under way: the provenance every one of its events carries, and its running summary. */
interface Push {
  provenance: Provenance & { batchId: string };
  tally: BatchTally;
}

/** A stream's share of a chunk, with the rows its records came from. */
interface StreamRows extends StreamRecords {
  records: FeedRecord[];
  rows: CheckedRow[];
}

/**
 * The one feed pipeline for every channel (HTTP, CLI, Kafka): validate each record against its
 * event schema, decide duplicates and restatements against the record's feed stream, append,
 * and keep every rejected record with its reason. A record counts as accepted only once its
 * event is stored; a record is never half stored (one record is one event). The store stamps
 * each chunk's knowledge time as it enters the log; a push ends with a `FeedBatchClosed` marker
 * once it stored something, where the read side judges its records together.
 */
export class FeedIngestor {
  private readonly streams: FeedStreams;

  constructor(
    private readonly store: EventStore,
    private readonly batches: FeedBatches,
    private readonly profiles: ProfileCatalogue,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.streams = new FeedStreams(store);
  }

  /** Streams a CSV file: it is read a chunk at a time, never held whole. */
  async ingestCsv(kind: FeedKind, input: Readable, context: FeedContext, options: IngestOptions = {}): Promise<BatchSummary> {
    const profileName = options.profile ?? 'canonical';
    const profile = this.profiles.get(profileName);
    const push = await this.begin(kind, profileName, context, options.onProgress);
    const csv = new CsvSource(input, (header) => prepareMapping(profile, kind, header, this.profiles.list()));
    await this.storeChunks(push, csv.chunks());
    return csv.refused ? this.end(push, 'rejected', csv.refused) : this.end(push, 'completed');
  }

  /** A JSON array of records in the canonical shape (the event's fields). */
  async ingestJson(kind: FeedKind, body: unknown, context: FeedContext, options: IngestOptions = {}): Promise<BatchSummary> {
    const records = recordsOfJsonBody(kind, body);
    const push = await this.begin(kind, null, context, options.onProgress);
    const studentLevel = studentLevelIssuesOfArray(records);
    if (studentLevel.length > 0) return this.end(push, 'rejected', studentLevel);
    await this.storeChunks(push, checkedChunks(records, checkRecord(kind)));
    return this.end(push, 'completed');
  }

  /**
   * Records that arrive one by one (Kafka messages): each is checked alone, a student-level
   * field included, so one bad message never refuses its neighbours. Answers which rows were
   * rejected and why, for the dead-letter topic.
   */
  async ingestRecords(kind: FeedKind, records: readonly unknown[], context: FeedContext): Promise<BatchSummary & { rejections: RejectedRecord[] }> {
    const rejections: RejectedRecord[] = [];
    const push = await this.begin(kind, null, context, undefined, rejections);
    await this.storeChunks(push, checkedChunks(records, checkRecordAlone(kind)));
    return { ...(await this.end(push, 'completed')), rejections };
  }

  /** Withdraws a record by its natural key (docs/feeds.md); true when an event was appended. */
  async retract(kind: FeedKind, naturalKey: string, reason: string, context: FeedContext): Promise<{ retracted: boolean }> {
    if (reason.trim() === '') throw ValidationError.of('reason', 'expected why the record is withdrawn');
    const streamId = feedStreamOfNaturalKey(kind, naturalKey);
    const provenance: Provenance = { feed: kind, context };
    const retracted = await this.streams.decideAndAppend(streamId, provenance, (ledger) => {
      const events = decideRetraction(ledger, naturalKey, reason);
      return { events, result: events.length > 0 };
    });
    return { retracted };
  }

  private async begin(kind: FeedKind, profile: string | null, context: FeedContext, onProgress?: ProgressListener, rejections?: RejectedRecord[]): Promise<Push> {
    const batchId = randomUUID();
    await this.batches.start({ batchId, feed: kind, profile: profile ?? undefined, ...context, startedAt: this.clock() });
    return {
      provenance: { feed: kind, context, batchId },
      tally: new BatchTally({ batchId, feed: kind, profile }, onProgress, rejections),
    };
  }

  /** Stores a push's chunks in order; a failure marks the batch failed and is thrown. */
  private async storeChunks(push: Push, chunks: AsyncIterable<CheckedRow[]> | Iterable<CheckedRow[]>): Promise<void> {
    const pipeline = new ChunkPipeline((rows) => this.storeChunk(push, rows));
    try {
      for await (const rows of chunks) await pipeline.push(rows);
      await pipeline.drain();
    } catch (error) {
      await pipeline.settle();
      await this.fail(push, error);
    }
  }

  /** Stores one chunk's valid records by stream, and its counts and rejected rows with the batch. */
  private async storeChunk(push: Push, rows: readonly CheckedRow[]): Promise<void> {
    if (rows.length === 0) return;
    const tally = new ChunkTally(push.tally.summary.rejectedRows);
    const byStream = new Map<string, StreamRows>();
    for (const entry of rows) {
      const { row, raw, mapped } = entry;
      if (mapped.kind === 'skipped') tally.skipped();
      else if (mapped.kind === 'rejected') tally.rejected({ row, record: raw, issues: mapped.issues });
      else {
        const streamId = feedStreamOfRecord(push.provenance.feed, mapped.record);
        const stream = byStream.get(streamId);
        if (stream) {
          stream.records.push(mapped.record);
          stream.rows.push(entry);
        } else byStream.set(streamId, { streamId, records: [mapped.record], rows: [entry] });
      }
    }
    const streams = [...byStream.values()];
    const decisions = await this.streams.decideAndAppendAll(streams, push.provenance);
    streams.forEach((stream, index) =>
      decisions[index].forEach(({ outcome, issues = [] }, at) => {
        if (outcome !== 'rejected') return tally.stored(outcome);
        // A record the ledger refuses (an attendance period overlapping another) is a rejected row.
        const { row, raw } = stream.rows[at];
        tally.rejected({ row, record: raw ?? stream.records[at], issues: issues.map((issue) => ({ row, ...issue })) });
      }),
    );
    // Counted as soon as its events are stored: should recording the chunk fail, the batch's
    // final counts (written by `fail`) still say what is in the store.
    push.tally.add(tally, rows.length);
    await this.batches.recordChunk(push.provenance.batchId, tally.counts, tally.rejections);
  }

  private async end(push: Push, status: BatchSummary['status'], batchIssues: FieldIssue[] = []): Promise<BatchSummary> {
    const issues = batchIssues.map(keptIssue);
    await this.close(push, 'completed');
    await this.batches.finish(push.provenance.batchId, status, this.clock(), push.tally.summary, issues);
    return push.tally.finish(status, issues);
  }

  /**
   * Marks in the log where the push's knowledge is complete (`FeedBatchClosed`), so the read
   * side judges its records together. A push that stored nothing has nothing to mark.
   */
  private async close(push: Push, status: 'completed' | 'failed'): Promise<void> {
    const { accepted, restated } = push.tally.summary;
    if (accepted + restated === 0) return;
    await this.store.append(`feed-batch-${push.provenance.batchId}`, [batchClosedToAppend(push.provenance, { status, accepted, restated })], { expectedRevision: 'no_stream' });
  }

  /** Storage failed midway: what was stored stays (a re-push counts it as duplicates); the batch is marked failed. */
  private async fail(push: Push, error: unknown): Promise<never> {
    const message = error instanceof Error ? error.message : String(error);
    await this.close(push, 'failed').catch(() => undefined);
    await this.batches.finish(push.provenance.batchId, 'failed', this.clock(), push.tally.summary, [keptIssue({ field: '(batch)', message: `stopped: ${message}` })]).catch(() => undefined);
    throw error;
  }
}
