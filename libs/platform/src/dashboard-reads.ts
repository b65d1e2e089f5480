import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { MetricCatalogues } from '@turnaround/domain';
import { lockMigrations, SqlClient, SqlExecutor } from '@turnaround/postgres';
import { createPublishedViews } from '@turnaround/read-model';
import { TurnaroundConfig } from './config';
import { SERVICE_SETTINGS_TABLE, writeServiceSettings } from './service-settings';
import { METRIC_CATALOGUES, SQL_CLIENT, TURNAROUND_CONFIG } from './tokens';

/** The database role Grafana reads with (infra/timescaledb/init/10-grafana-reader.sql). */
export const DASHBOARD_READER_ROLE = 'grafana_reader';

/**
 * Every table and view the dashboards (dashboards/src) read, and all the dashboards' role may
 * read. A panel over a table not listed here fails `test/e2e/dashboard-reader.e2e.spec.ts`; add
 * the table here. Never list the API keys, webhooks and their deliveries, feed batches and
 * rejected rows, or the event log: those stay out of the dashboards' reach. Nor the raw metrics
 * and feed records (`school_metrics`, `school_metric_history`, `feed_records`), which hold small
 * numbers: the dashboards read the views over them that withhold what the public may not see
 * (libs/read-model/src/metrics/published-metrics.views.ts).
 */
export const DASHBOARD_READS = [
  'registry_zones',
  'registry_clusters',
  'registry_schools',
  'registry_memberships',
  'registry_partners',
  'registry_contracts',
  'published_school_metrics',
  'published_school_metric_history',
  'published_cluster_metrics',
  'published_state_metrics',
  'metric_changes_daily',
  'scorecard_lines',
  'alerts',
  'feed_coverage_history',
  SERVICE_SETTINGS_TABLE,
] as const;

/**
 * Writes the settings the dashboards read (`service_settings`), then makes the dashboards'
 * views and grants the dashboards' role SELECT on DASHBOARD_READS (grantDashboardReads) each
 * time the service starts (after every module has created its tables).
 */
@Injectable()
export class DashboardReads implements OnApplicationBootstrap {
  private readonly logger = new Logger('DashboardReads');

  constructor(
    @Inject(SQL_CLIENT) private readonly sql: SqlClient,
    @Inject(TURNAROUND_CONFIG) private readonly config: TurnaroundConfig,
    @Inject(METRIC_CATALOGUES) private readonly catalogues: MetricCatalogues,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await writeServiceSettings(this.sql, this.config, this.catalogues);
    const [role] = await this.sql.query<{ reads_all: boolean }>(
      `SELECT pg_has_role(rolname, 'pg_read_all_data', 'MEMBER') AS reads_all FROM pg_roles WHERE rolname = $1`,
      [DASHBOARD_READER_ROLE],
    );
    // A role made by the init script of an earlier release reads everything: take that back.
    if (role?.reads_all)
      await this.sql
        .query(`REVOKE pg_read_all_data FROM ${DASHBOARD_READER_ROLE}`)
        .catch((error: unknown) =>
          this.logger.error(
            `${DASHBOARD_READER_ROLE} reads API keys, webhook secrets and the event log through pg_read_all_data, and this service may not revoke it (${String(error)}): run REVOKE pg_read_all_data FROM ${DASHBOARD_READER_ROLE}`,
          ),
        );
    await this.sql.transaction(grantDashboardReads);
  }
}

/**
 * Makes the dashboards' views (`createPublishedViews`), then grants the dashboards' role SELECT
 * on those of DASHBOARD_READS that exist, table by table, and takes back SELECT on every other
 * table and view of the schema (an earlier release granted the raw metrics): at start, and in
 * the transaction of `turnaround replay` that puts rebuilt tables in place of the live ones
 * (which drops the views over the old ones). Nothing is granted by default privileges or
 * `pg_read_all_data`, so a table added later stays closed until listed. Where the role does
 * not exist (PGlite, a server without Grafana) the views are made and there is nothing to grant.
 */
export async function grantDashboardReads(tx: SqlExecutor): Promise<void> {
  // Under the migrations' lock: two instances making the views or granting on one table at once fail with "tuple concurrently updated".
  await lockMigrations(tx);
  await createPublishedViews(tx);
  if ((await tx.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [DASHBOARD_READER_ROLE])).length === 0) return;
  const granted = await tx.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm') AND c.relname <> ALL($1::text[]) AND has_table_privilege($2, c.oid, 'SELECT')`,
    [DASHBOARD_READS, DASHBOARD_READER_ROLE],
  );
  if (granted.length > 0) await tx.query(`REVOKE SELECT ON ${granted.map((table) => `"${table.name}"`).join(', ')} FROM ${DASHBOARD_READER_ROLE}`);
  const present = await tx.query<{ name: string }>('SELECT name FROM unnest($1::text[]) AS name WHERE to_regclass(name) IS NOT NULL', [DASHBOARD_READS]);
  if (present.length > 0) await tx.query(`GRANT SELECT ON ${present.map((table) => `"${table.name}"`).join(', ')} TO ${DASHBOARD_READER_ROLE}`);
}
