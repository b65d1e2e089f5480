import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { createApp } from '@turnaround/all-in-one';
import { PROVISIONED_DIR } from '@turnaround/dashboards';
import { waitUntil } from '@turnaround/domain/testing';
import { ApiKeys, DASHBOARD_READER_ROLE, DASHBOARD_READS, grantDashboardReads } from '@turnaround/platform';
import { createPgClient, SqlClient } from '@turnaround/postgres';
import { openScratchDatabase, serverUrlForTests } from '@turnaround/postgres/testing';
import { testConfig } from './support/app';
import { ALL, expandGrafanaSql, GrafanaVariable } from './support/grafana-sql';
import { httpClient } from './support/http-client';
import { attendance2023, registerOneClusterZone } from './support/one-cluster-zone';

jest.setTimeout(120_000);

/** What docs/architecture.md#operations-and-security keeps from the dashboards: keys, secrets, deliveries, rejected rows, the event log. */
const SECRET_TABLES = ['api_keys', 'webhooks', 'webhook_deliveries', 'feed_rejections', 'feed_batches', 'es_events', 'es_streams'];
/** The raw metrics and feed records, small numbers and all: the dashboards read the views that withhold them. */
const RAW_TABLES = ['school_metrics', 'school_metric_history', 'feed_records'];

interface Dashboard {
  title: string;
  panels: { title: string; targets?: { rawSql: string }[] }[];
  templating: { list: GrafanaVariable[] };
}
const dashboards = readdirSync(PROVISIONED_DIR)
  .filter((file) => file.endsWith('.json'))
  .map((file) => JSON.parse(readFileSync(join(PROVISIONED_DIR, file), 'utf8')) as Dashboard);
const RANGE = { from: new Date('2000-01-01T00:00:00Z'), to: new Date(Date.now() + 3_600_000) };

const serverUrl = serverUrlForTests();
(serverUrl ? describe : describe.skip)(`the dashboards' database role (${DASHBOARD_READER_ROLE}) reads the read model and nothing else`, () => {
  let database: SqlClient & { url: string };
  let app: INestApplication;
  let reader: SqlClient;

  beforeAll(async () => {
    database = await openScratchDatabase(serverUrl as string);
    // The role as an earlier release's init script made it (roles belong to the server, so it may be there already).
    await database.query(`DO $$ BEGIN CREATE ROLE ${DASHBOARD_READER_ROLE} LOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`);
    await database.query(`GRANT pg_read_all_data TO ${DASHBOARD_READER_ROLE}`);
    app = await createApp(testConfig({ DATABASE_URL: database.url, WEBHOOK_ALLOWED_HOSTS: '127.0.0.1:9' }), { logger: false });
    // Rows in the tables the role must not read: a key, a webhook and its deliveries, a rejected row, events.
    await app.get(ApiKeys).issue({ kind: 'researcher' }, 'a researcher');
    const http = await httpClient(app);
    await registerOneClusterZone(http, [['S1', 'D1']]);
    await http.post('/api/v1/districts/D1/webhooks', { url: 'http://127.0.0.1:9/', secret: 'a-shared-secret-of-district-one' });
    await http.post('/api/v1/feeds/attendance', [attendance2023('S1', 900), { ...attendance2023('S2', 900), attendanceDays: 'many' }]);
    // S1's missed year raises an alert, which the outbox turns into a delivery
    await waitUntil(
      () => database.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_deliveries'),
      ([row]) => expect(row.n).toBeGreaterThan(0),
    );
    const url = new URL(database.url);
    url.username = DASHBOARD_READER_ROLE;
    url.password = '';
    reader = createPgClient(url.toString(), { max: 1 });
  });
  afterAll(async () => {
    await reader?.close();
    await app?.close();
    await database?.close();
  });

  it('runs every query of every provisioned dashboard', async () => {
    const failed: string[] = [];
    for (const dashboard of dashboards) {
      // Permissions are checked when a query is planned, so any value of the right type serves.
      const variables = Object.fromEntries(
        dashboard.templating.list.map((variable) => [variable.name, variable.includeAll ? { variable, current: ALL, options: [] } : 'All']),
      );
      const queries = [
        ...dashboard.templating.list
          .filter((variable) => variable.type === 'query')
          .map((variable) => ({ what: `variable ${variable.name}`, sql: variable.query })),
        ...dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ what: `panel "${panel.title}"`, sql: target.rawSql }))),
      ];
      for (const query of queries)
        await reader
          .query(expandGrafanaSql(query.sql, variables, RANGE))
          .catch((error: Error) => failed.push(`${dashboard.title}, ${query.what}: ${error.message}`));
    }
    expect(failed).toEqual([]);
  });

  it('is refused the keys, secrets, deliveries, rejected rows and the event log, and every table not granted', async () => {
    for (const table of SECRET_TABLES) {
      expect((await database.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0].n).toBeGreaterThan(0);
      await expect(reader.query(`SELECT * FROM ${table} LIMIT 1`)).rejects.toThrow(`permission denied for table ${table}`);
    }
    // A table made after the service started is closed too: no default privileges open it.
    await database.query('CREATE TABLE made_later (secret text)');
    await expect(reader.query('SELECT * FROM made_later')).rejects.toThrow('permission denied for table made_later');
    const readable = await database.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm') AND has_table_privilege($1, c.oid, 'SELECT')`,
      [DASHBOARD_READER_ROLE],
    );
    expect(readable.map((row) => row.name).sort()).toEqual([...DASHBOARD_READS].sort());
    expect(
      (await database.query<{ member: boolean }>(`SELECT pg_has_role($1, 'pg_read_all_data', 'MEMBER') AS member`, [DASHBOARD_READER_ROLE]))[0].member,
    ).toBe(false);
  });

  it('reads the metrics only through the views that withhold small numbers, never the raw tables, even where an earlier release granted them', async () => {
    await database.query(`GRANT SELECT ON ${RAW_TABLES.join(', ')} TO ${DASHBOARD_READER_ROLE}`);
    // as the service does at its next start
    await database.transaction(grantDashboardReads);
    for (const table of RAW_TABLES) {
      expect((await database.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0].n).toBeGreaterThan(0);
      await expect(reader.query(`SELECT * FROM ${table} LIMIT 1`)).rejects.toThrow(`permission denied for table ${table}`);
    }
    expect(await reader.query(`SELECT school_id, metric FROM published_school_metrics ORDER BY school_id, metric`)).toEqual([
      { school_id: 'S1', metric: 'attendance_rate' },
    ]);
    expect(await reader.query(`SELECT school_id, feed FROM feed_coverage_history`)).toEqual([{ school_id: 'S1', feed: 'attendance' }]);
  });
});
