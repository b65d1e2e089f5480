import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import {
  EventMetadata,
  EventSource,
  eventType,
  EventType,
  feedBatchClosed,
  FeedEvent,
  FeedKind,
  FeedLedger,
  FeedDecision,
  FeedRecord,
  feedStreamOfNaturalKey,
  feedStreamOfRecord,
  FieldIssue,
  MappedRow,
  naturalKeyOf,
  parseEvent,
  prepareMapping,
  RowMapper,
  studentLevelIssues,
  validateFeedRecord,
  ValidationError,
} from '@turnaround/domain';
import { EventStore, EventToAppend, StoredEvent, WrongExpectedRevisionError } from '@turnaround/event-store';
import { BatchCounts, BatchStatus, FeedBatches, RejectedRecord } from './feed-batches';
import { ProfileCatalogue } from './profile-catalogue';

/** Who pushes, and through which channel: becomes the metadata of every event of the batch. */
export interface FeedContext {
  channel: EventSource['channel'];
  actor: string;
  correlationId: string;
}

export interface IngestOptions {
  /** A vendor mapping profile for CSV; `canonical` (header row = field names) when absent. */
  profile?: string;
  /** Called after each stored chunk, e.g. to move a progress bar. */
  onProgress?: (progress: BatchCounts & { rows: number }) => void;
}

/** The answer to a push (DESIGN.md section 8), with the batch id under which rejections stay listed. */
export interface BatchSummary extends BatchCounts {
  batchId: string;
  feed: FeedKind;
  profile: string | null;
  status: Exclude<BatchStatus, 'running'>;
  /** Every issue of every rejected record, up to ANSWER_ISSUE_LIMIT; the rest via the rejections endpoint. */
  rejected: FieldIssue[];
  rejectedTruncated: boolean;
}

/** Rows validated and stored together: big enough to amortise a stream load, small enough to bound memory. */
const CHUNK_ROWS = 1000;
/** Rows read between yields to the event loop while a chunk is being stored. */
const YIELD_ROWS = 64;
const ANSWER_ISSUE_LIMIT = 1000;
/** Ledgers kept between pushes; a stale one costs only a conflict and a reload. */
const LEDGER_CACHE_STREAMS = 2000;
const MAX_CONFLICT_RETRIES = 5;

interface Row {
  row: number;
  raw: unknown;
  mapped: MappedRow;
}

interface Batch {
  summary: BatchSummary;
  context: FeedContext;
  /** The knowledge time of every record of the push: the facts of one push are known together. */
  recordedAt: string;
  rows: number;
  onProgress?: IngestOptions['onProgress'];
  /** When given, every rejected record is collected here too (not only the capped answer). */
  rejections?: RejectedRecord[];
}

/**
 * The one feed pipeline for every channel (HTTP, CLI, Kafka): validate each record against its
 * event schema, decide duplicates and restatements against the record's feed stream, append,
 * and keep every rejected record with its reason. A record counts as accepted only once its
 * event is stored; a record is never half stored (one record is one event).
 */
export class FeedIngestor {
  private readonly ledgers = new Map<string, { ledger: FeedLedger; revision: number | undefined }>();

