import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { createApp } from '@turnaround/all-in-one';
import { PROVISIONED_DIR, shownRate } from '@turnaround/dashboards';
import { loadDemo } from '@turnaround/demo';
import { createPgClient, SqlClient } from '@turnaround/postgres';
import { openScratchDatabase, serverUrlForTests } from '@turnaround/postgres/testing';
import { TEST_STATE_KEY, testConfig } from './support/app';
import { expandGrafanaSql } from './support/grafana-sql';
import { httpClient } from './support/http-client';

jest.setTimeout(240_000);

interface Panel {
  title: string;
  type: string;
  targets: { rawSql: string; format: string }[];
  fieldConfig: { overrides: { matcher: { options: string }; properties: { id: string }[] }[] };
}
interface Variable {
  type: 'query' | 'constant';
  name: string;
  query: string;
  includeAll: boolean;
}

/** Values a state-office user would pick in the demo zone; each must be among the variable's options. */
const PICKED: Record<string, string> = {
  zone: 'Z-DEMO',
  cluster: 'C-HILL', // Hillcrest Academy joins it in contract year 2
  partner: 'P-HILLTOP',
  contract: 'K-HILL',
  school: 'VALLEY-2',
  metric: 'proficiency.math',
  school_year: '2024-25',
  district: 'All',
  status: 'All',
};
const RANGE = { from: new Date('2000-01-01T00:00:00Z'), to: new Date(Date.now() + 3_600_000) };

const dashboards = readdirSync(PROVISIONED_DIR)
  .filter((file) => file.endsWith('.json'))
  .map((file) => JSON.parse(readFileSync(join(PROVISIONED_DIR, file), 'utf8')) as { uid: string; title: string; panels: Panel[]; templating: { list: Variable[] } });

const serverUrl = serverUrlForTests();
(serverUrl ? describe : describe.skip)('Grafana dashboards: every provisioned query on the demo zone in real PostgreSQL (no Grafana server here)', () => {
  let database: SqlClient & { url: string };
  let app: INestApplication;
  let sql: SqlClient;
  let http: Awaited<ReturnType<typeof httpClient>>;

  beforeAll(async () => {
    database = await openScratchDatabase(serverUrl as string);
    app = await createApp(testConfig({ DATABASE_URL: database.url }), { logger: false });
    http = await httpClient(app);
    await loadDemo(app, http.base, TEST_STATE_KEY);
    // A separate connection, as Grafana has.
    sql = createPgClient(database.url, { max: 1 });
  });
  afterAll(async () => {
    await sql?.close();
    await app?.close();
    await database?.close();
  });

  /** The dashboard's variables in order, each from its own query with the ones before it expanded. */
  async function variablesOf(list: Variable[]): Promise<Record<string, string>> {
    const values: Record<string, string> = {};
    for (const variable of list) {
      if (variable.type === 'constant') {
        values[variable.name] = variable.query;
        continue;
      }
      const rows = await sql.query<Record<string, string>>(expandGrafanaSql(variable.query, values, RANGE));
      const options = rows.map((row) => String(row.__value ?? Object.values(row)[0]));
      const picked = PICKED[variable.name];
      expect({ variable: variable.name, picked, offered: options.includes(picked) || (variable.includeAll && picked === 'All') }).toEqual({
        variable: variable.name,
        picked,
        offered: true,
      });
      values[variable.name] = picked;
    }
    return values;
  }

  describe.each(dashboards.map((dashboard) => [dashboard.title, dashboard] as const))('%s', (_, dashboard) => {
    it.each(dashboard.panels.map((panel) => [panel.title, panel] as const))('panel "%s" returns rows with the columns it needs', async (_title, panel) => {
      const variables = await variablesOf(dashboard.templating.list);
      for (const target of panel.targets) {
        const rows = await sql.query<Record<string, unknown>>(expandGrafanaSql(target.rawSql, variables, RANGE));
        expect(rows.length).toBeGreaterThan(0);
        const columns = Object.keys(rows[0]);
        for (const override of panel.fieldConfig.overrides)
          expect({ pattern: override.matcher.options, matched: columns.some((column) => new RegExp(override.matcher.options).test(column)) }).toEqual({
            pattern: override.matcher.options,
            matched: true,
          });
        if (panel.type === 'timeseries') expect(columns).toContain('time');
        if (panel.type === 'barchart') {
          expect(columns.some((column) => typeof rows[0][column] === 'string')).toBe(true);
          expect(rows.some((row) => columns.some((column) => typeof row[column] === 'number'))).toBe(true);
        }
        if (panel.type === 'stat') expect(Object.values(rows[0]).every((value) => typeof value === 'number')).toBe(true);
      }
    });
  });

  it('shows the cluster roll-up the API computes, and each contract year of K-HILL with the status of its scorecard', async () => {
    const zone = dashboards.find((dashboard) => dashboard.uid === 'tm-zone');
    const panel = zone?.panels.find((candidate) => candidate.title === '$metric by cluster, $school_year') as Panel;
    const variables = { zone: 'Z-DEMO', metric: 'proficiency.math', school_year: '2024-25', n_min: '10' };
    const rows = await sql.query<{ Cluster: string; Value: number }>(expandGrafanaSql(panel.targets[0].rawSql, variables, RANGE));
    const api: { metric: string; schoolYear: string; numerator: number; denominator: number }[] = (await http.get('/api/v1/clusters/C-HILL/metrics?year=2024-25')).body;
    const math = api.find((reading) => reading.metric === 'proficiency.math') as { numerator: number; denominator: number };
    expect(rows.find((row) => row.Cluster === 'Hillcrest feeder pattern')?.Value).toBeCloseTo(math.numerator / math.denominator, 4);

    const card = (await http.get('/api/v1/contracts/K-HILL/scorecard')).body as { lines: { scope: string; contractYear: number; status: string }[] };
    const overview = dashboards.find((dashboard) => dashboard.uid === 'tm-state-overview');
    const statuses = overview?.panels.find((candidate) => candidate.title === 'Contracts: status by contract year') as Panel;
    const [row] = (await sql.query<Record<string, string>>(expandGrafanaSql(statuses.targets[0].rawSql, { metric: 'x', school_year: 'x', n_min: '10' }, RANGE))).filter(
      (candidate) => candidate.Contract === 'K-HILL',
    );
    const order = ['missed', 'at_risk', 'pending', 'on_track', 'met'];
    for (const year of [1, 2, 3]) {
      const worst = card.lines
        .filter((line) => line.scope === 'cluster' && line.contractYear === year)
        .map((line) => line.status)
        .sort((a, b) => order.indexOf(a) - order.indexOf(b))[0];
      expect({ year, status: row[`Year ${year}`] }).toEqual({ year, status: worst });
    }
  });

  it('shows a rate as suppressed when the source suppressed it or its denominator is below n_min, and a count indicator as it is', async () => {
    const rows = await sql.query<{ shown: string | null }>(
      expandGrafanaSql(
        `SELECT ${shownRate('n', 'd', 'm')} AS shown FROM (VALUES (NULL::float8, 30::float8, 'proficiency.math'), (5, 8, 'proficiency.math'), (3, 1, 'indicator.visits'), (12, 40, 'proficiency.math')) v(n, d, m)`,
        { n_min: '10' },
        RANGE,
      ),
    );
    expect(rows.map((row) => (row.shown === null ? null : Number(row.shown)))).toEqual([null, null, 3, 0.3]);
  });
});
