import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { createApp } from '@turnaround/all-in-one';
import { manualClock } from '@turnaround/domain';
import { ApiKeys } from '@turnaround/platform';
import { turnaround } from './support/cli';
import { testConfig } from './support/app';
import { httpClient } from './support/http-client';
import { pushTwoYears, registerOneClusterZone, registerSecondZone } from './support/one-cluster-zone';
import { webClient } from './support/web-client';

jest.setTimeout(240_000);

/**
 * What the page and the file have in common: the main landmark's content, the review itself.
 * Each chart's SVG names its clip paths by its renderer's instance (`zr12-c0`) and its hover
 * classes by a count of the process (`zr12-cls-31`): those numbers say how many charts the
 * process drew before, not what this one shows, and are left out.
 */
const mainContent = (html: string): string => {
  const content = /<main\b[^>]*>([\s\S]*)<\/main>/.exec(html)?.[1];
  if (content === undefined) throw new Error(`no main landmark in ${html.slice(0, 200)}`);
  return content.replace(/\bzr\d+-cls-\d+/g, 'zr-cls').replace(/\bzr\d+-/g, 'zr-');
};

/** The subjects of the verdict rows, scope|subject. */
const verdictSubjects = (html: string): string[] =>
  [...new Set([...html.matchAll(/<tr data-scope="(\w+)" data-subject="([^"]+)"/g)].map(([, scope, subject]) => `${scope}|${subject}`))].sort();

/** Everything a file would fetch: a stylesheet link, a script, a picture or face by URL, a path on the service. */
const externalReferences = (html: string): string[] =>
  [...html.matchAll(/<link\b[^>]*>|<script\b|\ssrc="(?!data:)[^"]*"|href="\/assets[^"]*"|url\((?!["']?(?:data:|#))[^)]+\)|sourceMappingURL/g)].map(
    ([found]) => found,
  );

/**
 * World one: cluster C of S1 (D1), S2 (D2), S3 (D1) under partner P's contract K, amended with a
 * cluster target for year two; world two: partner P2's contract K2 on C2 of S4 (D2). Two years of
 * attendance, pushed as web-review.e2e.spec.ts pushes them.
 */
describe('the annual contract review and the progress report as self-contained HTML files: the API routes and `turnaround report`', () => {
  let dataDir: string;
  let outDir: string;
  let app: INestApplication;
  let base: string;
  const keys = { state: '', district: '', partner: '', otherPartner: '', researcher: '' };
  const clock = manualClock('2024-07-01T00:00:00.000Z');
  const ASK = '/api/v1/contracts/K/review?year=2&asOf=2030-01-01';

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'turnaround-report-contract-'));
    outDir = mkdtempSync(join(tmpdir(), 'turnaround-report-contract-out-'));
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
    expect(amended.status).toBe(201);
    await pushTwoYears(state, clock);
    const apiKeys = app.get(ApiKeys);
    keys.state = (await apiKeys.issue({ kind: 'state' }, 'Ada Lovelace, State Turnaround Office')).key;
    keys.district = (await apiKeys.issue({ kind: 'district', districtId: 'D1' }, 'Springfield district office')).key;
    keys.partner = (await apiKeys.issue({ kind: 'partner', partnerId: 'P' }, 'Partner P lead')).key;
    keys.otherPartner = (await apiKeys.issue({ kind: 'partner', partnerId: 'P2' }, 'Partner P2 lead')).key;
    keys.researcher = (await apiKeys.issue({ kind: 'researcher' }, 'A researcher')).key;
  });
  let closed = false;
  afterAll(async () => {
    if (!closed) await app.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(outDir, { recursive: true, force: true });
  });

  const download = async (key: string, path = ASK) => {
    const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${key}` } });
    return { status: response.status, headers: response.headers, text: await response.text() };
  };

  /** The review page of the same call, as the key's holder signed in to the web app sees it. */
  const page = async (key: string, path = ASK) => {
    const browser = webClient(base);
    expect((await browser.signIn(key)).status).toBe(303);
    const answer = await browser.get(path.replace('/api/v1', ''));
    expect(answer.status).toBe(200);
    return answer.html;
  };

  it("answers the state office a self-contained file whose review is the page's, markup for markup", async () => {
    const file = await download(keys.state);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(file.headers.get('content-disposition')).toBe('attachment; filename="contract-K-review-year-2.html"');
    expect(file.headers.get('x-turnaround-as-of')).toBe('2030-01-01T00:00:00.000Z');
    expect(externalReferences(file.text)).toEqual([]);
    expect(file.text).toContain('<style>');
    // no site chrome: no header, navigation, sign-out form or footer
    expect(/<body>[\s\S]*<\/body>/.exec(file.text)?.[0]).not.toMatch(/site-header|site-nav|site-footer|Signed in as/);
    expect(mainContent(file.text)).toBe(mainContent(await page(keys.state)));
    expect(mainContent(file.text)).toContain('Contract K · annual review, year 2 · as known 2030-01-01');
  });

  it("answers the contract's partner, and a district only its schools' lines and the cluster's", async () => {
    const partner = await download(keys.partner);
    expect(partner.status).toBe(200);
    expect(mainContent(partner.text)).toBe(mainContent(await page(keys.partner)));
    expect(verdictSubjects(partner.text)).toEqual(['cluster|C', 'school|S1', 'school|S2', 'school|S3']);

    const district = await download(keys.district);
    expect(district.status).toBe(200);
    expect(verdictSubjects(district.text)).toEqual(['cluster|C', 'school|S1', 'school|S3']);
    expect(mainContent(district.text)).toBe(mainContent(await page(keys.district)));
  });

  it('is a 404 for another partner, and a 403 for a researcher, whom the route never admits (the access matrix)', async () => {
    const other = await download(keys.otherPartner);
    expect([other.status, JSON.parse(other.text)]).toEqual([404, expect.objectContaining({ message: expect.stringContaining("'K'") })]);
    expect((await download(keys.researcher)).status).toBe(403);
    expect((await download(keys.district, '/api/v1/contracts/K2/review')).status).toBe(404);
  });

  it('refuses a year outside the term, naming the field', async () => {
    const refused = await download(keys.state, '/api/v1/contracts/K/review?year=9');
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.text).issues).toEqual([{ field: 'year', message: "expected a contract year from 1 to 3, got '9'" }]);
  });

  it('is written by `turnaround report contract --server`, which sums up what it wrote, and names the option or argument it refuses', async () => {
    const out = join(outDir, 'review.html');
    const written = await turnaround(['report', 'contract', 'K', '--year', '2', '--as-of', '2030-01-01', '--out', out, '--server', base], {
      TURNAROUND_KEY: keys.partner,
    });
    expect([written.code, written.stderr]).toEqual([0, '']);
    const kB = Math.ceil(statSync(out).size / 1024);
    expect(written.stdout).toBe(
      `wrote the annual review of contract K, year 2, as known at 2030-01-01T00:00:00.000Z, to ${out} (${kB} kB): open it in a browser, or print it to PDF\n`,
    );
    expect(mainContent(readFileSync(out, 'utf8'))).toBe(mainContent((await download(keys.partner)).text));

    const badYear = await turnaround(['report', 'contract', 'K', '--year', '9', '--out', out, '--server', base], { TURNAROUND_KEY: keys.partner });
    expect([badYear.code, badYear.stderr]).toEqual([2, `turnaround: ${base} answered 400: \n  --year: expected a contract year from 1 to 3, got '9'\n`]);
    const badAsOf = await turnaround(['report', 'contract', 'K', '--as-of', 'yesterday', '--out', out, '--server', base], { TURNAROUND_KEY: keys.partner });
    expect([badAsOf.code, badAsOf.stderr]).toEqual([2, expect.stringContaining('--as-of: ')]);
    const unknown = await turnaround(['report', 'contract', 'K9', '--out', out, '--server', base], { TURNAROUND_KEY: keys.partner });
    expect([unknown.code, unknown.stderr]).toEqual([2, expect.stringContaining(`answered 404: <contractId> 'K9': no such contract for this key`)]);
    const noKey = await turnaround(['report', 'contract', 'K', '--out', out, '--server', base], {});
    expect([noKey.code, noKey.stderr]).toEqual([2, 'turnaround: --server needs an API key: pass --key or set TURNAROUND_KEY\n']);
  });

  it('writes the monthly progress report the same way: the page as a file from the API, and `turnaround report progress --server`', async () => {
    const ask = '/api/v1/contracts/K/progress?month=2024-07';
    const file = await download(keys.partner, ask);
    expect([file.status, file.headers.get('content-disposition')]).toEqual([200, 'attachment; filename="contract-K-progress-2024-07.html"']);
    expect(externalReferences(file.text)).toEqual([]);
    expect(mainContent(file.text)).toBe(mainContent(await page(keys.partner, ask)));
    expect((await download(keys.otherPartner, ask)).status).toBe(404);
    const badMonth = await download(keys.state, '/api/v1/contracts/K/progress?month=July');
    expect([badMonth.status, JSON.parse(badMonth.text).issues?.[0]?.field]).toEqual([400, 'month']);

    const out = join(outDir, 'progress.html');
    const written = await turnaround(['report', 'progress', 'K', '--month', '2024-07', '--out', out, '--server', base], { TURNAROUND_KEY: keys.partner });
    expect([written.code, written.stderr]).toEqual([0, '']);
    expect(written.stdout).toBe(
      `wrote the progress report of contract K for 2024-07 to ${out} (${Math.ceil(statSync(out).size / 1024)} kB): open it in a browser, or print it to PDF\n`,
    );
    expect(readFileSync(out, 'utf8')).toBe(file.text);
    const refused = await turnaround(['report', 'progress', 'K', '--month', 'July', '--out', out, '--server', base], { TURNAROUND_KEY: keys.partner });
    expect([refused.code, refused.stderr]).toEqual([2, expect.stringContaining('--month: ')]);
  });

  it('is written on the embedded database too, as the state office reads it', async () => {
    const viaApi = await download(keys.state);
    await app.close();
    closed = true;
    const out = join(outDir, 'embedded.html');
    const written = await turnaround(['report', 'contract', 'K', '--year', '2', '--as-of', '2030-01-01', '--out', out], { DATA_DIR: dataDir });
    expect([written.code, written.stderr]).toEqual([0, '']);
    expect(written.stdout).toContain(`wrote the annual review of contract K, year 2, as known at 2030-01-01T00:00:00.000Z, to ${out}`);
    expect(mainContent(readFileSync(out, 'utf8'))).toBe(mainContent(viaApi.text));
    const unknown = await turnaround(['report', 'contract', 'K', '--year', '0', '--out', out], { DATA_DIR: dataDir });
    expect([unknown.code, unknown.stderr]).toEqual([2, "turnaround: --year: expected a contract year from 1 to 3, got '0'\n"]);
  });
});
