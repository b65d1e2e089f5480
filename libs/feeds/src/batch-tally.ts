import { FeedKind, FeedOutcome, FieldIssue } from '@turnaround/domain';
import { BatchCounts, FinishedStatus, RejectedRecord } from './feed-batches';
import { keptIssue, RECORDS_KEPT_PER_BATCH } from './input-limits';

/** The answer to a push (docs/architecture.md#outside-interfaces), with the batch id under which rejections stay listed. */
export interface BatchSummary extends BatchCounts {
  batchId: string;
  feed: FeedKind;
  profile: string | null;
  status: FinishedStatus;
  /** Every issue of every rejected record, up to ANSWER_ISSUE_LIMIT; the rest via the rejections endpoint. */
  rejected: FieldIssue[];
  rejectedTruncated: boolean;
}

export type ProgressListener = (progress: BatchCounts & { rows: number }) => void;

const ANSWER_ISSUE_LIMIT = 1000;
const COUNTS = ['accepted', 'duplicates', 'restated', 'skipped', 'rejectedRows'] as const;
const COUNT_OF_OUTCOME = { accepted: 'accepted', restated: 'restated', duplicate: 'duplicates' } as const;

/** One chunk's counts and rejected records, as `FeedBatches.recordChunk` stores them. */
export class ChunkTally {
  readonly counts: BatchCounts = { accepted: 0, duplicates: 0, restated: 0, skipped: 0, rejectedRows: 0 };
  readonly rejections: RejectedRecord[] = [];

  /** `rejectedBefore`: the batch's rejected rows in the chunks before, which count toward RECORDS_KEPT_PER_BATCH. */
  constructor(private readonly rejectedBefore: number) {}

  skipped(): void {
    this.counts.skipped += 1;
  }

  /** Keeps the rejection's issues excerpted, and its record while the batch has kept fewer than RECORDS_KEPT_PER_BATCH. */
  rejected({ row, record, issues }: RejectedRecord): void {
    const keepRecord = this.rejectedBefore + this.counts.rejectedRows < RECORDS_KEPT_PER_BATCH;
    this.counts.rejectedRows += 1;
    this.rejections.push({ row, record: keepRecord ? record : null, issues: issues.map(keptIssue) });
  }

  stored(outcome: Exclude<FeedOutcome, 'rejected'>): void {
    this.counts[COUNT_OF_OUTCOME[outcome]] += 1;
  }
}

/** A push's running summary: its chunks' tallies added up, as the answer and the progress show them. */
export class BatchTally {
  readonly summary: BatchSummary;
  private rows = 0;

  constructor(
    batch: Pick<BatchSummary, 'batchId' | 'feed' | 'profile'>,
    private readonly onProgress?: ProgressListener,
    /** When given, every rejected record is collected here too (not only the capped answer). */
    private readonly rejections?: RejectedRecord[],
  ) {
    this.summary = { ...batch, status: 'completed', accepted: 0, duplicates: 0, restated: 0, skipped: 0, rejectedRows: 0, rejected: [], rejectedTruncated: false };
  }

  /** Adds a stored chunk of `rows` rows. */
  add(chunk: ChunkTally, rows: number): void {
    this.rejections?.push(...chunk.rejections);
    const summary = this.summary;
    for (const key of COUNTS) summary[key] += chunk.counts[key];
    for (const { issues } of chunk.rejections) {
      const room = ANSWER_ISSUE_LIMIT - summary.rejected.length;
      summary.rejected.push(...issues.slice(0, Math.max(room, 0)));
      if (issues.length > room) summary.rejectedTruncated = true;
    }
    this.rows += rows;
    this.onProgress?.({ rows: this.rows, accepted: summary.accepted, duplicates: summary.duplicates, restated: summary.restated, skipped: summary.skipped, rejectedRows: summary.rejectedRows });
  }

  /** The answer, with the issues that refused or stopped the batch as a whole listed first. */
  finish(status: BatchSummary['status'], batchIssues: readonly FieldIssue[]): BatchSummary {
    this.summary.status = status;
    this.summary.rejected.unshift(...batchIssues);
    return this.summary;
  }
}
