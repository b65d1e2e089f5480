import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { createApp } from '@turnaround/all-in-one';
import { ApiKeys, ReadModelRunner } from '@turnaround/platform';
import { describeWithPandas } from '@turnaround/research/testing';
import { testConfig } from './support/app';
import { loadDemo } from './support/demo';
import { httpClient } from './support/http-client';
import { readWithPandas } from './support/pandas';
import { webClient } from './support/web-client';
import { chartTables, dataValues, text } from './support/web-pages';

jest.setTimeout(300_000);

type Api = Awaited<ReturnType<typeof httpClient>>;
type Issue = { field: string; message: string };
type Reading = { metric: string; schoolYear: string; rate: number | null; denominator: number | null; withheld?: boolean };
type Estimate = {
  value: number;
  standardError: number | null;
  ci95: { lower: number; upper: number } | null;
  draws: number;
  insufficient: { needed: number; have: number } | null;
  intervalInsufficient: { needed: number; have: number } | null;
};
type Effect = { schools: { treated: number; comparison: number }; att: Estimate };
type Group = {
  groupId: string;
  overall: Effect | null;
  eventTime: (Effect & { eventTime: number })[];
  groupTime: (Effect & { cohort: number; year: number })[];
};

/** One zone school's science of 2026-27, a year the demo has none of: 2 of 8 tested, so the zone's proficiency.science that year is a small number. */
const SMALL_SCIENCE = {
  schoolId: 'RIVER-1',
  schoolYear: '2026-27',
  window: 'annual',
  assessment: 'state_test',
  subject: 'science',
  grade: 'all',
  studentGroup: 'all',
  tested: 8,
  proficient: 2,
};
const PANEL_QUERY = 'metric.proficiency.science=on&metric.proficiency.math=on&from=2022-23&to=2025-26';
const API_PANEL_QUERY = 'metrics=proficiency.science,proficiency.math&from=2022-23&to=2025-26';

/** What a page's cells say of an estimate, as the API gives it: value, standard error, draws, then n treated and n comparison; the interval and marks. */
function estimateCells(effect: Effect) {
  const { att, schools } = effect;
  return {
    values: [text(att.value), text(att.standardError), text(att.draws), text(schools.treated), text(schools.comparison)],
    interval: att.ci95 ? [text(att.ci95.lower), text(att.ci95.upper)] : ['', ''],
    marks: [
      att.insufficient ? `${att.insufficient.have}/${att.insufficient.needed}` : '',
      att.intervalInsufficient ? `${att.intervalInsufficient.have}/${att.intervalInsufficient.needed}` : '',
    ],
  };
}

/** The same read from a row of the page's proof-point tables. */
function rowCells(row: string) {
  const attribute = (name: string) => new RegExp(`${name}(?:="([^"]*)")?[\\s>]`).exec(row)?.[1] ?? '';
  return {
    values: dataValues(row),
    interval: [attribute('data-lower'), attribute('data-upper')],
    marks: [attribute('data-insufficient'), attribute('data-interval-insufficient')],
  };
}

/** A group's rows of the page, by their data-row. */
function groupRows(html: string, groupId: string): Map<string, string> {
  const section = new RegExp(`<section[^>]*data-group="${groupId}">([\\s\\S]*?)</section>`).exec(html)?.[1] ?? '';
  return new Map([...section.matchAll(/<tr data-row="([^"]+)">([\s\S]*?)<\/tr>/g)].map(([, name, row]) => [name, row]));
}

/** The issues a refused form lists, as field and message. */
const pageIssues = (html: string): Issue[] =>
  [...html.matchAll(/<li data-field="([^"]+)"><a href="#[^"]+">([^<]*)<\/a><\/li>/g)].map(([, field, words]) => ({
    field,
    message: decode(words).slice(field.length + 2),
  }));
const decode = (html: string) =>
  html.replaceAll('&#39;', "'").replaceAll('&quot;', '"').replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');

/**
 * The demo zone, with one zone school's small state math result: a researcher downloads the
 * panel and its codebook from the pages and reads the panel back with pandas, against the API's
 * export of the same parameters; the proof-point tables hold the API's figures; the public reads
 * the zone's report card without signing in, as the API answers a `public` key.
 */
