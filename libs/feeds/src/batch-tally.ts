import { FeedKind, FeedOutcome, FieldIssue } from '@turnaround/domain';
import { BatchCounts, BatchWarning, FinishedStatus, RejectedRecord } from './feed-batches';
import { keptIssue, RECORDS_KEPT_PER_BATCH } from './input-limits';

/** The answer to a push (docs/architecture.md#outside-interfaces), with the batch id under which rejections stay listed. */
export interface BatchSummary extends BatchCounts {
  batchId: string;
  feed: FeedKind;
  profile: string | null;
  status: FinishedStatus;
  /** false: the push stored what it counts (see DryRunSummary). */
  dryRun: false;
  /** The natural keys of the first LISTED_LIMIT reinstated records, in file order; `reinstated` counts them all. */
  reinstatedKeys: string[];
  /** What was stored but deserves a look (a school not registered), the first LISTED_LIMIT; `warningCount` counts them all. */
  warnings: BatchWarning[];
  warningCount: number;
  /** Every issue of every rejected record, up to ANSWER_ISSUE_LIMIT; the rest via the rejections endpoint. */
  rejected: FieldIssue[];
  rejectedTruncated: boolean;
}

/**
 * The answer to a validate-only push (`?dryRun=true`, `ingest --dry-run`): the counts the push
 * would give against the store as it is now, with nothing appended and no batch kept.
 */
export type DryRunSummary = Omit<BatchSummary, 'batchId' | 'dryRun'> & { batchId: null; dryRun: true };

export type ProgressListener = (progress: BatchCounts & { rows: number }) => void;

const ANSWER_ISSUE_LIMIT = 1000;
/** How many reinstated keys and warnings an answer lists; their counts count them all. */
export const LISTED_LIMIT = 100;
const COUNTS = ['accepted', 'duplicates', 'restated', 'reinstated', 'skipped', 'rejectedRows'] as const;
const COUNT_OF_OUTCOME = { accepted: 'accepted', restated: 'restated', reinstated: 'reinstated', duplicate: 'duplicates' } as const;

export const emptyCounts = (): BatchCounts => ({ accepted: 0, duplicates: 0, restated: 0, reinstated: 0, skipped: 0, rejectedRows: 0 });

/** One chunk's counts, rejected records, reinstated keys and warnings, as `FeedBatches.recordChunk` stores them. */
export class ChunkTally {
  readonly counts: BatchCounts = emptyCounts();
  readonly rejections: RejectedRecord[] = [];
  readonly reinstatedKeys: string[] = [];
  readonly warnings: BatchWarning[] = [];

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

  /** `naturalKey`: the record's key, listed when it was reinstated. */
  stored(outcome: Exclude<FeedOutcome, 'rejected'>, naturalKey: string): void {
    this.counts[COUNT_OF_OUTCOME[outcome]] += 1;
    if (outcome === 'reinstated') this.reinstatedKeys.push(naturalKey);
  }

  warned(warning: BatchWarning): void {
    this.warnings.push(warning);
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
    this.summary = {
      ...batch,
      status: 'completed',
      dryRun: false,
      ...emptyCounts(),
      reinstatedKeys: [],
      warnings: [],
      warningCount: 0,
      rejected: [],
      rejectedTruncated: false,
    };
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
    summary.reinstatedKeys.push(...chunk.reinstatedKeys.slice(0, Math.max(LISTED_LIMIT - summary.reinstatedKeys.length, 0)));
    summary.warnings.push(...chunk.warnings.slice(0, Math.max(LISTED_LIMIT - summary.warnings.length, 0)));
    summary.warningCount += chunk.warnings.length;
    this.rows += rows;
    this.onProgress?.({ rows: this.rows, ...Object.fromEntries(COUNTS.map((key) => [key, summary[key]])) } as BatchCounts & { rows: number });
  }

  /** The answer, with the issues that refused or stopped the batch as a whole listed first. */
  finish(status: BatchSummary['status'], batchIssues: readonly FieldIssue[]): BatchSummary {
    this.summary.status = status;
    this.summary.rejected.unshift(...batchIssues);
    return this.summary;
  }
}
