import { FeedKind, FieldIssue } from '@turnaround/domain';
import { DEFAULT_LEASE, LeasePolicy } from '@turnaround/event-store';
import { migrate, Migration, SqlClient } from '@turnaround/postgres';

/**
 * Every pushed batch and every record it rejected, kept with the reason so a data team can see
 * what was refused and why (`GET /api/v1/feeds/rejections?batchId=`). Rejections are not facts
 * about schools, so they live beside the read model rather than in the event store.
 */
const MIGRATIONS: Migration[] = [
  {
    id: '001-feed-batches',
    sql: `
      CREATE TABLE feed_batches (
        batch_id text PRIMARY KEY,
        feed text NOT NULL,
        profile text,
        channel text NOT NULL,
        actor text NOT NULL,
        correlation_id text NOT NULL,
        started_at timestamptz NOT NULL,
        finished_at timestamptz,
        status text NOT NULL CHECK (status IN ('running', 'completed', 'rejected', 'failed')),
        accepted integer NOT NULL DEFAULT 0,
        duplicates integer NOT NULL DEFAULT 0,
        restated integer NOT NULL DEFAULT 0,
        skipped integer NOT NULL DEFAULT 0,
        rejected_rows integer NOT NULL DEFAULT 0,
        -- why the whole batch was refused or stopped; never the rows of a refused file
        batch_issues jsonb NOT NULL DEFAULT '[]'
      );
      CREATE INDEX feed_batches_started ON feed_batches (started_at DESC);
      CREATE TABLE feed_rejections (
        batch_id text NOT NULL REFERENCES feed_batches (batch_id),
        row integer NOT NULL,
        record jsonb,
        issues jsonb NOT NULL,
        PRIMARY KEY (batch_id, row)
      );`,
  },
  {
    // A running batch's process renews heartbeat_at while it works; a batch whose heartbeat
    // stopped was cut short by a crash, and is marked interrupted.
    id: '002-feed-batch-heartbeats',
    sql: `
      ALTER TABLE feed_batches ADD COLUMN heartbeat_at timestamptz;
      ALTER TABLE feed_batches DROP CONSTRAINT feed_batches_status_check;
      ALTER TABLE feed_batches ADD CONSTRAINT feed_batches_status_check CHECK (status IN ('running', 'completed', 'rejected', 'failed', 'interrupted'));
      CREATE INDEX feed_batches_running ON feed_batches (heartbeat_at) WHERE status = 'running';`,
  },
  {
    // Records a push brought back after their retraction, told apart from restatements, and
    // what the push stored but deserves a look (a school not registered): the first of each
    // listed (LISTED_LIMIT), all counted.
    id: '003-feed-batch-reinstated-warnings',
    sql: `
      ALTER TABLE feed_batches
        ADD COLUMN reinstated integer NOT NULL DEFAULT 0,
        ADD COLUMN reinstated_keys jsonb NOT NULL DEFAULT '[]',
        ADD COLUMN warnings jsonb NOT NULL DEFAULT '[]',
        ADD COLUMN warning_count integer NOT NULL DEFAULT 0;`,
  },
];

/** How a push ends in its own process. */
export type FinishedStatus = 'completed' | 'rejected' | 'failed';
/** `interrupted`: its process died while it ran (README "Feeds"). */
export type BatchStatus = 'running' | 'interrupted' | FinishedStatus;

/** What the listing says of an interrupted batch. */
export const INTERRUPTED_ISSUE: FieldIssue = {
  field: '(batch)',
  message:
    'interrupted: the service stopped before this batch finished, so its counts may fall short of what was stored; push the whole file again (records already stored count as duplicates)',
};

export interface BatchCounts {
  accepted: number;
  duplicates: number;
  restated: number;
  /** Records whose key was retracted, brought back by this push (docs/feeds.md). */
  reinstated: number;
  skipped: number;
  rejectedRows: number;
}

/** Something a push stored that deserves a look, e.g. a school id not registered (stored as a comparison school). */
export interface BatchWarning extends FieldIssue {
  /** The first row it concerns. */
  row: number;
  schoolId: string;
}