describeWithPandas("the web app: the researcher's panel and proof points, and the public zone report card", () => {
  let folder: string;
  let app: INestApplication;
  let base: string;
  let researcherApi: Api;
  let publicApi: Api;
  let asOf: string;
  const keys = { researcher: '', district: '', public: '' };

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'turnaround-web-research-'));
    app = await createApp(testConfig({ DATA_DIR: join(folder, 'data') }), { logger: false });
    const http = await httpClient(app);
    base = http.base;
    await loadDemo(app, base);
    expect((await http.post('/api/v1/feeds/assessment', [SMALL_SCIENCE])).body).toMatchObject({ accepted: 1, rejectedRows: 0 });
    await app.get(ReadModelRunner).settled();
    asOf = new Date().toISOString();
    const apiKeys = app.get(ApiKeys);
    keys.researcher = (await apiKeys.issue({ kind: 'researcher' }, 'Grace Hopper, university partner')).key;
    keys.district = (await apiKeys.issue({ kind: 'district', districtId: 'D-EAST' }, 'East district lead')).key;
    keys.public = (await apiKeys.issue({ kind: 'public' }, 'a newspaper')).key;
    researcherApi = await httpClient(app, keys.researcher);
    publicApi = await httpClient(app, keys.public);
  });
  afterAll(async () => {
    await app?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  /** A signed-in browser's download: the bytes and headers, with its session cookie. */
  const download = async (web: ReturnType<typeof webClient>, path: string) => {
    const response = await fetch(`${base}${path}`, { headers: { cookie: [...web.cookies].map(([name, value]) => `${name}=${value}`).join('; ') } });
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      disposition: response.headers.get('content-disposition'),
      body: Buffer.from(await response.arrayBuffer()),
    };
  };
  const apiDownload = async (path: string) =>
    Buffer.from(await (await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${keys.researcher}` } })).arrayBuffer());

  it('lets a researcher download the panel and its codebook from the page: the API export of the same parameters, row for row in pandas', async () => {
    const web = webClient(base);
    expect((await web.signIn(keys.researcher)).location).toBe('/');
    const form = await web.get('/research');
    expect(form.status).toBe(200);
    expect(form.html).toContain('<a href="/research" aria-current="page">Research</a>');
    expect(form.html).toContain('name="metric.proficiency.science"');
    expect(form.html).toMatch(/<form method="get" action="\/research\/panel"/);

    const at = `&asOf=${encodeURIComponent(asOf)}`;
    const panel = await download(web, `/research/panel?${PANEL_QUERY}${at}&format=csv`);
    expect(panel).toMatchObject({ status: 200, type: 'text/csv; charset=utf-8' });
    expect(panel.disposition).toMatch(/^attachment; filename="turnaround-panel-\d{8}t\d{6}z\.csv"$/);
    const codebook = await download(web, `/research/panel/codebook?${PANEL_QUERY}${at}`);
    expect(codebook.status).toBe(200);
    const apiPanel = await apiDownload(`/api/v1/research/panel?${API_PANEL_QUERY}${at}&format=csv`);
    const apiCodebook = await apiDownload(`/api/v1/research/panel/codebook?${API_PANEL_QUERY}${at}`);
    expect(codebook.body.toString()).toBe(apiCodebook.toString());

    const file = (name: string, body: Buffer) => {
      writeFileSync(join(folder, name), body);
      return join(folder, name);
    };
    const fromPage = readWithPandas('csv', file('page.csv', panel.body), file('page.codebook.csv', codebook.body));
    const fromApi = readWithPandas('csv', file('api.csv', apiPanel), file('api.codebook.csv', apiCodebook));
    expect(fromPage.columns).toContain('proficiency_math_small_n');
    expect(fromPage.rows.length).toBeGreaterThan(100);
    expect(fromPage).toEqual(fromApi);

    // every format the API offers, byte for byte
    for (const format of ['parquet', 'dta'])
      expect(
        (await download(web, `/research/panel?${PANEL_QUERY}${at}&format=${format}`)).body.equals(
          await apiDownload(`/api/v1/research/panel?${API_PANEL_QUERY}${at}&format=${format}`),
        ),
      ).toBe(true);
    // and each page download is recorded for the state office, under the researcher's key
    const requests = (await (await httpClient(app)).get('/api/v1/research/requests?limit=5')).body as { action: string; role: string; channel: string }[];
    expect(requests[0]).toMatchObject({ action: 'panel', role: 'researcher', channel: 'http' });
  });

  it("refuses a bad request on the form, each field with the API's message", async () => {
    const web = webClient(base);
    await web.signIn(keys.researcher);
    for (const [page, api] of [
      ['/research/panel?from=2025-26&to=2022-23', '/api/v1/research/panel?from=2025-26&to=2022-23'],
      ['/research/panel?format=xlsx', '/api/v1/research/panel?format=xlsx'],
      ['/research/panel/codebook?asOf=yesterday', '/api/v1/research/panel/codebook?asOf=yesterday'],
      ['/research/proof-points?metric=proficiency.nonsense', '/api/v1/research/proof-points?metric=proficiency.nonsense'],
      ['/research/proof-points?metric=proficiency.science&group=district', '/api/v1/research/proof-points?metric=proficiency.science&group=district'],
    ]) {
      const refused = await researcherApi.get(api);
      expect(refused.status).toBe(400);
      const shown = await web.get(page);
      expect({ page, status: shown.status, issues: pageIssues(shown.html) }).toEqual({
        page,
        status: 400,
        issues: (refused.body as { issues: Issue[] }).issues,
      });
      // the field is marked, and described by its message
      const field = (refused.body as { issues: Issue[] }).issues[0].field.split('.')[0];
      expect(shown.html).toContain(`id="${field}-error"`);
    }
  });

  it('shows the proof points of a metric and group as the API answers them: n, intervals and the too-few-schools marks', async () => {
    const web = webClient(base);
    await web.signIn(keys.researcher);
    const form = await web.get('/research/proof-points');
    expect(form.status).toBe(200);
    expect(form.html).not.toContain('data-group=');
    for (const group of ['zone', 'cluster', 'cohort']) {
      const query = `metric=proficiency.science&group=${group}&asOf=${encodeURIComponent(asOf)}`;
      const api = (await researcherApi.get(`/api/v1/research/proof-points?${query}`)).body as { groups: Group[] };
      const page = await web.get(`/research/proof-points?${query}&weights=none`);
      expect(page.status).toBe(200);
      expect(api.groups.length).toBeGreaterThan(0);
      for (const answer of api.groups) {
        const rows = groupRows(page.html, answer.groupId);
        const expected = new Map<string, ReturnType<typeof estimateCells>>([
          ...(answer.overall ? [['overall', estimateCells(answer.overall)] as const] : []),
          ...answer.eventTime.map((effect) => [`event-${effect.eventTime}`, estimateCells(effect)] as const),
          ...answer.groupTime.map((effect) => [`att-${effect.cohort}-${effect.year}`, estimateCells(effect)] as const),
        ]);
        for (const [name, cells] of expected)
          expect({ group: answer.groupId, row: name, ...rowCells(rows.get(name) ?? '') }).toEqual({ group: answer.groupId, row: name, ...cells });
      }
      // the clusters have fewer schools than an interval needs: marked, in words too
      if (group === 'cluster') expect(page.html).toContain('too few for the interval');
    }
  });

  it('is a 404 for a district and for a public key, and not in their navigation; no session is sent to sign in', async () => {
    for (const key of [keys.district, keys.public]) {
      const web = webClient(base);
      expect((await web.signIn(key)).location).toBe('/');
      expect((await web.get('/')).html).not.toContain('href="/research"');
      for (const path of ['/research', `/research/panel?format=csv`, '/research/panel/codebook', '/research/proof-points?metric=proficiency.science'])
        expect({ path, status: (await web.get(path)).status }).toEqual({ path, status: 404 });
    }
    expect((await webClient(base).get('/research')).location).toBe('/sign-in');
  });

  it('shows the public report card without sign-in: every number as the API answers a public key, small numbers withheld', async () => {
    const anonymous = webClient(base);
    expect((await anonymous.get('/sign-in')).html).toContain('href="/report-card"');
    const list = await anonymous.get('/report-card');
    expect(list.status).toBe(200);
    expect(list.html).toContain('href="/report-card/Z-DEMO"');
    expect(list.html).not.toContain('Signed in as');

    const card = await anonymous.get('/report-card/Z-DEMO');
    expect(card.status).toBe(200);
    expect(anonymous.cookies.has('tm_session')).toBe(false);
    const readings = (await publicApi.get('/api/v1/zones/Z-DEMO/metrics')).body as Reading[];
    const states = (await publicApi.get('/api/v1/state/metrics')).body as Reading[];
    const tables = chartTables(card.html);
    expect([...tables.keys()].sort()).toEqual([...new Set(readings.map((reading) => reading.metric))].sort());
    for (const reading of readings)
      expect([reading.metric, reading.schoolYear, tables.get(reading.metric)?.get(reading.schoolYear)]).toEqual([
        reading.metric,
        reading.schoolYear,
        [
          text(reading.rate),
          text(reading.denominator),
          '',
          text(states.find((state) => state.metric === reading.metric && state.schoolYear === reading.schoolYear)?.rate),
        ],
      ]);
    // the small science result is withheld from the public, and the page says so
    expect(readings.find((reading) => reading.metric === 'proficiency.science' && reading.schoolYear === '2026-27')).toMatchObject({
      rate: null,
      denominator: null,
      withheld: true,
    });
    const science = /<table class="[^"]*trend-chart__table" data-metric="proficiency.science">[\s\S]*?<tr data-school-year="2026-27">([\s\S]*?)<\/tr>/.exec(
      card.html,
    )?.[1];
    expect(science).toContain('withheld');

    const missing = await anonymous.get('/report-card/NOWHERE');
    expect(missing.status).toBe(404);
    expect(missing.html).toContain('Page not found');
  });
});
