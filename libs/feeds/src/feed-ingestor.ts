import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  decideRetraction,
  FeedKind,
  FeedLedger,
  FeedRecord,
  feedStreamOfNaturalKey,
  feedStreamOfRecord,
  FieldIssue,
  IllegalStateError,
  IndicatorCatalogue,
  naturalKeyOf,
  prepareMapping,
  RecordRetracted,
  schoolAggregate,
  ValidationError,
} from '@turnaround/domain';
import { EventStore } from '@turnaround/event-store';
import { BatchSummary, BatchTally, ChunkTally, DryRunSummary, ProgressListener } from './batch-tally';
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
  /** The school ids of its records seen so far: each is checked for registration once a push. */
  schools: Set<string>;
  /** A validate-only push: its own ledgers, with what it would have stored entered; nothing is written. */
  dryRun?: Map<string, FeedLedger>;
}

/** What a retraction answers. */
export interface Retraction {
  retracted: boolean;
  /** The key as it is stored (`MCAS` in the key retracts the stored `mcas`). */
  naturalKey: string;
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
  /** School ids known to be registered: a school is never unregistered, so this only grows. */
  private readonly registered = new Set<string>();

  constructor(
    private readonly store: EventStore,
    private readonly batches: FeedBatches,
    private readonly profiles: ProfileCatalogue,
    /** The process's indicator catalogue: an indicator record is checked against its entry. */
    private readonly indicators: IndicatorCatalogue,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.streams = new FeedStreams(store);
  }

  /** Streams a CSV file: it is read a chunk at a time, never held whole. */
  async ingestCsv(kind: FeedKind, input: Readable, context: FeedContext, options: IngestOptions = {}): Promise<BatchSummary> {
    const profileName = options.profile ?? 'canonical';
    const profile = this.profiles.get(profileName);
    return this.csv(kind, input, profile, await this.begin(kind, profileName, context, options.onProgress));
  }

  /** A JSON array of records in the canonical shape (the event's fields). */
  async ingestJson(kind: FeedKind, body: unknown, context: FeedContext, options: IngestOptions = {}): Promise<BatchSummary> {
    const records = recordsOfJsonBody(kind, body);
    return this.json(kind, records, await this.begin(kind, null, context, options.onProgress));
  }

  /**
   * A validate-only CSV push (`?dryRun=true`, `ingest --dry-run`): every record checked and
   * decided against the store as `ingestCsv` would, and the same counts answered, with nothing
   * appended and no batch kept.
   */
  async dryRunCsv(kind: FeedKind, input: Readable, context: FeedContext, options: IngestOptions = {}): Promise<DryRunSummary> {
    const profileName = options.profile ?? 'canonical';
    const profile = this.profiles.get(profileName);
    return asDryRun(await this.csv(kind, input, profile, this.beginDryRun(kind, profileName, context, options.onProgress)));
  }

  /** A validate-only JSON push: as `dryRunCsv`. */
  async dryRunJson(kind: FeedKind, body: unknown, context: FeedContext, options: IngestOptions = {}): Promise<DryRunSummary> {
    const records = recordsOfJsonBody(kind, body);
    return asDryRun(await this.json(kind, records, this.beginDryRun(kind, null, context, options.onProgress)));
  }

  private async csv(kind: FeedKind, input: Readable, profile: ReturnType<ProfileCatalogue['get']>, push: Push): Promise<BatchSummary> {
    const csv = new CsvSource(input, (header) => prepareMapping(profile, kind, header, this.indicators, this.profiles.list()));
    await this.storeChunks(push, csv.chunks());
    return csv.refused ? this.end(push, 'rejected', csv.refused) : this.end(push, 'completed');
  }

  private async json(kind: FeedKind, records: readonly unknown[], push: Push): Promise<BatchSummary> {
    const studentLevel = studentLevelIssuesOfArray(records);
    if (studentLevel.length > 0) return this.end(push, 'rejected', studentLevel);
    await this.storeChunks(push, checkedChunks(records, checkRecord(kind, this.indicators)));
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
    await this.storeChunks(push, checkedChunks(records, checkRecordAlone(kind, this.indicators)));
    return { ...(await this.end(push, 'completed')), rejections };
  }

  /**
   * Withdraws a record by its natural key (docs/feeds.md), its parts normalised as ingest
   * normalises them (`decideRetraction`). A key already withdrawn is a conflict that says when
   * and by whom it was.
   */
  async retract(kind: FeedKind, naturalKey: string, reason: string, context: FeedContext): Promise<Retraction> {
    if (reason.trim() === '') throw ValidationError.of('reason', 'expected why the record is withdrawn');
    const streamId = feedStreamOfNaturalKey(kind, naturalKey);
    const provenance: Provenance = { feed: kind, context };
    const decision = await this.streams.decideAndAppend(streamId, provenance, (ledger) => {
      const decided = decideRetraction(ledger, naturalKey, reason);
      return { events: decided.events, result: decided };
    });
    if (decision.alreadyRetracted) throw await this.alreadyRetracted(kind, streamId, decision.naturalKey);
    return { retracted: true, naturalKey: decision.naturalKey };
  }

  /** The conflict of a second retraction: when the key was retracted, by whom and why, from its stream. */
  private async alreadyRetracted(kind: FeedKind, streamId: string, naturalKey: string): Promise<IllegalStateError> {
    const [retraction] = (await this.store.readStream(streamId))
      .filter((event) => event.type === 'RecordRetracted' && (event.data as RecordRetracted['data']).naturalKey === naturalKey)
      .slice(-1);
    const when = retraction
      ? ` on ${retraction.metadata.recordedAt} by ${retraction.metadata.actor} ("${(retraction.data as RecordRetracted['data']).reason}")`
      : '';
    return new IllegalStateError(
      `${kind} record '${naturalKey}' was already retracted${when}: there is nothing left to withdraw (pushing the record again reinstates it)`,
    );
  }