/** What a batch lists beyond its counts: the first reinstated keys and warnings, and how many warnings in all. */
export interface BatchListings {
  reinstatedKeys: string[];
  warnings: BatchWarning[];
  warningCount: number;
}

export interface BatchStart {
  batchId: string;
  feed: FeedKind;
  profile?: string;
  channel: string;
  actor: string;
  correlationId: string;
  startedAt: Date;
}

export interface RejectedRecord {
  row: number;
  /** The record as it was pushed (cells of a CSV row, or the JSON record). */
  record: unknown;
  issues: FieldIssue[];
}

export interface BatchReport extends BatchCounts, BatchListings {
  batchId: string;
  feed: FeedKind;
  profile: string | null;
  channel: string;
  actor: string;
  status: BatchStatus;
  startedAt: string;
  finishedAt: string | null;
  batchIssues: FieldIssue[];
}

interface BatchRow {
  batch_id: string;
  feed: FeedKind;
  profile: string | null;
  channel: string;
  actor: string;
  status: BatchStatus;
  started_at: Date;
  finished_at: Date | null;
  accepted: number;
  duplicates: number;
  restated: number;
  reinstated: number;
  skipped: number;
  rejected_rows: number;
  batch_issues: FieldIssue[];
  reinstated_keys: string[];
  warnings: BatchWarning[];
  warning_count: number;
}

/**
 * The batches and their rejections. While a batch runs, its process renews the batch's
 * heartbeat every `lease.renewMs`; a running batch whose heartbeat is older than `lease.ttlMs`
 * has lost its process, and is marked interrupted when the service starts and whenever batches
 * are read. A lease rather than "every running batch at start": with several instances on one
 * database, a batch another live instance is storing keeps its heartbeat and is left alone.
 */
export class FeedBatches {
  /** This process's running batches, whose heartbeats it renews. */
  private readonly running = new Set<string>();
  private heartbeat: NodeJS.Timeout | undefined;

  private constructor(
    private readonly sql: SqlClient,
    private readonly lease: LeasePolicy,
  ) {}

  static async create(sql: SqlClient, lease: LeasePolicy = DEFAULT_LEASE): Promise<FeedBatches> {
    await migrate(sql, 'feeds', MIGRATIONS);
    const batches = new FeedBatches(sql, lease);
    await batches.markInterrupted();
    return batches;
  }

  async start(batch: BatchStart): Promise<void> {
    await this.sql.query(
      `INSERT INTO feed_batches (batch_id, feed, profile, channel, actor, correlation_id, started_at, status, heartbeat_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'running', now())`,
      [batch.batchId, batch.feed, batch.profile ?? null, batch.channel, batch.actor, batch.correlationId, batch.startedAt.toISOString()],
    );
    this.running.add(batch.batchId);
    // unref: a heartbeat never keeps a process alive that has nothing else to do.
    this.heartbeat ??= setInterval(() => void this.renew(), this.lease.renewMs).unref();
  }

  /** Adds one chunk's counts and rejected records, in one transaction: what a running batch's listing shows. */
  async recordChunk(batchId: string, counts: BatchCounts, rejections: readonly RejectedRecord[]): Promise<void> {
    await this.sql.transaction(async (tx) => {
      if (rejections.length > 0)
        await tx.query(
          `INSERT INTO feed_rejections (batch_id, row, record, issues)
           SELECT $1, row, record, issues FROM unnest($2::int[], $3::jsonb[], $4::jsonb[]) AS r(row, record, issues)`,
          [batchId, rejections.map((r) => r.row), rejections.map((r) => JSON.stringify(r.record ?? null)), rejections.map((r) => JSON.stringify(r.issues))],
        );
      await tx.query(
        `UPDATE feed_batches SET accepted = accepted + $2, duplicates = duplicates + $3, restated = restated + $4,
           skipped = skipped + $5, rejected_rows = rejected_rows + $6, reinstated = reinstated + $7
         WHERE batch_id = $1`,
        [batchId, counts.accepted, counts.duplicates, counts.restated, counts.skipped, counts.rejectedRows, counts.reinstated],
      );
    });
  }

