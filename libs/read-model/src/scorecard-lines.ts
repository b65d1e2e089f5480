import { migrate, SqlClient } from '@turnaround/postgres';
import { Scorecard } from './scorecard-reader';

/**
 * `scorecard_lines`: every contract's scorecard as the alerting service last evaluated it,
 * one row per target line (school or cluster, metric, contract year) with threshold, actual and
 * status. The dashboards read statuses here, so a status on a dashboard is always the domain's
 * (DESIGN.md section 7), never a second rule written in SQL. A contract's lines are replaced
 * whole, in one transaction, each time it is evaluated.
 */
export class ScorecardLines {
  private constructor(private readonly sql: SqlClient) {}

  static async create(sql: SqlClient): Promise<ScorecardLines> {
    await migrate(sql, 'scorecard-lines', [
      {
        id: '0001-scorecard-lines',
        sql: `
          CREATE TABLE scorecard_lines (
            contract_id text NOT NULL, partner_id text NOT NULL, cluster_id text NOT NULL, contract_status text NOT NULL,
            scope text NOT NULL CHECK (scope IN ('school', 'cluster')), subject_id text NOT NULL, metric text NOT NULL,
            contract_year integer NOT NULL, school_year text NOT NULL, kind text NOT NULL,
            status text NOT NULL, threshold double precision, baseline double precision, actual double precision,
            evidence text NOT NULL, reason text, schools_counted integer, schools_missed integer,
            evaluated_at timestamptz NOT NULL,
            PRIMARY KEY (contract_id, scope, subject_id, metric, contract_year, kind));
          CREATE INDEX scorecard_lines_cluster ON scorecard_lines (cluster_id, contract_year);`,
      },
    ]);
    return new ScorecardLines(sql);
  }

  async save(scorecard: Scorecard, evaluatedAt: Date): Promise<void> {
    const lines = scorecard.lines;
    await this.sql.transaction(async (tx) => {
      await tx.query('DELETE FROM scorecard_lines WHERE contract_id = $1', [scorecard.contractId]);
      if (lines.length === 0) return;
      await tx.query(
        `INSERT INTO scorecard_lines (contract_id, partner_id, cluster_id, contract_status, scope, subject_id, metric, contract_year,
           school_year, kind, status, threshold, baseline, actual, evidence, reason, schools_counted, schools_missed, evaluated_at)
         SELECT $1, $2, $3, $4, *, $17::timestamptz FROM unnest($5::text[], $6::text[], $7::text[], $8::int[], $9::text[], $10::text[], $11::text[],
           $12::float8[], $13::float8[], $14::float8[], $15::text[], $16::text[], $18::int[], $19::int[])
           AS l(scope, subject_id, metric, contract_year, school_year, kind, status, threshold, baseline, actual, evidence, reason, counted, missed)`,
        [
          scorecard.contractId,
          scorecard.partnerId,
          scorecard.clusterId,
          scorecard.status,
          lines.map((line) => line.scope),
          lines.map((line) => line.subjectId),
          lines.map((line) => line.metric),
          lines.map((line) => line.contractYear),
          lines.map((line) => line.schoolYear),
          lines.map((line) => line.kind),
          lines.map((line) => line.status),
          lines.map((line) => line.threshold),
          lines.map((line) => line.baseline),
          lines.map((line) => line.actual),
          lines.map((line) => line.evidence),
          lines.map((line) => line.reason ?? null),
          evaluatedAt.toISOString(),
          lines.map((line) => line.schools?.counted ?? null),
          lines.map((line) => line.schools?.missed ?? null),
        ],
      );
    });
  }
}