  private async begin(
    kind: FeedKind,
    profile: string | null,
    context: FeedContext,
    onProgress?: ProgressListener,
    rejections?: RejectedRecord[],
  ): Promise<Push> {
    const batchId = randomUUID();
    await this.batches.start({ batchId, feed: kind, profile: profile ?? undefined, ...context, startedAt: this.clock() });
    return {
      provenance: { feed: kind, context, batchId },
      tally: new BatchTally({ batchId, feed: kind, profile }, onProgress, rejections),
      schools: new Set(),
    };
  }

  /** A validate-only push: no batch is started, and its id is never stored. */
  private beginDryRun(kind: FeedKind, profile: string | null, context: FeedContext, onProgress?: ProgressListener): Push {
    return {
      provenance: { feed: kind, context, batchId: '' },
      tally: new BatchTally({ batchId: '', feed: kind, profile }, onProgress),
      schools: new Set(),
      dryRun: new Map(),
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
    const kind = push.provenance.feed;
    const [decisions] = await Promise.all([
      push.dryRun ? this.streams.decideOnly(streams, kind, push.dryRun) : this.streams.decideAndAppendAll(streams, push.provenance),
      this.warnOfUnregistered(push, streams, tally),
    ]);
    streams.forEach((stream, index) =>
      decisions[index].forEach(({ outcome, issues = [] }, at) => {
        if (outcome !== 'rejected') return tally.stored(outcome, outcome === 'reinstated' ? naturalKeyOf(kind, stream.records[at]) : '');
        // A record the ledger refuses (an attendance period overlapping another) is a rejected row.
        const { row, raw } = stream.rows[at];
        tally.rejected({ row, record: raw ?? stream.records[at], issues: issues.map((issue) => ({ row, ...issue })) });
      }),
    );
    // Counted as soon as its events are stored: should recording the chunk fail, the batch's
    // final counts (written by `fail`) still say what is in the store.
    push.tally.add(tally, rows.length);
    if (!push.dryRun) await this.batches.recordChunk(push.provenance.batchId, tally.counts, tally.rejections);
  }

  /**
   * Warns of each school id of the chunk's valid records, new to the push, that is not
   * registered: its records are stored all the same, as a comparison school's (docs/feeds.md),
   * but a typo in an id would go unseen. Registration is read from the schools' own streams.
   */
  private async warnOfUnregistered(push: Push, streams: readonly StreamRows[], tally: ChunkTally): Promise<void> {
    const firstRows = new Map<string, number>();
    for (const { records, rows } of streams)
      records.forEach(({ schoolId }, at) => {
        if (push.schools.has(schoolId)) return;
        const row = rows[at].row;
        if ((firstRows.get(schoolId) ?? Infinity) > row) firstRows.set(schoolId, row);
      });
    if (firstRows.size === 0) return;
    for (const schoolId of firstRows.keys()) push.schools.add(schoolId);
    const unknown = [...firstRows.keys()].filter((schoolId) => !this.registered.has(schoolId));
    if (unknown.length === 0) return;
    const stored = await this.store.readStreams(unknown.map((schoolId) => schoolAggregate.streamId(schoolId)));
    const unregistered: { schoolId: string; row: number }[] = [];
    for (const schoolId of unknown) {
      if ((stored.get(schoolAggregate.streamId(schoolId)) ?? []).length > 0) this.registered.add(schoolId);
      else unregistered.push({ schoolId, row: firstRows.get(schoolId) as number });
    }
    for (const { schoolId, row } of unregistered.sort((a, b) => a.row - b.row))
      tally.warned({
        row,
        field: 'schoolId',
        schoolId,
        message: `school '${schoolId}' is not registered: its records are stored as a comparison school's (register it, or check the id)`,
      });
  }

  private async end(push: Push, status: BatchSummary['status'], batchIssues: FieldIssue[] = []): Promise<BatchSummary> {
    const issues = batchIssues.map(keptIssue);
    if (push.dryRun) return push.tally.finish(status, issues);
    await this.close(push, 'completed');
    await this.batches.finish(push.provenance.batchId, status, this.clock(), push.tally.summary, issues);
    return push.tally.finish(status, issues);
  }

  /**
   * Marks in the log where the push's knowledge is complete (`FeedBatchClosed`), so the read
   * side judges its records together. A push that stored nothing has nothing to mark.
   */
  private async close(push: Push, status: 'completed' | 'failed'): Promise<void> {
    const { accepted, restated, reinstated } = push.tally.summary;
    if (accepted + restated + reinstated === 0) return;
    // The marker's `restated` counts every record that superseded a stored one, reinstated ones too.
    await this.store.append(
      `feed-batch-${push.provenance.batchId}`,
      [batchClosedToAppend(push.provenance, { status, accepted, restated: restated + reinstated })],
      { expectedRevision: 'no_stream' },
    );
  }

  /** Storage failed midway: what was stored stays (a re-push counts it as duplicates); the batch is marked failed. */
  private async fail(push: Push, error: unknown): Promise<never> {
    if (push.dryRun) throw error;
    const message = error instanceof Error ? error.message : String(error);
    await this.close(push, 'failed').catch(() => undefined);
    await this.batches
      .finish(push.provenance.batchId, 'failed', this.clock(), push.tally.summary, [keptIssue({ field: '(batch)', message: `stopped: ${message}` })])
      .catch(() => undefined);
    throw error;
  }
}

function asDryRun(summary: BatchSummary): DryRunSummary {
  return { ...summary, batchId: null, dryRun: true };
}
