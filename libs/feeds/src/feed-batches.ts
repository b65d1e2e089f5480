import { FeedKind, FieldIssue } from '@turnaround/domain';
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
];

export type BatchStatus = 'running' | 'completed' | 'rejected' | 'failed';

export interface BatchCounts {
  accepted: number;
  duplicates: number;
  restated: number;
  skipped: number;
  rejectedRows: number;
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

export interface BatchReport extends BatchCounts {
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
  skipped: number;
  rejected_rows: number;
  batch_issues: FieldIssue[];
}

export class FeedBatches {
  private constructor(private readonly sql: SqlClient) {}

  static async create(sql: SqlClient): Promise<FeedBatches> {
    await migrate(sql, 'feeds', MIGRATIONS);
    return new FeedBatches(sql);
  }

  async start(batch: BatchStart): Promise<void> {
    await this.sql.query(
      `INSERT INTO feed_batches (batch_id, feed, profile, channel, actor, correlation_id, started_at, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'running')`,
      [batch.batchId, batch.feed, batch.profile ?? null, batch.channel, batch.actor, batch.correlationId, batch.startedAt.toISOString()],
    );
  }

  /** Adds one chunk's counts and rejected records, in one transaction. */
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
           skipped = skipped + $5, rejected_rows = rejected_rows + $6
         WHERE batch_id = $1`,
        [batchId, counts.accepted, counts.duplicates, counts.restated, counts.skipped, counts.rejectedRows],
      );
    });
  }

  async finish(batchId: string, status: Exclude<BatchStatus, 'running'>, finishedAt: Date, batchIssues: readonly FieldIssue[] = []): Promise<void> {
    await this.sql.query('UPDATE feed_batches SET status = $2, finished_at = $3, batch_issues = $4 WHERE batch_id = $1', [
      batchId,
      status,
      finishedAt.toISOString(),
      JSON.stringify(batchIssues),
    ]);
  }

  async report(batchId: string): Promise<BatchReport | undefined> {
    const [row] = await this.sql.query<BatchRow>('SELECT * FROM feed_batches WHERE batch_id = $1', [batchId]);
    return row && toReport(row);
  }

  async recent(limit: number): Promise<BatchReport[]> {
    return (await this.sql.query<BatchRow>('SELECT * FROM feed_batches ORDER BY started_at DESC, batch_id LIMIT $1', [limit])).map(toReport);
  }

  /** Rejected records of a batch in row order, a page at a time. */
  async rejections(batchId: string, options: { afterRow: number; limit: number }): Promise<RejectedRecord[]> {
    return this.sql.query<RejectedRecord>(
      'SELECT row, record, issues FROM feed_rejections WHERE batch_id = $1 AND row > $2 ORDER BY row LIMIT $3',
      [batchId, options.afterRow, options.limit],
    );
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
    skipped: row.skipped,
    rejectedRows: row.rejected_rows,
    batchIssues: row.batch_issues,
  };
}
