import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { createApp } from '@turnaround/all-in-one';
import { ClusterRuleLine, clusterRuleSentence, manualClock } from '@turnaround/domain';
import { ApiKeys } from '@turnaround/platform';
import { testConfig } from './support/app';
import { httpClient } from './support/http-client';
import { BETWEEN_THE_PUSHES, pushTwoYears, registerOneClusterZone, registerSecondZone } from './support/one-cluster-zone';
import { webClient } from './support/web-client';
import { dataValues, text } from './support/web-pages';

jest.setTimeout(180_000);

type Line = ClusterRuleLine & { scope: string; subjectId: string; schoolYear: string };
type Reading = { metric: string; schoolYear: string; denominator: number | null };
type Api = Awaited<ReturnType<typeof httpClient>>;


/** The text of an HTML fragment, its entities read back. */
const plain = (html: string): string =>
  html.replace(/<[^>]+>/g, '').replace(/&#39;|&apos;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The review's verdict rows: per line, its status and the data-values of target, actual and n. */
function verdictRows(html: string): Map<string, { status: string; values: string[] }> {
  const rows = new Map<string, { status: string; values: string[] }>();
  const pattern = /<tr data-scope="(\w+)" data-subject="([^"]+)" data-metric="([^"]+)" data-contract-year="(\d+)">([\s\S]*?)<\/tr>/g;
  for (const [, scope, subjectId, metric, contractYear, row] of html.matchAll(pattern))
    rows.set(`${scope}|${subjectId}|${metric}|${contractYear}`, { status: /data-status="(\w+)"/.exec(row)?.[1] ?? '', values: dataValues(row) });
  return rows;
}

/** The cluster-rule sentences on the page, keyed by contract year and metric. */
const ruleSentences = (html: string): Map<string, string> => new Map([...html.matchAll(/<li data-cluster-rule="([^"]+)">([\s\S]*?)<\/li>/g)].map(([, key, sentence]) => [key, plain(sentence)]));

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
    await registerOneClusterZone(state, [['S1', 'D1'], ['S2', 'D2'], ['S3', 'D1']]);
    await registerSecondZone(state);
    const amended = await state.post('/api/v1/contracts/K/target-amendments', {
      targets: [{ metric: 'attendance_rate', contractYear: 2, kind: 'absolute', value: 0.95, scope: 'cluster' }],
      reason: 'Year two cluster attendance target agreed at the annual meeting',
    });
    expect([amended.status, amended.body]).toEqual([201, expect.anything()]);
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
    const read = async <T,>(path: string) => (await api.get(`${path}${asOf ? `?asOf=${encodeURIComponent(asOf)}` : ''}`)).body as T;
    const lines = (await read<{ lines: Line[] }>('/api/v1/contracts/K/scorecard')).lines.filter((line) => line.contractYear <= year);
    const readings = new Map<string, Reading[]>([['cluster|C', await read<Reading[]>('/api/v1/clusters/C/metrics')]]);
    for (const schoolId of new Set(lines.filter((line) => line.scope === 'school').map((line) => line.subjectId))) readings.set(`school|${schoolId}`, await read<Reading[]>(`/api/v1/schools/${schoolId}/metrics`));
    const page = await browser.get(`/contracts/K/review?year=${year}${query}`);
    expect(page.status).toBe(200);
    const expected = new Map(
      lines.map((line) => {
        const reading = readings.get(`${line.scope}|${line.subjectId}`)?.find((candidate) => candidate.metric === line.metric && candidate.schoolYear === line.schoolYear);
        return [`${line.scope}|${line.subjectId}|${line.metric}|${line.contractYear}`, { status: line.status, values: [text(line.threshold), text(line.actual), text(reading?.denominator)] }];
      }),
    );
    expect(verdictRows(page.html)).toEqual(expected);
    expect(ruleSentences(page.html)).toEqual(new Map(lines.filter((line) => line.scope === 'cluster').map((line) => [`${line.contractYear}|${line.metric}`, clusterRuleSentence(line)])));
    return page.html;
  }

  it('shows the state office every verdict the scorecard answers, now and as known before the year-one feed', async () => {
    const now = await expectReviewToEqualApi(keys.state, 2, undefined);
    expect(ruleSentences(now).get('1|attendance_rate')).toBe('The cluster missed year 1 for attendance_rate: 2 of 3 schools missed their targets (more than half).');
    expect(now).toContain('data-set-by="amendment 1"');
    expect(now).toMatch(/<tr data-record="attendance_rate">[\s\S]*?data-missed="1"/);
    const before = await expectReviewToEqualApi(keys.state, 2, between);
    expect(verdictRows(before).get('school|S1|attendance_rate|1')?.status).not.toBe('missed');
    await expectReviewToEqualApi(keys.state, 1, undefined);
  });

  it('shows the partner its own review and a 404 for another partner\'s contract; a researcher none', async () => {
    await expectReviewToEqualApi(keys.partner, 2, undefined);
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
    expect((await (await as(keys.district)).browser.get('/contracts/K2/review')).status).toBe(404);
  });

  it('links the review from the contract page', async () => {
    const { browser } = await as(keys.state);
    expect((await browser.get('/contracts/K')).html).toContain('href="/contracts/K/review"');
  });
});
