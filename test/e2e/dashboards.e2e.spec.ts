import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { createApp } from '@turnaround/all-in-one';
import { isRate, isRateSql, metricLabel, metricLabelSql, PROVISIONED_DIR } from '@turnaround/dashboards';
import { cataloguedMetricNames } from '@turnaround/domain';
import { waitUntil } from '@turnaround/domain/testing';
import { loadMetricCatalogues } from '@turnaround/feeds';
import { ApiKeys } from '@turnaround/platform';
import { createPgClient, SqlClient } from '@turnaround/postgres';
import { openScratchDatabase, serverUrlForTests } from '@turnaround/postgres/testing';
import { testConfig } from './support/app';
import { loadDemo } from './support/demo';
import { ALL, expandGrafanaSql, GrafanaVariable, Variables } from './support/grafana-sql';
import { httpClient } from './support/http-client';

jest.setTimeout(240_000);

interface Panel {
  title: string;
  type: string;
  targets: { rawSql: string; format: string }[];
  fieldConfig: { overrides: { matcher: { options: string }; properties: { id: string; value?: unknown }[] }[] };
}
/** A variable Grafana does not show (hide 2): its value follows from the others, so the test takes what its query answers. */
const isHidden = (variable: GrafanaVariable) => (variable as GrafanaVariable & { hide?: number }).hide === 2;
/** The columns a panel's links read from the row (`${__data.fields.Name}`, `${__data.fields["Name"]}`). */
function linkedFields(panel: Panel): string[] {
  const urls = panel.fieldConfig.overrides.flatMap((override) =>
    override.properties.filter((property) => property.id === 'links').flatMap((property) => (property.value as { url: string }[]).map((link) => link.url)),
  );
  return urls.flatMap((url) => [...url.matchAll(/\$\{__data\.fields(?:\.(\w+)|\["([^"]+)"\])\}/g)].map((match) => match[1] ?? match[2]));
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
  district: 'D-WEST',
  status: 'open',
};
/** Values picked together in a multi-value variable. */
const PICKED_SEVERAL: Record<string, string[]> = {
  district: ['D-EAST', 'D-WEST'],
  status: ['open', 'resolved'],
};
/**
 * How the variables are set for a run of the panels: each at its picked value; include-All
 * variables at All; multi-value variables at several values.
 */
type Picking = 'one value' | 'All' | 'several values';
/** The service's N_MIN here: not the default 10, so a dashboard that used a copy of the default would show it. */
const N_MIN = 12;
const RANGE = { from: new Date('2000-01-01T00:00:00Z'), to: new Date(Date.now() + 3_600_000) };

const dashboards = readdirSync(PROVISIONED_DIR)
  .filter((file) => file.endsWith('.json'))
  .map(
    (file) =>
      JSON.parse(readFileSync(join(PROVISIONED_DIR, file), 'utf8')) as { uid: string; title: string; panels: Panel[]; templating: { list: GrafanaVariable[] } },
  );

/** Every way a dashboard's variables can be set: one value each, and All and several values where a variable offers them. */
function pickingsOf(list: readonly GrafanaVariable[]): Picking[] {
  return [
    'one value',
    ...(list.some((variable) => variable.includeAll) ? (['All'] as const) : []),
    ...(list.some((variable) => variable.multi) ? (['several values'] as const) : []),
  ];
}

const serverUrl = serverUrlForTests();
(serverUrl ? describe : describe.skip)('Grafana dashboards: every provisioned query on the demo zone in real PostgreSQL (no Grafana server here)', () => {
  let database: SqlClient & { url: string };
  let app: INestApplication;
  let sql: SqlClient;
  let http: Awaited<ReturnType<typeof httpClient>>;
  let publicHttp: Awaited<ReturnType<typeof httpClient>>;

  beforeAll(async () => {
    database = await openScratchDatabase(serverUrl as string);
    app = await createApp(testConfig({ DATABASE_URL: database.url, N_MIN: String(N_MIN) }), { logger: false });
    http = await httpClient(app);
    await loadDemo(app, http.base);
    publicHttp = await httpClient(app, (await app.get(ApiKeys).issue({ kind: 'public' }, 'the public')).key);
    // A separate connection, as Grafana has.
    sql = createPgClient(database.url, { max: 1 });
  });
  afterAll(async () => {
    await sql?.close();
    await app?.close();
    await database?.close();
  });

  /**
   * The dashboard's variables in order, each offered what its own query answers with the ones
   * before it set, as Grafana sets them: a multi-value variable's value is a list even of one.
   */
  async function variablesOf(list: readonly GrafanaVariable[], picking: Picking): Promise<Variables> {
    const values: Variables = {};
    for (const variable of list) {
      const rows = await sql.query<Record<string, string>>(expandGrafanaSql(variable.query, values, RANGE));
      const options = rows.map((row) => String(row.__value ?? Object.values(row)[0]));
      const picked = isHidden(variable)
        ? options.slice(0, 1)
        : picking === 'several values' && variable.multi
          ? PICKED_SEVERAL[variable.name]
          : [PICKED[variable.name]];
      expect({ variable: variable.name, picked: picked.filter((value) => !options.includes(value)) }).toEqual({ variable: variable.name, picked: [] });
      const current = picking === 'All' && variable.includeAll ? ALL : variable.multi ? picked : picked[0];
      values[variable.name] = { variable, current, options };
    }
    return values;
  }

  describe.each(dashboards.map((dashboard) => [dashboard.title, dashboard] as const))('%s', (_, dashboard) => {
    const runs = dashboard.panels.flatMap((panel) => pickingsOf(dashboard.templating.list).map((picking) => [panel.title, picking, panel] as const));
    it.each(runs)('panel "%s" with %s picked returns rows with the columns it needs', async (_title, picking, panel) => {
      const variables = await variablesOf(dashboard.templating.list, picking);
      for (const target of panel.targets) {
        const rows = await sql.query<Record<string, unknown>>(expandGrafanaSql(target.rawSql, variables, RANGE));
        expect(rows.length).toBeGreaterThan(0);
        const columns = Object.keys(rows[0]);
        for (const override of panel.fieldConfig.overrides)
          expect({ pattern: override.matcher.options, matched: columns.some((column) => new RegExp(override.matcher.options).test(column)) }).toEqual({
            pattern: override.matcher.options,
            matched: true,
          });
        expect({ panel: panel.title, missing: linkedFields(panel).filter((name) => !columns.includes(name)) }).toEqual({ panel: panel.title, missing: [] });
        if (panel.type === 'timeseries') expect(columns).toContain('time');
        if (panel.type === 'barchart') {
          expect(columns.some((column) => typeof rows[0][column] === 'string')).toBe(true);
          expect(rows.some((row) => columns.some((column) => typeof row[column] === 'number'))).toBe(true);
        }
        if (panel.type === 'stat') expect(Object.values(rows[0]).every((value) => typeof value === 'number')).toBe(true);
      }
    });
  });

  const panelOf = (uid: string, title: string) => dashboards.find((dashboard) => dashboard.uid === uid)?.panels.find((panel) => panel.title === title) as Panel;

  it('shows the cluster roll-up the API computes', async () => {
    const panel = panelOf('tm-zone', '${metric:text} by cluster, $school_year');
    const variables = { zone: 'Z-DEMO', metric: 'proficiency.math', value_column: 'Rate', school_year: '2024-25' };
    const rows = await sql.query<{ Cluster: string; Rate: number }>(expandGrafanaSql(panel.targets[0].rawSql, variables, RANGE));
    const api: { metric: string; schoolYear: string; numerator: number; denominator: number }[] = (
      await publicHttp.get('/api/v1/clusters/C-HILL/metrics?year=2024-25')
    ).body;
    const math = api.find((reading) => reading.metric === 'proficiency.math') as { numerator: number; denominator: number };
    expect(rows.find((row) => row.Cluster === 'Hillcrest feeder pattern')?.Rate).toBeCloseTo(math.numerator / math.denominator, 4);
  });

  it('offers the metrics by the names people read, the SQL getting the id, and names every catalogued metric as the TypeScript does', async () => {
    const metric = dashboards
      .find((dashboard) => dashboard.uid === 'tm-zone')
      ?.templating.list.find((variable) => variable.name === 'metric') as GrafanaVariable;
    const options = await sql.query<{ __value: string; __text: string }>(expandGrafanaSql(metric.query, {}, RANGE));
    expect(options.length).toBeGreaterThan(1);
    expect(options.map((option) => option.__text)).toEqual(options.map((option) => metricLabel(option.__value)));
    expect(options.find((option) => option.__value === 'proficiency.math')?.__text).toBe('Math proficiency');
    const names = [
      ...cataloguedMetricNames(await loadMetricCatalogues()),
      'proficiency.world_languages',
      'indicator.state_own',
      'attendance_rate.x',
      'proficiency.',
      'no_such',
      "it's",
    ];
    const rows = await sql.query<{ metric: string; label: string; rate: boolean }>(
      `SELECT m AS metric, ${metricLabelSql('m')} AS label, ${isRateSql('m')} AS rate FROM unnest($1::text[]) AS m`,
      [names],
    );
    expect(rows).toEqual(names.map((name) => ({ metric: name, label: metricLabel(name), rate: isRate(name) })));
  });

  it('shows every contract year to the end of the term, renewals included, each with the worst status of its scorecard', async () => {
    const panel = panelOf('tm-state-overview', 'Contracts: status by contract year');
    const statuses = async (contractId: string) =>
      (
        await sql.query<Record<string, string | number | null>>(
          expandGrafanaSql(panel.targets[0].rawSql, { metric: 'x', value_column: 'Value', school_year: 'x' }, RANGE),
        )
      )
        .filter((row) => row.Contract === contractId)
        .map((row) => ({ year: row['Contract year'], schoolYear: row['School year'], status: row.Status }));
    const order = ['missed', 'at_risk', 'pending', 'on_track', 'met'];
    const fromScorecard = async (contractId: string) => {
      const card = (await http.get(`/api/v1/contracts/${contractId}/scorecard`)).body as {
        lines: { scope: string; contractYear: number; schoolYear: string; status: string }[];
      };
      const years = [...new Set(card.lines.map((line) => line.contractYear))].sort((a, b) => a - b);
      return years.map((year) => {
        const lines = card.lines.filter((line) => line.scope === 'cluster' && line.contractYear === year);
        return {
          year,
          schoolYear: lines[0]?.schoolYear,
          status: lines.map((line) => line.status).sort((a, b) => order.indexOf(a) - order.indexOf(b))[0] ?? null,
        };
      });
    };
    expect(await statuses('K-HILL')).toEqual(await fromScorecard('K-HILL'));

    // K-RIVER's 3-year term renewed by 2 years, with a cluster target for each added year
    const targets = [4, 5].map((contractYear) => ({ metric: 'attendance_rate', contractYear, kind: 'absolute', value: 0.92, scope: 'cluster' }));
    expect((await http.post('/api/v1/contracts/K-RIVER/renewals', { additionalYears: 2, targets })).status).toBeLessThan(300);
    const renewed = await waitUntil(
      () => statuses('K-RIVER'),
      (rows) => expect(rows.map((row) => row.year)).toEqual([1, 2, 3, 4, 5]),
    );
    expect(renewed.slice(3)).toEqual([
      { year: 4, schoolYear: '2026-27', status: 'pending' },
      { year: 5, schoolYear: '2027-28', status: 'pending' },
    ]);
    expect(renewed).toEqual(await fromScorecard('K-RIVER'));
  });

  it("withholds a value below the service's N_MIN, written in service_settings at its start: not a copy in the dashboard", async () => {
    expect(await sql.query(`SELECT value FROM service_settings WHERE name = 'n_min'`)).toEqual([{ value: String(N_MIN) }]);
    // The only two schools of 2019-20, both in no cluster: 11 tested would show under the default of 10; N_MIN is 12 here
    const math = (schoolId: string, tested: number) => ({
      schoolId,
      schoolYear: '2019-20',
      window: 'spring',
      assessment: 'state_test',
      subject: 'math',
      grade: 'all',
      studentGroup: 'all',
      tested,
      proficient: 5,
    });
    expect((await http.post('/api/v1/feeds/assessment', [math('CMP-SMALL', 11), math('CMP-LARGE', 30)])).body).toMatchObject({ accepted: 2 });
    const published = () =>
      sql.query<{ school_id: string; numerator: number | null; denominator: number | null; small_number: boolean; withheld: boolean }>(
        `SELECT school_id, numerator, denominator, small_number, withheld FROM published_school_metrics WHERE school_id IN ('CMP-SMALL', 'CMP-LARGE') AND metric = 'proficiency.math' ORDER BY school_id`,
      );
    // CMP-SMALL is small; CMP-LARGE is withheld beside it, or the state-wide total less the other schools would give it away
    await waitUntil(published, (rows) =>
      expect(rows).toEqual([
        { school_id: 'CMP-LARGE', numerator: null, denominator: null, small_number: false, withheld: true },
        { school_id: 'CMP-SMALL', numerator: null, denominator: null, small_number: true, withheld: true },
      ]),
    );
    expect(await sql.query(`SELECT denominator FROM school_metrics WHERE school_id = 'CMP-SMALL'`)).toEqual([{ denominator: 11 }]);
    // the API's public answer is the same
    for (const schoolId of ['CMP-SMALL', 'CMP-LARGE'])
      expect((await publicHttp.get(`/api/v1/schools/${schoolId}/metrics?year=2019-20`)).body).toEqual([
        expect.objectContaining({ numerator: null, denominator: null, withheld: true }),
      ]);
  });

  it('lists the zone schools with a feed overdue as GET /api/v1/feeds/coverage judges them, on the same day', async () => {
    const panel = panelOf('tm-zone', 'Zone schools with a feed overdue');
    const rows = await sql.query<Record<string, string | number>>(
      expandGrafanaSql(panel.targets[0].rawSql, { zone: 'Z-DEMO', metric: 'x', value_column: 'Value', school_year: 'x' }, RANGE),
    );
    type Coverage = { schoolId: string; feed: string; lastPeriodEnd: string | null; nextPeriod: string; dueBy: string; daysOverdue: number; overdue: boolean };
    const api = (await http.get(`/api/v1/feeds/coverage?zoneId=Z-DEMO&asOf=${RANGE.to.toISOString()}`)).body as Coverage[];
    // The demo's last reports: attendance to June 30, 2026, staffing on June 15, 2026, the state test of 2025-26.
    const valley = (feed: string) => api.find((row) => row.schoolId === 'VALLEY-2' && row.feed === feed);
    expect(valley('attendance')).toMatchObject({ lastPeriodEnd: '2026-06-30', nextPeriod: '2026-09', dueBy: '2026-10-15' });
    expect(valley('staffing')).toMatchObject({ lastPeriodEnd: '2026-06-15', nextPeriod: '2026-10', dueBy: '2026-11-30' });
    expect(valley('assessment')).toMatchObject({ lastPeriodEnd: '2026-06-30', nextPeriod: '2027-06', dueBy: '2027-09-30' });
    expect(new Set(api.map((row) => row.schoolId)).size).toBe(12);

    const shown = rows.map((row) => [row.School, row.Feed, row['Last period'], row['Next period'], row['Due by'], row['Days overdue']]);
    const late = api
      .filter((row) => row.overdue)
      .map((row) => [row.schoolId, row.feed, row.lastPeriodEnd ?? 'none', row.nextPeriod, row.dueBy, row.daysOverdue]);
    expect(late.length).toBeGreaterThan(0);
    expect(shown.sort()).toEqual(late.sort());
  });

  it('shows a value withheld or suppressed at its source as "suppressed" (NaN), and one never reported as "no data" (empty)', async () => {
    const panel = panelOf('tm-zone', '${metric:text} by school, $school_year');
    // the overrides: NaN reads "suppressed", empty reads "no data"
    const mappings = panel.fieldConfig.overrides
      .find((override) => override.matcher.options === '^(Rate|Value)$')
      ?.properties.find((property) => property.id === 'mappings')?.value;
    expect(mappings).toEqual([
      expect.objectContaining({ type: 'special', options: expect.objectContaining({ match: 'nan', result: expect.objectContaining({ text: 'suppressed' }) }) }),
      expect.objectContaining({ type: 'special', options: expect.objectContaining({ match: 'null', result: expect.objectContaining({ text: 'no data' }) }) }),
    ]);
    // one zone school's social studies, of 5 students: small, so withheld; the other zone schools reported none
    const [member] = await sql.query<{ school_id: string }>(
      `SELECT m.school_id FROM registry_memberships m JOIN registry_clusters c USING (cluster_id) WHERE c.zone_id = 'Z-DEMO' AND m.from_year <= '2024-25' AND (m.until_year IS NULL OR '2024-25' < m.until_year) ORDER BY m.school_id LIMIT 1`,
    );
    const socialStudies = {
      schoolId: member.school_id,
      schoolYear: '2024-25',
      window: 'spring',
      assessment: 'state_test',
      subject: 'social_studies',
      grade: 'all',
      studentGroup: 'all',
      tested: 5,
      proficient: 2,
    };
    expect((await http.post('/api/v1/feeds/assessment', [socialStudies])).body).toMatchObject({ accepted: 1 });
    await waitUntil(
      () =>
        sql.query(`SELECT withheld FROM published_school_metrics WHERE school_id = $1 AND metric = 'proficiency.social_studies' AND school_year = '2024-25'`, [
          member.school_id,
        ]),
      (rows) => expect(rows).toEqual([{ withheld: true }]),
    );
    const published = await sql.query<{
      school_id: string;
      metric: string;
      school_year: string;
      numerator: number | null;
      denominator: number | null;
      withheld: boolean;
      suppressed: boolean;
    }>(
      `SELECT p.school_id, p.metric, p.school_year, p.numerator, p.denominator, p.withheld, p.suppressed FROM published_school_metrics p
       WHERE p.school_id IN (SELECT m.school_id FROM registry_memberships m JOIN registry_clusters c USING (cluster_id) WHERE c.zone_id = 'Z-DEMO')`,
    );
    const metric = 'proficiency.social_studies';
    const shown = (year: string) =>
      sql.query<{ School: string; Rate: number | null }>(
        expandGrafanaSql(panel.targets[0].rawSql, { zone: 'Z-DEMO', metric, value_column: 'Rate', school_year: year }, RANGE),
      );
    const rows = await shown('2024-25');
    for (const row of rows) {
      const value = published.find((p) => p.school_id === row.School && p.metric === metric && p.school_year === '2024-25');
      const expected = !value
        ? null
        : value.withheld || value.suppressed
          ? NaN
          : value.denominator
            ? expect.closeTo((value.numerator as number) / value.denominator, 4)
            : null;
      expect({ school: row.School, value: row.Rate }).toEqual({ school: row.School, value: expected });
    }
    expect(rows.find((row) => row.School === member.school_id)?.Rate).toBeNaN();
    expect(rows.filter((row) => row.Rate === null).length).toBeGreaterThan(0);
    // a year the zone schools have not reported: every one "no data", none "suppressed"
    const later = await shown('2039-40');
    expect(later.length).toBeGreaterThan(0);
    expect(later.every((row) => row.Rate === null)).toBe(true);
  });
});
