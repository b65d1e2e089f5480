import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { lockMigrations, SqlClient, SqlExecutor } from '@turnaround/postgres';
import { TurnaroundConfig } from './config';
import { SERVICE_SETTINGS_TABLE, writeServiceSettings } from './service-settings';
import { SQL_CLIENT, TURNAROUND_CONFIG } from './tokens';

/** The database role Grafana reads with (infra/timescaledb/init/10-grafana-reader.sql). */
export const DASHBOARD_READER_ROLE = 'grafana_reader';

/**
 * Every table and view the dashboards (dashboards/src) read, and all the dashboards' role may
 * read. A panel over a table not listed here fails `test/e2e/dashboard-reader.e2e.spec.ts`; add
 * the table here. Never list the API keys, webhooks and their deliveries, feed batches and
 * rejected rows, or the event log: those stay out of the dashboards' reach.
 */
export const DASHBOARD_READS = [
  'registry_zones',
  'registry_clusters',
  'registry_schools',
  'registry_memberships',
  'registry_partners',
  'registry_contracts',
  'school_metrics',
  'school_metric_history',
  'metric_changes_daily',
  'scorecard_lines',
  'alerts',
  'feed_records',
  SERVICE_SETTINGS_TABLE,
] as const;

/**
 * Writes the settings the dashboards read (`service_settings`), then grants the dashboards'
 * role SELECT on DASHBOARD_READS (grantDashboardReads) each time the service starts (after
 * every module has created its tables).
 */
@Injectable()
export class DashboardReads implements OnApplicationBootstrap {
  private readonly logger = new Logger('DashboardReads');

  constructor(
    @Inject(SQL_CLIENT) private readonly sql: SqlClient,
    @Inject(TURNAROUND_CONFIG) private readonly config: TurnaroundConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await writeServiceSettings(this.sql, this.config);
    const [role] = await this.sql.query<{ reads_all: boolean }>(`SELECT pg_has_role(rolname, 'pg_read_all_data', 'MEMBER') AS reads_all FROM pg_roles WHERE rolname = $1`, [
      DASHBOARD_READER_ROLE,
    ]);
    if (!role) return;
    // A role made by the init script of an earlier release reads everything: take that back.
    if (role.reads_all)
      await this.sql.query(`REVOKE pg_read_all_data FROM ${DASHBOARD_READER_ROLE}`).catch((error: unknown) =>
        this.logger.error(`${DASHBOARD_READER_ROLE} reads API keys, webhook secrets and the event log through pg_read_all_data, and this service may not revoke it (${String(error)}): run REVOKE pg_read_all_data FROM ${DASHBOARD_READER_ROLE}`),
      );
    await this.sql.transaction(grantDashboardReads);
  }
}

/**
 * Grants the dashboards' role SELECT on those of DASHBOARD_READS that exist, table by table:
 * at start, and in the transaction of `turnaround replay` that puts rebuilt tables in place of
 * the live ones. Nothing is granted by default privileges or `pg_read_all_data`, so a table
 * added later stays closed until listed. Where the role does not exist (PGlite, a server
 * without Grafana) there is nothing to grant.
 */
export async function grantDashboardReads(tx: SqlExecutor): Promise<void> {
  if ((await tx.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [DASHBOARD_READER_ROLE])).length === 0) return;
  // Under the migrations' lock: two instances granting on one table at once fail with "tuple concurrently updated".
  await lockMigrations(tx);
  const present = await tx.query<{ name: string }>('SELECT name FROM unnest($1::text[]) AS name WHERE to_regclass(name) IS NOT NULL', [DASHBOARD_READS]);
  if (present.length > 0) await tx.query(`GRANT SELECT ON ${present.map((table) => `"${table.name}"`).join(', ')} TO ${DASHBOARD_READER_ROLE}`);
}
