import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { createApp } from '@turnaround/all-in-one';
import { manualClock } from '@turnaround/domain';
import { ApiKeys } from '@turnaround/platform';
import { testConfig } from './support/app';
import { httpClient } from './support/http-client';
import { BETWEEN_THE_PUSHES, pushTwoYears, registerOneClusterZone, registerSecondZone } from './support/one-cluster-zone';
import { webClient } from './support/web-client';
import { chartTables, dataValues, text } from './support/web-pages';

jest.setTimeout(180_000);

type Line = {
  scope: string;
  kind: string;
  subjectId: string;
  metric: string;
  contractYear: number;
  schoolYear: string;
  status: string;
  threshold: number | null;
  actual: number | null;
};
type Reading = { metric: string; schoolYear: string; rate: number | null; denominator: number | null; smallNumber: boolean };
type Api = Awaited<ReturnType<typeof httpClient>>;

/** The page's scorecard rows: per line, its status and the data-values of target, actual and n. */
function scorecardRows(html: string): Map<string, { status: string; values: string[] }> {
  const rows = new Map<string, { status: string; values: string[] }>();
  const pattern = /<tr data-contract="([^"]+)" data-scope="(\w+)" data-subject="([^"]+)" data-metric="([^"]+)" data-contract-year="(\d+)">([\s\S]*?)<\/tr>/g;
  for (const [, contractId, scope, subjectId, metric, contractYear, row] of html.matchAll(pattern))
    rows.set(`${contractId}|${scope}|${subjectId}|${metric}|${contractYear}`, {
      status: /data-status="(\w+)"/.exec(row)?.[1] ?? '',
      values: dataValues(row),
    });
  return rows;
}

/** What the page must show for each API line: its status, target, actual and its subject's n that year. */
function expectedRows(contractId: string, lines: Line[], readingsOf: (line: Line) => Reading[] | undefined): Map<string, { status: string; values: string[] }> {
  return new Map(
    lines.map((line) => {
      const reading = readingsOf(line)?.find((candidate) => candidate.metric === line.metric && candidate.schoolYear === line.schoolYear);
      return [
        `${contractId}|${line.scope}|${line.subjectId}|${line.metric}|${line.contractYear}`,
        { status: line.status, values: [text(line.threshold), text(line.actual), text(reading?.denominator)] },
      ];
    }),
  );
}

/**
 * The chart tables hold exactly the API's metrics: each value and n by metric and school year,
 * and in every row the state average as `GET /api/v1/state/metrics` answers as of the same date.
 */
function expectChartsToEqual(html: string, readings: Reading[], states: Reading[]): void {
  const tables = chartTables(html);
  expect([...tables.keys()].sort()).toEqual([...new Set(readings.map((reading) => reading.metric))].sort());
  for (const reading of readings)
    expect([reading.metric, reading.schoolYear, tables.get(reading.metric)?.get(reading.schoolYear)?.slice(0, 2)]).toEqual([
      reading.metric,
      reading.schoolYear,
      [text(reading.rate), text(reading.denominator)],
    ]);
  for (const [metric, rows] of tables)
    for (const [schoolYear, values] of rows)
      expect([metric, schoolYear, values[3]]).toEqual([
        metric,
        schoolYear,
        text(states.find((reading) => reading.metric === metric && reading.schoolYear === schoolYear)?.rate),
      ]);
}

/**
 * World one (registerOneClusterZone): zone Z, cluster C of S1 (D1), S2 (D2), S3 (D1), partner P's
 * contract K with a school attendance target for year one. World two, nobody's of D1 or P: zone
 * Z2, cluster C2 of S4 (D2), partner P2's contract K2. Attendance of 2022-23 is pushed first,
 * then 2023-24's, so a page as known between the two shows one year.
 */