  /**
   * Ends a batch with its final counts: those of the push's own tally, which counts a chunk as
   * soon as its events are stored, so a batch that fails between storing a chunk and recording
   * it still reports what is in the store.
   */
  async finish(
    batchId: string,
    status: FinishedStatus,
    finishedAt: Date,
    counts: BatchCounts & Partial<BatchListings>,
    batchIssues: readonly FieldIssue[] = [],
  ): Promise<void> {
    try {
      await this.sql.query(
        `UPDATE feed_batches SET status = $2, finished_at = $3, batch_issues = $4,
           accepted = $5, duplicates = $6, restated = $7, skipped = $8, rejected_rows = $9,
           reinstated = $10, reinstated_keys = $11, warnings = $12, warning_count = $13
         WHERE batch_id = $1`,
        [
          batchId,
          status,
          finishedAt.toISOString(),
          JSON.stringify(batchIssues),
          counts.accepted,
          counts.duplicates,
          counts.restated,
          counts.skipped,
          counts.rejectedRows,
          counts.reinstated,
          JSON.stringify(counts.reinstatedKeys ?? []),
          JSON.stringify(counts.warnings ?? []),
          counts.warningCount ?? 0,
        ],
      );
    } finally {
      this.running.delete(batchId);
      if (this.running.size === 0) {
        clearInterval(this.heartbeat);
        this.heartbeat = undefined;
      }
    }
  }

  async report(batchId: string): Promise<BatchReport | undefined> {
    await this.markInterrupted();
    const [row] = await this.sql.query<BatchRow>('SELECT * FROM feed_batches WHERE batch_id = $1', [batchId]);
    return row && toReport(row);
  }

  async recent(limit: number): Promise<BatchReport[]> {
    await this.markInterrupted();
    return (await this.sql.query<BatchRow>('SELECT * FROM feed_batches ORDER BY started_at DESC, batch_id LIMIT $1', [limit])).map(toReport);
  }

  /** Running batches whose process stopped renewing their heartbeat (or, from before heartbeats, never did): finished when last heard of. */
  private async markInterrupted(): Promise<void> {
    await this.sql.query(
      `UPDATE feed_batches SET status = 'interrupted', finished_at = coalesce(heartbeat_at, started_at), batch_issues = $2
       WHERE status = 'running' AND (heartbeat_at IS NULL OR heartbeat_at < now() - $1 * interval '1 millisecond')`,
      [this.lease.ttlMs, JSON.stringify([INTERRUPTED_ISSUE])],
    );
  }

  private async renew(): Promise<void> {
    // A failed renewal is left to the next one: a database that stays away fails the push itself.
    await this.sql
      .query("UPDATE feed_batches SET heartbeat_at = now() WHERE batch_id = ANY($1) AND status = 'running'", [[...this.running]])
      .catch(() => undefined);
  }

  /** Rejected records of a batch in row order, a page at a time. */
  async rejections(batchId: string, options: { afterRow: number; limit: number }): Promise<RejectedRecord[]> {
    return this.sql.query<RejectedRecord>('SELECT row, record, issues FROM feed_rejections WHERE batch_id = $1 AND row > $2 ORDER BY row LIMIT $3', [
      batchId,
      options.afterRow,
      options.limit,
    ]);
  }
}

function toReport(row: BatchRow): BatchReport {
  return {
    batchId: row.batch_id,
    feed: row.feed,
    profile: row.profile,
    channel: row.channel,
    actor: row.actor,
    status: row.status,
    startedAt: new Date(row.started_at).toISOString(),
    finishedAt: row.finished_at && new Date(row.finished_at).toISOString(),
    accepted: row.accepted,
    duplicates: row.duplicates,
    restated: row.restated,
    reinstated: row.reinstated,
    skipped: row.skipped,
    rejectedRows: row.rejected_rows,
    batchIssues: row.batch_issues,
    reinstatedKeys: row.reinstated_keys,
    warnings: row.warnings,
    warningCount: row.warning_count,
  };
}
