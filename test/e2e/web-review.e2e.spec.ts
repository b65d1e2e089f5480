import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { createApp } from '@turnaround/all-in-one';
import { waitUntil } from '@turnaround/domain/testing';
import {
  ClusterRuleLine,
  clusterRuleSentence,
  ComparisonFigure,
  comparisonSentence,
  manualClock,
  metricDefinition,
  metricFamilyOf,
  ProofPoints,
} from '@turnaround/domain';
import { loadMetricCatalogues } from '@turnaround/feeds';
import { ApiKeys } from '@turnaround/platform';
import { testConfig } from './support/app';
import { httpClient } from './support/http-client';
import { attendance2022, attendance2023, BETWEEN_THE_PUSHES, pushTwoYears, registerOneClusterZone, registerSecondZone } from './support/one-cluster-zone';
import { webClient } from './support/web-client';
import { dataValues, text } from './support/web-pages';

jest.setTimeout(180_000);

type Line = ClusterRuleLine & { scope: string; subjectId: string; schoolYear: string };
type Reading = { metric: string; schoolYear: string; denominator: number | null; rate: number | null };
type Api = Awaited<ReturnType<typeof httpClient>>;

/** The text of an HTML fragment, its entities read back. */
const plain = (html: string): string =>
  html
    .replace(/<[^>]+>/g, '')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** The review's verdict rows: per line, its status and the data-values of target, actual and n. */
function verdictRows(html: string): Map<string, { status: string; values: string[] }> {
  const rows = new Map<string, { status: string; values: string[] }>();
  const pattern = /<tr data-scope="(\w+)" data-subject="([^"]+)" data-metric="([^"]+)" data-contract-year="(\d+)">([\s\S]*?)<\/tr>/g;
  for (const [, scope, subjectId, metric, contractYear, row] of html.matchAll(pattern))
    rows.set(`${scope}|${subjectId}|${metric}|${contractYear}`, { status: /data-status="(\w+)"/.exec(row)?.[1] ?? '', values: dataValues(row) });
  return rows;
}

/** Section 1's changes of the contract: label, the day it was recorded, and why. */
const changeRows = (html: string): string[][] =>
  [...html.matchAll(/<tr data-change="([^"]+)">[\s\S]*?<td>([^<]*)<\/td><td>([^<]*)<\/td>/g)].map(([, label, recorded, reason]) => [
    label,
    recorded,
    plain(reason),
  ]);

/** Every number and verdict of a review: its sections' rows, without the words that say when it was read ("as known now"). */
const numbersOf = (html: string) => ({
  verdicts: verdictRows(html),
  rules: ruleSentences(html),
  changes: changeRows(html),
  comparisons: comparisonRows(html),
  sentences: comparisonSentences(html),
  leading: leadingRows(html),
  charts: [...html.matchAll(/<table class="[^"]*trend-chart__table" data-metric="([^"]+)">([\s\S]*?)<\/table>/g)].map(([, metric, body]) => [
    metric,
    ...[...body.matchAll(/<tr data-school-year="([^"]+)">([\s\S]*?)<\/tr>/g)].map(([, year, row]) => [year, ...dataValues(row)]),
  ]),
  record: [...html.matchAll(/<tr data-record="([^"]+)">([\s\S]*?)<\/tr>/g)].map(([, metric, row]) => [metric, plain(row)]),
  restatements: [...html.matchAll(/<tr data-restatement="([^"]+)">([\s\S]*?)<\/tr>/g)].map(([, key, row]) => [key, ...dataValues(row)]),
});

/** The cluster-rule sentences on the page, keyed by contract year and metric. */
const ruleSentences = (html: string): Map<string, string> =>
  new Map([...html.matchAll(/<li data-cluster-rule="([^"]+)">([\s\S]*?)<\/li>/g)].map(([, key, sentence]) => [key, plain(sentence)]));

/** Section 4's rows, per metric and contract year: the data-values (difference, ATT), the intervals' data-lower/upper and the schools of each figure. */
function comparisonRows(html: string): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const [, metric, body] of html.matchAll(/<div class="review__comparison" data-comparison="([^"]+)">([\s\S]*?)<\/div>/g))
    for (const [, contractYear, row] of body.matchAll(/<tr data-comparison-year="(\d+)">([\s\S]*?)<\/tr>/g))
      rows.set(
        `${metric}|${contractYear}`,
        [...row.matchAll(/data-(value|lower|upper|treated|comparison-schools)(?:="([^"]*)")?[\s>]/g)].map(([, name, value]) => `${name}=${value ?? ''}`),
      );
  return rows;
}

/** Section 4's sentences, per metric. */
const comparisonSentences = (html: string): Map<string, string> =>
  new Map(
    [...html.matchAll(/<p class="review__sentence" data-comparison-sentence="([^"]+)">([\s\S]*?)<\/p>/g)].map(([, metric, sentence]) => [
      metric,
      plain(sentence),
    ]),
  );