  constructor(
    private readonly store: EventStore,
    private readonly batches: FeedBatches,
    private readonly profiles: ProfileCatalogue,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Streams a CSV file: it is read a chunk at a time, never held whole. */
  async ingestCsv(kind: FeedKind, input: Readable, context: FeedContext, options: IngestOptions = {}): Promise<BatchSummary> {
    const profileName = options.profile ?? 'canonical';
    const profile = this.profiles.get(profileName);
    const batch = await this.begin(kind, profileName, context, options);
    const parser = input.pipe(parse({ bom: true, info: true, relax_column_count: true, skip_empty_lines: true, skip_records_with_error: true }));
    // A malformed record (an unclosed quote, say) is reported as a rejected row; reading goes on.
    let chunk: Row[] = [];
    parser.on('skip', (error: CsvError & { lines: number }) => {
      const issue = { row: error.lines, field: '(row)', message: `malformed CSV: ${error.message}` };
      chunk.push({ row: error.lines, raw: null, mapped: { kind: 'rejected', issues: [issue] } });
    });
    let header: string[] | undefined;
    let mapRow: RowMapper | undefined;
    const writes = this.chunkWriter(batch, kind);
    try {
      for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
        if (!mapRow || !header) {
          header = record.map((column) => column.trim());
          try {
            mapRow = prepareMapping(profile, kind, header, this.profiles.list());
          } catch (error) {
            if (!(error instanceof ValidationError)) throw error;
            parser.destroy();
            input.resume(); // drain what the client still sends, so it gets the answer rather than a reset
            return this.end(batch, 'rejected', error.issues.map((issue) => ({ row: 1, ...issue })));
          }
          continue;
        }
        const mapped: MappedRow =
          record.length === header.length
            ? mapRow(record, info.lines)
            : { kind: 'rejected', issues: [{ row: info.lines, field: '(row)', message: `expected ${header.length} cells as in the header, got ${record.length}` }] };
        // A rejected row is kept as column -> cell, the way its reason names it.
        chunk.push({ row: info.lines, raw: mapped.kind === 'rejected' ? Object.fromEntries(header.map((column, index) => [column, record[index]])) : null, mapped });
        // The parser hands over a whole buffer of rows without returning to the event loop; a
        // short yield now and then lets the chunk being stored meanwhile make its round trips.
        if (chunk.length % YIELD_ROWS === 0) await new Promise(setImmediate);
        if (chunk.length >= CHUNK_ROWS) {
          await writes.push(chunk);
          chunk = [];
        }
      }
      await writes.push(chunk);
      await writes.drain();
    } catch (error) {
      await writes.settle();
      return this.fail(batch, error instanceof CsvError ? ValidationError.of('(file)', `unreadable CSV: ${error.message}`) : error);
    }
    if (!header) return this.end(batch, 'rejected', [{ row: 1, field: '(file)', message: 'expected a header row naming the columns' }]);
    return this.end(batch, 'completed');
  }

  /** A JSON array of records in the canonical shape (the event's fields). */
  async ingestJson(kind: FeedKind, body: unknown, context: FeedContext, options: IngestOptions = {}): Promise<BatchSummary> {
    if (!Array.isArray(body)) throw ValidationError.of('(body)', `expected a JSON array of ${kind} records, or text/csv`);
    const batch = await this.begin(kind, null, context, options);
    const keys = new Set(body.flatMap((record) => (record !== null && typeof record === 'object' ? Object.keys(record) : [])));
    const studentLevel = studentLevelIssues([...keys]);
    if (studentLevel.length > 0) return this.end(batch, 'rejected', studentLevel);
    return this.ingestRows(batch, kind, body, (raw, row) => validateFeedRecord(kind, raw, row));
  }

  /**
   * Records that arrive one by one (Kafka messages): each is checked alone, a student-level
   * field included, so one bad message never refuses its neighbours. Answers which rows were
   * rejected and why, for the dead-letter topic.
   */
  async ingestRecords(kind: FeedKind, records: readonly unknown[], context: FeedContext): Promise<BatchSummary & { rejections: RejectedRecord[] }> {
    const batch = await this.begin(kind, null, context, {});
    const rejections: RejectedRecord[] = [];
    batch.rejections = rejections;
    const summary = await this.ingestRows(batch, kind, records, (raw, row) => {
      const studentLevel = raw !== null && typeof raw === 'object' ? studentLevelIssues(Object.keys(raw)) : [];
      return studentLevel.length > 0 ? { kind: 'rejected', issues: studentLevel.map((issue) => ({ row, ...issue })) } : validateFeedRecord(kind, raw, row);
    });
    return { ...summary, rejections };
  }

  private async ingestRows(batch: Batch, kind: FeedKind, records: readonly unknown[], check: (raw: unknown, row: number) => MappedRow): Promise<BatchSummary> {
    const writes = this.chunkWriter(batch, kind);
    try {
      for (let start = 0; start < records.length; start += CHUNK_ROWS) {
        const rows = records.slice(start, start + CHUNK_ROWS).map((raw: unknown, index) => {
          const row = start + index + 1;
          return { row, raw, mapped: check(raw, row) };
        });
        await writes.push(rows);
      }
      await writes.drain();
    } catch (error) {
      await writes.settle();
      return this.fail(batch, error);
    }
    return this.end(batch, 'completed');
  }

