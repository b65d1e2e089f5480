import { migrate, SqlClient, SqlExecutor } from '@turnaround/postgres';

/** Who asked: the API key and its role over HTTP; the CLI on the embedded database has no key, only the name it was given. */
export interface ResearchRequester {
  channel: 'http' | 'cli';
  keyId: string | null;
  role: string | null;
  /** `key 1a2b3c4d5e6f (researcher)`, or `cli (alice)`. */
  actor: string;
}

export type ResearchAction = 'panel' | 'proof-points';

export interface ResearchRecord {
  recordId: number;
  requestedAt: string;
  action: ResearchAction;
  channel: ResearchRequester['channel'];
  keyId: string | null;
  role: string | null;
  actor: string;
  /** What was asked, as the request named it after validation (metrics, years, format, group, weights). */
  parameters: Record<string, unknown>;
  /** The knowledge time the answer was read at: the `asOf` asked, or the moment of the request. */
  asOf: string;
  /** Rows written (a panel) or groups analysed; null while the export is still being written, or when it broke off. */
  rows: number | null;
  finishedAt: string | null;
}

type RecordRow = {
  record_id: number;
  requested_at: Date | string;
  action: ResearchAction;
  channel: ResearchRequester['channel'];
  key_id: string | null;
  role: string | null;
  actor: string;
  parameters: Record<string, unknown>;
  as_of: Date | string;
  rows: number | null;
  finished_at: Date | string | null;
};

/**
 * Every panel export and proof-point analysis, recorded before it is answered (who, what, as of
 * when) and marked finished with its size once done, for the state office (docs/roles.md:
 * researchers read everything, and the state knows what they took). Not a read model: nothing
 * rebuilds it from the log, and the dashboards' reader role is not granted it.
 */
export class ResearchAudit {
  private constructor(private readonly sql: SqlExecutor) {}

  static async create(sql: SqlClient): Promise<ResearchAudit> {
    await migrate(sql, 'research-audit', [
      {
        id: '001-research-requests',
        sql: `CREATE TABLE research_requests (
          record_id bigserial PRIMARY KEY, requested_at timestamptz NOT NULL DEFAULT now(), action text NOT NULL,
          channel text NOT NULL, key_id text, role text, actor text NOT NULL,
          parameters jsonb NOT NULL, as_of timestamptz NOT NULL, rows integer, finished_at timestamptz)`,
      },
    ]);
    return new ResearchAudit(sql);
  }

  async record(requester: ResearchRequester, action: ResearchAction, parameters: Record<string, unknown>, asOf: Date): Promise<number> {
    const [row] = await this.sql.query<{ record_id: number }>(
      'INSERT INTO research_requests (action, channel, key_id, role, actor, parameters, as_of) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING record_id',
      [action, requester.channel, requester.keyId, requester.role, requester.actor, JSON.stringify(parameters), asOf.toISOString()],
    );
    return Number(row.record_id);
  }

  async finished(recordId: number, rows: number): Promise<void> {
    await this.sql.query('UPDATE research_requests SET rows = $2, finished_at = now() WHERE record_id = $1', [recordId, rows]);
  }

  /** The latest requests first. */
  async list(limit: number): Promise<ResearchRecord[]> {
    const rows = await this.sql.query<RecordRow>('SELECT * FROM research_requests ORDER BY record_id DESC LIMIT $1', [limit]);
    const iso = (value: Date | string) => new Date(value).toISOString();
    return rows.map((row) => ({
      recordId: Number(row.record_id),
      requestedAt: iso(row.requested_at),
      action: row.action,
      channel: row.channel,
      keyId: row.key_id,
      role: row.role,
      actor: row.actor,
      parameters: row.parameters,
      asOf: iso(row.as_of),
      rows: row.rows,
      finishedAt: row.finished_at === null ? null : iso(row.finished_at),
    }));
  }
}