/** Section 6's rows, keyed scope|subject|metric|school year: the data-values of value, n and target. */
const leadingRows = (html: string): Map<string, string[]> =>
  new Map([...html.matchAll(/<tr data-leading="([^"]+)">([\s\S]*?)<\/tr>/g)].map(([, key, row]) => [key, dataValues(row)]));

/**
 * World one (registerOneClusterZone): cluster C of S1 (D1), S2 (D2), S3 (D1) under partner P's
 * contract K, its school attendance target of 0.93 in year one missed by S1 and S2 (2 of 3: the
 * cluster misses), and amended to add a cluster target for year two. World two: partner P2's
 * contract K2 on cluster C2 of S4 (D2). Attendance of 2022-23 is pushed first, then 2023-24's.
 */
describe('the annual contract review: every number as the API answers, for the parties of the contract', () => {
  let dataDir: string;
  let app: INestApplication;
  let base: string;
  let between: string;
  const keys = { state: '', district: '', partner: '', researcher: '' };

  const clock = manualClock('2024-07-01T00:00:00.000Z');

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'turnaround-web-review-'));
    app = await createApp(testConfig({ DATA_DIR: dataDir }), { logger: false, clock });
    const state = await httpClient(app);
    base = state.base;
    await registerOneClusterZone(state, [
      ['S1', 'D1'],
      ['S2', 'D2'],
      ['S3', 'D1'],
    ]);
    await registerSecondZone(state);
    const amended = await state.post('/api/v1/contracts/K/target-amendments', {
      targets: [{ metric: 'attendance_rate', contractYear: 2, kind: 'absolute', value: 0.95, scope: 'cluster' }],
      reason: 'Year two cluster attendance target agreed at the annual meeting',
    });
    expect([amended.status, amended.body]).toEqual([201, expect.anything()]);
    for (const schoolId of ['S5', 'S6', 'S7'])
      expect((await state.post('/api/v1/schools', { schoolId, districtId: 'D9', name: `School ${schoolId}`, gradeSpan: '06-08' })).status).toBe(201);
    await state.post('/api/v1/feeds/attendance', [attendance2022('S5', 900), attendance2022('S6', 920), attendance2022('S7', 940)]);
    await state.post('/api/v1/feeds/attendance', [attendance2023('S5', 905), attendance2023('S6', 910), attendance2023('S7', 950)]);
    await waitUntil(
      () => state.get('/api/v1/schools/S7/metrics').then((answer) => answer.body as unknown[]),
      (readings) => expect(readings.length).toBe(2),
    );
    await pushTwoYears(state, clock);
    between = BETWEEN_THE_PUSHES;
    const apiKeys = app.get(ApiKeys);
    keys.state = (await apiKeys.issue({ kind: 'state' }, 'Ada Lovelace, State Turnaround Office')).key;
    keys.district = (await apiKeys.issue({ kind: 'district', districtId: 'D1' }, 'Springfield district office')).key;
    keys.partner = (await apiKeys.issue({ kind: 'partner', partnerId: 'P' }, 'Partner P lead')).key;
    keys.researcher = (await apiKeys.issue({ kind: 'researcher' }, 'A researcher')).key;
  });
  afterAll(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function as(key: string): Promise<{ browser: ReturnType<typeof webClient>; api: Api }> {
    const browser = webClient(base);
    expect((await browser.signIn(key)).status).toBe(303);
    return { browser, api: await httpClient(app, key) };
  }

  /**
   * The review of year `year` shows exactly the API scorecard's lines of years 1..year for the
   * key's holder, each with its target, actual, n (the subject's metrics) and status, and one
   * cluster-rule sentence per cluster line, the domain's words for that line. Returns the page.
   */
  async function expectReviewToEqualApi(key: string, year: number, asOf: string | undefined): Promise<string> {
    const { browser, api } = await as(key);
    const query = asOf ? `&asOf=${encodeURIComponent(asOf)}` : '';
    const read = async <T>(path: string) => (await api.get(`${path}${asOf ? `?asOf=${encodeURIComponent(asOf)}` : ''}`)).body as T;
    const lines = (await read<{ lines: Line[] }>('/api/v1/contracts/K/scorecard')).lines.filter((line) => line.contractYear <= year);
    const readings = new Map<string, Reading[]>([['cluster|C', await read<Reading[]>('/api/v1/clusters/C/metrics')]]);
    for (const schoolId of new Set(lines.filter((line) => line.scope === 'school').map((line) => line.subjectId)))
      readings.set(`school|${schoolId}`, await read<Reading[]>(`/api/v1/schools/${schoolId}/metrics`));
    const page = await browser.get(`/contracts/K/review?year=${year}${query}`);
    expect(page.status).toBe(200);
    const expected = new Map(
      lines.map((line) => {
        const reading = readings
          .get(`${line.scope}|${line.subjectId}`)
          ?.find((candidate) => candidate.metric === line.metric && candidate.schoolYear === line.schoolYear);
        return [
          `${line.scope}|${line.subjectId}|${line.metric}|${line.contractYear}`,
          { status: line.status, values: [text(line.threshold), text(line.actual), text(reading?.denominator)] },
        ];
      }),
    );
    expect(verdictRows(page.html)).toEqual(expected);
    // Every chart's comparison column: the comparison schools' mean as the API answers the reader.
    const comparison = await read<{ metric: string; schoolYear: string; mean: number | null }[]>('/api/v1/comparison/metrics');
    const charted = [...page.html.matchAll(/<table class="[^"]*trend-chart__table" data-metric="([^"]+)">([\s\S]*?)<\/table>/g)].flatMap(([, metric, body]) =>
      [...body.matchAll(/<tr data-school-year="([^"]+)">([\s\S]*?)<\/tr>/g)].map(([, schoolYear, row]) => [metric, schoolYear, dataValues(row)[4]]),
    );
    expect(charted.length).toBeGreaterThan(0);
    for (const [metric, schoolYear, shown] of charted)
      expect([metric, schoolYear, shown]).toEqual([
        metric,
        schoolYear,
        text(comparison.find((mean) => mean.metric === metric && mean.schoolYear === schoolYear)?.mean),
      ]);
    const history = await read<{ label: string; knownAt: string; reason: string | null }[]>('/api/v1/contracts/K/history');
    expect(changeRows(page.html)).toEqual(history.map((change) => [change.label, change.knownAt.slice(0, 10), change.reason ?? 'the contract as signed']));
    expect(ruleSentences(page.html)).toEqual(
      new Map(lines.filter((line) => line.scope === 'cluster').map((line) => [`${line.contractYear}|${line.metric}`, clusterRuleSentence(line)])),
    );
    await expectLeadingToEqualApi(api, page.html, year, asOf, lines);
    return page.html;
  }

  /**
   * Section 6: per subject the reader may read (the cluster, and each of the contract's schools
   * whose metrics route answers it), the attendance and staffing metrics and indicators of school
   * years up to contract year `year`'s (2023-24 + year - 1), each with its value and n as that
   * route answers, and the subject's own target line's threshold of that year.
   */
  async function expectLeadingToEqualApi(api: Api, html: string, year: number, asOf: string | undefined, lines: Line[]): Promise<void> {
    const suffix = asOf ? `?asOf=${encodeURIComponent(asOf)}` : '';
    const last = `${2022 + year}-${String(23 + year).padStart(2, '0')}`;
    const expected = new Map<string, string[]>();
    for (const [scope, subjectId, path] of [
      ['cluster', 'C', '/api/v1/clusters/C/metrics'],
      ...['S1', 'S2', 'S3'].map((id) => ['school', id, `/api/v1/schools/${id}/metrics`]),
    ]) {
      const answer = await api.get(`${path}${suffix}`);
      if (answer.status !== 200) continue;
      for (const reading of answer.body as Reading[]) {
        const source = metricFamilyOf(reading.metric)?.family.source;
        if (!(source === 'attendance' || source === 'staffing' || source === 'indicator') || reading.schoolYear > last) continue;
        const target = lines.find(
          (line) =>
            line.scope === scope &&
            line.subjectId === subjectId &&
            line.metric === reading.metric &&
            line.schoolYear === reading.schoolYear &&
            line.kind !== 'school_majority',
        );
        expected.set(`${scope}|${subjectId}|${reading.metric}|${reading.schoolYear}`, [text(reading.rate), text(reading.denominator), text(target?.threshold)]);
      }
    }
    expect(expected.size).toBeGreaterThan(0);
    expect(leadingRows(html)).toEqual(expected);
  }

  /**
   * Section 4 for the state office: per metric with a target, each contract year's difference in
   * differences (contract K's cohort, first treated in 2024, from 2023) and ATT at event time
   * year - 1, with their intervals and schools, as `GET /api/v1/research/proof-points` answers
   * the same metric, group and asOf; and the sentence the domain makes of the latest year's.
   */
  async function expectComparisonToEqualApi(html: string, api: Api, year: number, asOf: string | undefined): Promise<Map<string, string>> {
    const answer = (await api.get(`/api/v1/research/proof-points?metric=attendance_rate&group=cluster${asOf ? `&asOf=${encodeURIComponent(asOf)}` : ''}`))
      .body as ProofPoints;
    const group = answer.groups.find((candidate) => candidate.groupId === 'C');
    const figure = (estimate: { value: number; ci95: { lower: number; upper: number } | null } | undefined) =>
      estimate ? [`value=${estimate.value}`, `lower=${estimate.ci95?.lower ?? ''}`, `upper=${estimate.ci95?.upper ?? ''}`] : ['value=', 'lower=', 'upper='];
    const schools = (counts: { treated: number; comparison: number } | undefined) => [
      `treated=${counts?.treated ?? ''}`,
      `comparison-schools=${counts?.comparison ?? ''}`,
    ];
    const expected = new Map<string, string[]>();
    let latest: ComparisonFigure = {
      metric: 'attendance_rate',
      contractYear: year,
      baselineYear: '2022-23',
      year: `${2022 + year}-${String(23 + year).padStart(2, '0')}`,
      difference: null,
      schools: null,
    };
    for (let contractYear = 1; contractYear <= year; contractYear++) {
      const cell = group?.baselineComparisons.find((candidate) => candidate.cohort === 2024 && candidate.year === 2023 + contractYear);
      const att = group?.eventTime.find((effect) => effect.eventTime === contractYear - 1);
      expected.set(`attendance_rate|${contractYear}`, [
        ...schools(cell?.schools),
        ...figure(cell?.differenceInDifferences),
        ...figure(att?.att),
        ...schools(att?.schools),
      ]);
      if (cell)
        latest = {
          ...latest,
          contractYear,
          year: `${2022 + contractYear}-${String(23 + contractYear).padStart(2, '0')}`,
          difference: cell.differenceInDifferences,
          schools: cell.schools,
        };
    }
    expect(comparisonRows(html)).toEqual(expected);
    const sentences = comparisonSentences(html);
    expect(sentences).toEqual(new Map([['attendance_rate', comparisonSentence(latest, metricDefinition(latest.metric, await loadMetricCatalogues()))]]));
    return sentences;
  }

  it('shows the state office every verdict the scorecard answers, now and as known before the year-one feed', async () => {
    const now = await expectReviewToEqualApi(keys.state, 2, undefined);
    const { api } = await as(keys.state);
    // S1-S3 gained 2.0, -1.0 and 4.0 points (mean 1.667), S5-S7 0.5, -1.0 and 1.0 (mean 0.167): 1.5 points more.
    const sentence = (await expectComparisonToEqualApi(now, api, 2, undefined)).get('attendance_rate');
    expect(sentence).toMatch(
      /^From 2022-23 to 2023-24 \(contract year 1\), attendance rate grew 1\.5 percentage points more in the cluster's schools than in comparison schools; the 95% interval, -?[\d.]+ to [\d.]+ percentage points, rests on too few schools to read \(n = 3; at least 10 needed on each side\)\.$/,
    );
    expect(comparisonRows(now).get('attendance_rate|2')).toEqual([
      'treated=',
      'comparison-schools=',
      'value=',
      'lower=',
      'upper=',
      'value=',
      'lower=',
      'upper=',
      'treated=',
      'comparison-schools=',
    ]);
    expect(leadingRows(now).get('school|S1|attendance_rate|2023-24')).toEqual(['0.9', '1000', '0.93']);
    // S5-S7, never in a cluster: 0.905, 0.91 and 0.95 in 2023-24, a mean of 0.921667 (three schools: the state office sees it, a partner does not).
    expect(now).toMatch(/data-value="0\.92166666666666\d*"/);
    expect(ruleSentences(now).get('1|attendance_rate')).toBe(
      'The cluster missed year 1 for attendance_rate: 2 of 3 schools missed their targets (more than half).',
    );
    expect(changeRows(now)).toEqual([
      ['signed', expect.any(String), 'the contract as signed'],
      ['amendment 1', expect.any(String), 'Year two cluster attendance target agreed at the annual meeting'],
    ]);
    expect(plain(now)).toContain('set the attendance_rate cluster target of year 2: absolute 0.95');
    expect(now).toMatch(/<tr data-record="attendance_rate">[\s\S]*?data-missed="1"/);
    const before = await expectReviewToEqualApi(keys.state, 2, between);
    expect(verdictRows(before).get('school|S1|attendance_rate|1')?.status).not.toBe('missed');
    // Before the cluster's 2023-24 feed only the comparison schools have both years: nothing to compare, in any year up to the review's.
    expect((await expectComparisonToEqualApi(before, api, 2, between)).get('attendance_rate')).toBe(
      "From 2022-23 to 2024-25 (contract year 2), there is nothing to compare yet: the cluster's schools or the comparison schools have no attendance rate in both years.",
    );
    expect([...leadingRows(before).keys()].filter((key) => key.endsWith('2023-24'))).toEqual([]);
    await expectReviewToEqualApi(keys.state, 1, undefined);
  });

  it("shows the partner its own review and a 404 for another partner's contract; a researcher none", async () => {
    const partnerPage = await expectReviewToEqualApi(keys.partner, 2, undefined);
    // Proof points are the state office's and researchers' (docs/roles.md): the partner's review says so instead.
    expect(comparisonRows(partnerPage).size).toBe(0);
    expect(partnerPage).toContain('not shown to this reader');
    await expectReviewToEqualApi(keys.partner, 2, between);
    const { browser } = await as(keys.partner);
    expect((await browser.get('/contracts/K2/review')).status).toBe(404);
    expect((await browser.get('/contracts/no-such-contract/review')).status).toBe(404);
    expect((await browser.get('/contracts/K/review?year=9')).status).toBe(400);
    const researcher = await as(keys.researcher);
    expect((await researcher.browser.get('/contracts/K/review')).status).toBe(404);
  });

  it("shows a district only its schools' lines and the cluster's", async () => {
    const html = await expectReviewToEqualApi(keys.district, 2, undefined);
    const subjects = new Set([...verdictRows(html).keys()].map((key) => key.split('|').slice(0, 2).join('|')));
    expect([...subjects].sort()).toEqual(['cluster|C', 'school|S1', 'school|S3']);
    const leading = new Set([...leadingRows(html).keys()].map((key) => key.split('|').slice(0, 2).join('|')));
    expect([...leading].filter((subject) => subject.startsWith('school')).sort()).toEqual(['school|S1', 'school|S3']);
    expect(comparisonRows(html).size).toBe(0);
    expect((await (await as(keys.district)).browser.get('/contracts/K2/review')).status).toBe(404);
  });

  it('links the review from the contract page', async () => {
    const { browser } = await as(keys.state);
    expect((await browser.get('/contracts/K')).html).toContain('href="/contracts/K/review"');
  });

  it('lists a final value restated later under data quality, with the values the API answered before and after', async () => {
    const { browser, api } = await as(keys.state);
    const attendanceOf = async (asOf?: string) =>
      (
        (await api.get(`/api/v1/schools/S3/metrics${asOf ? `?asOf=${encodeURIComponent(asOf)}` : ''}`)).body as (Reading & {
          final: boolean;
          knownAt: string;
        })[]
      ).find((reading) => reading.metric === 'attendance_rate' && reading.schoolYear === '2023-24');
    const final = await attendanceOf();
    expect(final?.final).toBe(true);
    // The review as the state office saw it before the restatement, kept to set beside the one rebuilt as of then.
    const seen = (await browser.get('/contracts/K/review?year=2')).html;
    const seenAt = new Date().toISOString();
    expect((await httpClient(app).then((state) => state.post('/api/v1/feeds/attendance', [attendance2023('S3', 970)]))).status).toBe(200);
    const restated = await waitUntil(
      () => attendanceOf(),
      (reading) => expect(reading?.rate).toBe(0.97),
    );
    const html = (await browser.get('/contracts/K/review?year=1')).html;
    const row = new RegExp('<tr data-restatement="S3\\|attendance_rate\\|2023-24">([\\s\\S]*?)</tr>').exec(html)?.[1] ?? '';
    expect(dataValues(row)).toEqual([text(final?.rate), text(restated?.rate)]);
    expect(plain(row)).toContain(`${final?.knownAt.slice(0, 10)}${restated?.knownAt.slice(0, 10)}`);
    // As known just before the restatement, there was none.
    const before = new Date(Date.parse(restated?.knownAt ?? '') - 1).toISOString();
    expect((await browser.get(`/contracts/K/review?year=1&asOf=${encodeURIComponent(before)}`)).html).toContain(
      'No final value of these schools was restated.',
    );
    // Rebuilt today as of the moment it was seen, the review says what it said then, number for number.
    const rebuilt = (await browser.get(`/contracts/K/review?year=2&asOf=${encodeURIComponent(seenAt)}`)).html;
    expect(rebuilt).not.toBe(seen);
    expect(numbersOf(rebuilt)).toEqual(numbersOf(seen));
    expect(numbersOf(rebuilt).verdicts.get('school|S3|attendance_rate|1')?.values[1]).toBe('0.99');
  });
});