  /** Withdraws a record by its natural key (DESIGN.md section 4); true when an event was appended. */
  async retract(kind: FeedKind, naturalKey: string, reason: string, context: FeedContext): Promise<{ retracted: boolean }> {
    if (reason.trim() === '') throw ValidationError.of('reason', 'expected why the record is withdrawn');
    const streamId = feedStreamOfNaturalKey(kind, naturalKey);
    const appended = await this.withLedger(kind, streamId, (ledger) => {
      const events = ledger.decideRetraction(naturalKey, reason);
      const recordedAt = this.clock().toISOString();
      return { events: events.map((event) => this.toAppend(kind, event, context, recordedAt, naturalKey)), result: events.length > 0 };
    });
    return { retracted: appended };
  }

  private async begin(kind: FeedKind, profile: string | null, context: FeedContext, options: IngestOptions): Promise<Batch> {
    const batchId = randomUUID();
    await this.batches.start({ batchId, feed: kind, profile: profile ?? undefined, ...context, startedAt: this.clock() });
    const summary: BatchSummary = {
      batchId,
      feed: kind,
      profile,
      status: 'completed',
      accepted: 0,
      duplicates: 0,
      restated: 0,
      skipped: 0,
      rejectedRows: 0,
      rejected: [],
      rejectedTruncated: false,
    };
    return { summary, context, recordedAt: this.clock().toISOString(), rows: 0, onProgress: options.onProgress };
  }

  /**
   * Stores a batch's chunks in order, one at a time, while the caller reads and checks the next
   * one: the parsing and validation overlap the database's work on the chunk before. `push`
   * waits for the chunk before (and throws its error); `drain` waits for the last.
   */
  private chunkWriter(batch: Batch, kind: FeedKind): { push(rows: Row[]): Promise<void>; drain(): Promise<void>; settle(): Promise<void> } {
    let writing: Promise<void> = Promise.resolve();
    return {
      push: async (rows) => {
        await writing;
        writing = this.writeChunk(batch, kind, rows);
        writing.catch(() => undefined); // its error reaches the next push or drain
      },
      drain: () => writing,
      // After a failure: no write may still run when the batch is marked failed.
      settle: () => writing.catch(() => undefined),
    };
  }

  private async writeChunk(batch: Batch, kind: FeedKind, rows: readonly Row[]): Promise<void> {
    if (rows.length === 0) return;
    const counts: BatchCounts = { accepted: 0, duplicates: 0, restated: 0, skipped: 0, rejectedRows: 0 };
    const rejections: RejectedRecord[] = [];
    const byStream = new Map<string, FeedRecord[]>();
    const rowOf = new Map<FeedRecord, Row>();
    for (const entry of rows) {
      const { row, raw, mapped } = entry;
      if (mapped.kind === 'skipped') counts.skipped += 1;
      else if (mapped.kind === 'rejected') {
        counts.rejectedRows += 1;
        rejections.push({ row, record: raw, issues: mapped.issues });
      } else {
        rowOf.set(mapped.record, entry);
        const streamId = feedStreamOfRecord(kind, mapped.record);
        const records = byStream.get(streamId);
        if (records) records.push(mapped.record);
        else byStream.set(streamId, [mapped.record]);
      }
    }
    // Decisions come back in the order of the streams' records. A record the ledger refuses (an
    // attendance period overlapping another) is a rejected row, with its row number.
    const decided = [...byStream.values()].flat();
    for (const [index, { outcome, issues = [] }] of (await this.appendChunk(kind, [...byStream], batch, batch.recordedAt)).entries()) {
      if (outcome !== 'rejected') counts[outcome === 'accepted' ? 'accepted' : outcome === 'restated' ? 'restated' : 'duplicates'] += 1;
      else {
        const { row, raw } = rowOf.get(decided[index]) as Row;
        counts.rejectedRows += 1;
        rejections.push({ row, record: raw ?? decided[index], issues: issues.map((issue) => ({ row, ...issue })) });
      }
    }
    await this.batches.recordChunk(batch.summary.batchId, counts, rejections);
    batch.rejections?.push(...rejections);

    const summary = batch.summary;
    for (const key of ['accepted', 'duplicates', 'restated', 'skipped', 'rejectedRows'] as const) summary[key] += counts[key];
    for (const { issues } of rejections) {
      const room = ANSWER_ISSUE_LIMIT - summary.rejected.length;
      summary.rejected.push(...issues.slice(0, Math.max(room, 0)));
      if (issues.length > room) summary.rejectedTruncated = true;
    }
    batch.rows += rows.length;
    batch.onProgress?.({ rows: batch.rows, accepted: summary.accepted, duplicates: summary.duplicates, restated: summary.restated, skipped: summary.skipped, rejectedRows: summary.rejectedRows });
  }