describe('the web app: zone, cluster, contract and partner pages with trend charts, as the API answers', () => {
  let dataDir: string;
  let app: INestApplication;
  let base: string;
  let state: Api;
  let between: string;
  const keys = { state: '', district: '', partner: '' };

  const clock = manualClock('2024-07-01T00:00:00.000Z');

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'turnaround-web-subjects-'));
    app = await createApp(testConfig({ DATA_DIR: dataDir }), { logger: false, clock });
    state = await httpClient(app);
    base = state.base;
    await registerOneClusterZone(state, [
      ['S1', 'D1'],
      ['S2', 'D2'],
      ['S3', 'D1'],
    ]);
    await registerSecondZone(state);
    await pushTwoYears(state, clock);
    between = BETWEEN_THE_PUSHES;
    const apiKeys = app.get(ApiKeys);
    keys.state = (await apiKeys.issue({ kind: 'state' }, 'Ada Lovelace, State Turnaround Office')).key;
    keys.district = (await apiKeys.issue({ kind: 'district', districtId: 'D1' }, 'Springfield district office')).key;
    keys.partner = (await apiKeys.issue({ kind: 'partner', partnerId: 'P' }, 'Partner P lead')).key;
  });
  afterAll(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Signs in through the form with the key; the page client and the API client of the same key. */
  async function as(key: string): Promise<{ browser: ReturnType<typeof webClient>; api: Api }> {
    const browser = webClient(base);
    expect((await browser.signIn(key)).status).toBe(303);
    return { browser, api: await httpClient(app, key) };
  }

  /** Every number of the zone, cluster, contract, partner and school pages equals the API's answer to the same call for the key's holder. */
  async function expectPagesToEqualApi(key: string, asOf: string | undefined): Promise<void> {
    const { browser, api } = await as(key);
    const query = asOf ? `?asOf=${encodeURIComponent(asOf)}` : '';
    const read = async <T>(path: string) => (await api.get(`${path}${query}`)).body as T;
    const scorecard = await read<{ lines: Line[] }>('/api/v1/contracts/K/scorecard');
    const clusterReadings = await read<Reading[]>('/api/v1/clusters/C/metrics');
    const states = await read<Reading[]>('/api/v1/state/metrics');
    const schoolReadings = new Map<string, Reading[]>();
    for (const schoolId of new Set(scorecard.lines.filter((line) => line.scope === 'school').map((line) => line.subjectId)))
      schoolReadings.set(schoolId, await read<Reading[]>(`/api/v1/schools/${schoolId}/metrics`));
    const readingsOf = (line: Line) => (line.scope === 'cluster' ? clusterReadings : schoolReadings.get(line.subjectId));
    const clusterLines = scorecard.lines.filter((line) => line.scope === 'cluster');

    const contract = await browser.get(`/contracts/K${query}`);
    expect(contract.status).toBe(200);
    expect(scorecardRows(contract.html)).toEqual(expectedRows('K', scorecard.lines, readingsOf));

    const cluster = await browser.get(`/clusters/C${query}`);
    expect(cluster.status).toBe(200);
    expect(scorecardRows(cluster.html)).toEqual(expectedRows('K', clusterLines, readingsOf));
    expectChartsToEqual(cluster.html, clusterReadings, states);
    // the cluster's chart draws its target line where a cluster line of the metric has a value and a threshold (a majority line's threshold is a share of schools, not the metric)
    for (const line of clusterLines.filter(
      (candidate) =>
        candidate.threshold !== null && candidate.kind !== 'school_majority' && clusterReadings.some((reading) => reading.metric === candidate.metric),
    ))
      expect(chartTables(cluster.html).get(line.metric)?.get(line.schoolYear)?.[2]).toBe(String(line.threshold));

    const zone = await browser.get(`/zones/Z${query}`);
    expect(zone.status).toBe(200);
    expect(scorecardRows(zone.html)).toEqual(expectedRows('K', clusterLines, readingsOf));
    expectChartsToEqual(zone.html, await read<Reading[]>('/api/v1/zones/Z/metrics'), states);
    expect(zone.html).toContain('href="/clusters/C');

    const school = await browser.get(`/schools/S1${query}`);
    expect(school.status).toBe(200);
    expectChartsToEqual(school.html, await read<Reading[]>('/api/v1/schools/S1/metrics'), states);
  }

  it("shows the state office every number the API answers, now and as known before a year's feed", async () => {
    await expectPagesToEqualApi(keys.state, undefined);
    await expectPagesToEqualApi(keys.state, between);
  });

  it("shows a district the contract narrowed to its schools and the cluster, as the API does, and another district's pages as 404s", async () => {
    await expectPagesToEqualApi(keys.district, undefined);
    await expectPagesToEqualApi(keys.district, between);
    const { browser } = await as(keys.district);
    expect(scorecardRows((await browser.get('/contracts/K')).html).has('K|school|S2|attendance_rate|1')).toBe(false);
    for (const path of ['/zones/Z2', '/clusters/C2', '/contracts/K2', '/partners/P2', '/schools/S4', '/clusters/no-such-cluster'])
      expect([path, (await browser.get(path)).status]).toEqual([path, 404]);
  });

  it("shows a partner its own partner page: every contract's cluster lines and the counts per school year, as the partner scorecard answers", async () => {
    const { browser, api } = await as(keys.partner);
    for (const asOf of [undefined, between]) {
      const query = asOf ? `?asOf=${encodeURIComponent(asOf)}` : '';
      const page = await browser.get(`/partners/P${query}`);
      expect(page.status).toBe(200);
      const card = (await api.get(`/api/v1/partners/P/scorecard${query}`)).body as {
        contracts: { contractId: string; lines: Line[] }[];
        years: Record<string, number | string>[];
      };
      const clusterReadings = (await api.get(`/api/v1/clusters/C/metrics${query}`)).body as Reading[];
      expect(scorecardRows(page.html)).toEqual(
        new Map(card.contracts.flatMap((contract) => [...expectedRows(contract.contractId, contract.lines, () => clusterReadings)])),
      );
      const years = [...page.html.matchAll(/<tr data-school-year="([^"]+)">((?:(?!<\/tr>)[\s\S])*?data-status[\s\S]*?)<\/tr>/g)].map(([, schoolYear, row]) => ({
        schoolYear,
        ...Object.fromEntries(
          [...row.matchAll(/<td data-status="(\w+)" data-value="(\d+)">/g)].map(([, status, count]) => [
            status.replace(/_(\w)/, (_, letter: string) => letter.toUpperCase()),
            Number(count),
          ]),
        ),
      }));
      expect(years).toEqual(card.years);
      expectChartsToEqual(
        page.html,
        (await api.get(`/api/v1/partners/P/metrics${query}`)).body as Reading[],
        (await api.get(`/api/v1/state/metrics${query}`)).body as Reading[],
      );
    }
    expect((await browser.get('/partners/P2')).status).toBe(404);
    expect((await browser.get('/contracts/K')).status).toBe(200);
  });

  it('draws each chart as SVG on the server with a text alternative, and its numbers in a table one click away', async () => {
    const { browser } = await as(keys.state);
    const school = (await browser.get('/schools/S1')).html;
    const figure = /<figure class="trend-chart" data-metric="attendance_rate">([\s\S]*?)<\/figure>/.exec(school)?.[1] ?? '';
    const label = /<div class="trend-chart__drawing" role="img" aria-label="([^"]+)"><svg aria-hidden="true"/.exec(figure)?.[1];
    expect(label).toBe(
      'attendance_rate of School S1 went from 0.88 in 2022-23 to 0.9 in 2023-24 (up) against a target of 0.93 that year and a state average of 0.935.',
    );
    expect(figure).toMatch(/<svg [^>]*viewBox="0 0 720 300"/);
    // the target is dashed and named in text, the state average too, so colour carries nothing alone
    expect(figure).toContain('stroke-dasharray');
    expect(figure).toMatch(/>Target<\/text>/);
    expect(figure).toMatch(/>State average<\/text>/);
    expect(figure).toMatch(/<details class="trend-chart__numbers"><summary>The numbers of this chart<\/summary><table /);
    // the state average is every school that reported: S1..S4 in 2023-24, 3,740 days of 4,000
    expect(chartTables(school).get('attendance_rate')?.get('2023-24')?.slice(2)).toEqual(['0.93', String(3740 / 4000)]);
    // each target names the change that set it and since when
    expect((await browser.get('/contracts/K')).html).toMatch(/<span class="detail">absolute, set by the contract as signed, since \d{4}-\d{2}-\d{2}<\/span>/);
    // the home page's grid links each zone, cluster, contract and partner
    const home = (await browser.get('/')).html;
    for (const href of ['/zones/Z', '/clusters/C', '/contracts/K', '/partners/P']) expect(home).toContain(`href="${href}"`);
  });
});