  /**
   * Loads the ledgers of a chunk's streams in one read, decides every stream against its
   * ledger and appends them together (on PostgreSQL one transaction for the chunk rather than
   * one per stream). When another writer got to one of the streams first, the chunk's streams
   * are taken one by one instead, each reloaded and decided again (withLedger).
   */
  private async appendChunk(kind: FeedKind, groups: readonly [string, FeedRecord[]][], batch: Batch, recordedAt: string): Promise<FeedDecision[]> {
    const missing = groups.map(([streamId]) => streamId).filter((streamId) => !this.ledgers.has(streamId));
    const stored = missing.length === 0 ? new Map<string, StoredEvent[]>() : await this.store.readStreams(missing);
    const loaded = groups.map(([streamId]) => this.ledgers.get(streamId) ?? ledgerOf(kind, stored.get(streamId) ?? []));
    // The decisions below change the ledgers; they come back only if the append succeeds.
    for (const [streamId] of groups) this.ledgers.delete(streamId);
    const decided = groups.map(([streamId, records], index) => ({ streamId, ...loaded[index], ...this.decideRecords(kind, loaded[index].ledger, records, batch, recordedAt) }));
    const appends = decided.filter((stream) => stream.events.length > 0);
    try {
      const results = appends.length === 0 ? [] : await this.store.appendMany(appends.map((stream) => ({ streamId: stream.streamId, events: stream.events, expectedRevision: stream.revision ?? 'no_stream' })));
      const next = new Map(appends.map((stream, index) => [stream.streamId, results[index].nextExpectedRevision]));
      for (const stream of decided) this.remember(stream.streamId, stream.ledger, next.get(stream.streamId) ?? stream.revision);
      return decided.flatMap((stream) => stream.result);
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
      // On KurrentDB the streams (or parts of a split stream) before the failed one went in: their
      // records keep the outcomes decided for them; the rest are decided again against the stream.
      const appended = new Map(error.appendedBefore.map((part) => [part.streamId, part]));
      const outcomes: FeedDecision[] = [];
      for (const [index, [streamId, records]] of groups.entries()) {
        const stream = decided[index];
        const part = appended.get(streamId);
        const kept = part ? recordsStored(stream.result, part.events) : 0;
        if (part && kept === records.length) this.remember(streamId, stream.ledger, part.nextExpectedRevision);
        outcomes.push(...stream.result.slice(0, kept));
        const rest = records.slice(kept);
        if (rest.length > 0) outcomes.push(...(await this.withLedger(kind, streamId, (ledger) => this.decideRecords(kind, ledger, rest, batch, recordedAt))));
      }
      return outcomes;
    }
  }

  /** Decides the records of one stream in file order: the events to append, and each record's outcome as the result. */
  private decideRecords(kind: FeedKind, ledger: FeedLedger, records: readonly FeedRecord[], batch: Batch, recordedAt: string): { events: EventToAppend[]; result: FeedDecision[] } {
    const events: EventToAppend[] = [];
    const outcomes = records.map((record) => {
      const decision = ledger.decide(record);
      if (decision.event) {
        ledger.apply(decision.event);
        events.push(this.toAppend(kind, decision.event, batch.context, recordedAt, naturalKeyOf(kind, record), batch.summary.batchId));
      }
      return decision;
    });
    return { events, result: outcomes };
  }

  /**
   * Load (or reuse) the stream's ledger, decide, append expecting the revision the ledger was
   * built from. A concurrent writer makes the append fail; the ledger is then reloaded and the
   * decision taken again, so two pushes of one file at once still store each record once.
   */
  private async withLedger<T>(kind: FeedKind, streamId: string, decide: (ledger: FeedLedger) => { events: EventToAppend[]; result: T }): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      const { ledger, revision } = this.ledgers.get(streamId) ?? (await this.loadLedger(kind, streamId));
      this.ledgers.delete(streamId); // the decision below changes it; it comes back only if the append succeeds
      const { events, result } = decide(ledger);
      try {
        const next = events.length > 0 ? (await this.store.append(streamId, events, { expectedRevision: revision ?? 'no_stream' })).nextExpectedRevision : revision;
        this.remember(streamId, ledger, next);
        return result;
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError) || attempt >= MAX_CONFLICT_RETRIES) throw error;
      }
    }
  }

  private async loadLedger(kind: FeedKind, streamId: string): Promise<{ ledger: FeedLedger; revision: number | undefined }> {
    return ledgerOf(kind, await this.store.readStream(streamId));
  }

  private remember(streamId: string, ledger: FeedLedger, revision: number | undefined): void {
    this.ledgers.set(streamId, { ledger, revision });
    if (this.ledgers.size > LEDGER_CACHE_STREAMS) this.ledgers.delete(this.ledgers.keys().next().value as string);
  }

  private toAppend(kind: FeedKind, event: FeedEvent, context: FeedContext, recordedAt: string, recordKey: string, batchId?: string): EventToAppend {
    const metadata: EventMetadata = {
      recordedAt,
      source: { channel: context.channel, feed: kind, batchId, recordKey },
      correlationId: context.correlationId,
      actor: context.actor,
    };
    return { type: event.type, schemaVersion: (eventType(event.type) as EventType).schemaVersion, data: event.data, metadata };
  }

  private async end(batch: Batch, status: BatchSummary['status'], batchIssues: FieldIssue[] = []): Promise<BatchSummary> {
    await this.close(batch, 'completed');
    await this.batches.finish(batch.summary.batchId, status, this.clock(), batchIssues);
    batch.summary.status = status;
    batch.summary.rejected.unshift(...batchIssues);
    return batch.summary;
  }

  /**
   * Marks in the log where the push's knowledge is complete (`FeedBatchClosed`), so the read
   * side judges its records together. A push that stored nothing has nothing to mark.
   */
  private async close(batch: Batch, status: 'completed' | 'failed'): Promise<void> {
    const { batchId, feed, accepted, restated } = batch.summary;
    if (accepted + restated === 0) return;
    const metadata: EventMetadata = { recordedAt: batch.recordedAt, source: { channel: batch.context.channel, feed, batchId }, correlationId: batch.context.correlationId, actor: batch.context.actor };
    await this.store.append(`feed-batch-${batchId}`, [{ type: feedBatchClosed.type, schemaVersion: feedBatchClosed.schemaVersion, data: { batchId, feed, status, accepted, restated }, metadata }], {
      expectedRevision: 'no_stream',
    });
  }

  /** Storage failed midway: what was stored stays (a re-push counts it as duplicates); the batch is marked failed. */
  private async fail(batch: Batch, error: unknown): Promise<never> {
    const message = error instanceof Error ? error.message : String(error);
    await this.close(batch, 'failed').catch(() => undefined);
    await this.batches.finish(batch.summary.batchId, 'failed', this.clock(), [{ field: '(batch)', message: `stopped: ${message}` }]).catch(() => undefined);
    throw error;
  }
}

/**
 * How many of a stream's records, in order, are settled once its first `events` events are
 * stored: each accepted or restated record is one event; a duplicate or rejected record
 * before the next event needs none.
 */
function recordsStored(outcomes: readonly FeedDecision[], events: number): number {
  let stored = 0;
  let records = 0;
  for (const outcome of outcomes) {
    const appends = outcome.event !== undefined;
    if (appends && stored === events) break;
    if (appends) stored += 1;
    records += 1;
  }
  return records;
}

/** A feed stream's ledger from its stored events, with the revision it was built from. */
function ledgerOf(kind: FeedKind, stored: readonly StoredEvent[]): { ledger: FeedLedger; revision: number | undefined } {
  const ledger = new FeedLedger(kind);
  for (const event of stored) ledger.apply(parseEvent(event.type, event.schemaVersion, event.data) as FeedEvent);
  return { ledger, revision: stored.at(-1)?.revision };
}
