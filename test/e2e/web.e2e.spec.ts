import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { get, IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { createApp } from '@turnaround/all-in-one';
import { manualClock } from '@turnaround/domain';
import { waitUntil } from '@turnaround/domain/testing';
import { ApiKeys } from '@turnaround/platform';
import { testConfig } from './support/app';
import { httpClient } from './support/http-client';
import { attendance2023, registerOneClusterZone } from './support/one-cluster-zone';
import { hiddenCsrf, webClient } from './support/web-client';

jest.setTimeout(180_000);

type Line = { scope: string; subjectId: string; metric: string; contractYear: number; status: string; threshold: number | null; actual: number | null };

/** The status counts of one grid cell: `{ met: 2, missed: 1 }`. */
function gridCell(html: string, contractId: string, contractYear: number): Record<string, number> {
  const row = new RegExp(`<tr data-contract="${contractId}">([\\s\\S]*?)</tr>`).exec(html)?.[1] ?? '';
  const cell = new RegExp(`<td data-contract-year="${contractYear}">([\\s\\S]*?)</td>`).exec(row)?.[1] ?? '';
  return Object.fromEntries([...cell.matchAll(/data-status="(\w+)" data-count="(\d+)"/g)].map(([, status, count]) => [status, Number(count)]));
}

function countsOf(lines: Line[], contractYear: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of lines.filter((candidate) => candidate.contractYear === contractYear)) counts[line.status] = (counts[line.status] ?? 0) + 1;
  return counts;
}

/** A GET whose body is kept as sent: fetch would decode a compressed one. */
function rawGet(url: string, headers: Record<string, string>): Promise<{ headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    }).on('error', reject);
  });
}

function severityCounts(html: string): Record<string, number> {
  return Object.fromEntries([...html.matchAll(/<li data-severity="(\w+)" data-count="(\d+)">/g)].map(([, severity, count]) => [severity, Number(count)]));
}

/**
 * Zone Z, cluster C of S1 (D1), S2 (D2) and S3 (D1), partner P's contract K with a school
 * attendance target for year one; S1 and S2 miss it, S3 meets it. The state office's person and
 * D1's district office sign in through the form.
 */
describe('the web app: sign-in, sessions, and pages that show what the API answers', () => {
  let dataDir: string;
  let app: INestApplication;
  let base: string;
  let stateKey: { key: string; keyId: string };
  let districtKey: { key: string; keyId: string };
  let beforePush: string;

  const clock = manualClock('2024-07-01T00:00:00.000Z');

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'turnaround-web-'));
    app = await createApp(testConfig({ DATA_DIR: dataDir, TRUST_PROXY: 'loopback' }), { logger: false, clock });
    const http = await httpClient(app);
    base = http.base;
    await registerOneClusterZone(http, [
      ['S1', 'D1'],
      ['S2', 'D2'],
      ['S3', 'D1'],
    ]);
    // What came so far is known on July 1, the next push on July 3: July 2 sees the first part alone.
    beforePush = '2024-07-02T00:00:00.000Z';
    clock.set('2024-07-03T00:00:00.000Z');
    await http.post('/api/v1/feeds/attendance', [attendance2023('S1', 900), attendance2023('S2', 900), attendance2023('S3', 990)]);
    clock.resume();
    await waitUntil(
      () => http.get('/api/v1/alerts?status=open').then((answer) => answer.body as unknown[]),
      (alerts) => expect(alerts.length).toBeGreaterThanOrEqual(2),
    );
    const keys = app.get(ApiKeys);
    stateKey = await keys.issue({ kind: 'state' }, 'Ada Lovelace, State Turnaround Office');
    districtKey = await keys.issue({ kind: 'district', districtId: 'D1' }, 'Springfield district office');
  });
  afterAll(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('sends a visitor without a session to the sign-in form', async () => {
    const browser = webClient(base);
    expect(await browser.get('/')).toMatchObject({ status: 303, location: '/sign-in' });
    expect(await browser.get('/schools/S1')).toMatchObject({ status: 303, location: '/sign-in' });
    const form = await browser.get('/sign-in');
    expect(form.status).toBe(200);
    expect(form.html).toContain('<label class="usa-label" for="key">');
    expect(form.setCookies[0]).toMatch(/^tm_sign_in=[^;]+; Path=\/; HttpOnly; SameSite=Strict$/);
    // the stylesheets come from the service itself, never a CDN
    for (const sheet of [...form.html.matchAll(/<link rel="stylesheet" href="([^"]+)"/g)].map(([, href]) => href)) {
      expect(sheet).toMatch(/^\/assets\//);
      const answer = await fetch(`${base}${sheet}`);
      expect([sheet, answer.status, answer.headers.get('content-type')]).toEqual([sheet, 200, 'text/css; charset=utf-8']);
    }
  });

  it("signs in with a person's key: an httpOnly, SameSite=Strict session cookie with an expiry, Secure over https", async () => {
    const browser = webClient(base);
    const answer = await browser.signIn(stateKey.key);
    expect(answer).toMatchObject({ status: 303, location: '/' });
    const session = answer.setCookies.find((header) => header.startsWith('tm_session=')) as string;
    expect(session).toMatch(/^tm_session=[A-Za-z0-9_-]{43}; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Strict$/);
    const hours = (new Date(/Expires=([^;]+)/.exec(session)?.[1] as string).getTime() - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(7.9);
    expect(hours).toBeLessThanOrEqual(8);
    const home = await browser.get('/');
    expect(home.status).toBe(200);
    expect(home.html).toContain('Signed in as <strong>Ada Lovelace, State Turnaround Office</strong>');
    expect(home.html).toContain('<main id="main-content"');

    // behind a proxy TRUST_PROXY believes, a request that came over https gets a Secure cookie
    const overHttps = await webClient(base).signIn(stateKey.key, { 'x-forwarded-proto': 'https' });
    expect(overHttps.setCookies.find((header) => header.startsWith('tm_session='))).toMatch(/; Secure; SameSite=Strict$/);
  });

  it('refuses a key it does not know with the same words as a revoked one, and a sign-in posted without its form', async () => {
    const browser = webClient(base);
    const unknown = await browser.signIn(`${stateKey.key.slice(0, -1)}x`);
    expect(unknown.status).toBe(401);
    expect(unknown.html).toContain('The key is unknown or revoked.');
    expect(unknown.setCookies.some((header) => header.startsWith('tm_session='))).toBe(false);
    const bootstrap = await browser.signIn('test-state-key-0123456789');
    expect(bootstrap.html).toContain('for automation, not for a person');

    // another site's form has neither the sign-in cookie nor its token
    const forged = await webClient(base).post('/sign-in', { key: stateKey.key, csrf: 'guess' });
    expect(forged).toMatchObject({ status: 303, location: '/sign-in?notice=retry' });
    expect(forged.setCookies.some((header) => header.startsWith('tm_session='))).toBe(false);
    const crossOrigin = await browser.post(
      '/sign-in',
      { key: stateKey.key, csrf: hiddenCsrf((await browser.get('/sign-in')).html) },
      { origin: 'https://elsewhere.example' },
    );
    expect(crossOrigin.status).toBe(403);
  });

  it('shows the state office home with the numbers the API answers, now and as known before the feed', async () => {
    const browser = webClient(base);
    await browser.signIn(stateKey.key);
    const api = await httpClient(app, stateKey.key);
    for (const asOf of [undefined, beforePush]) {
      const query = asOf ? `?asOf=${encodeURIComponent(asOf)}` : '';
      const home = await browser.get(`/${query}`);
      expect(home.status).toBe(200);
      const scorecard = (await api.get(`/api/v1/contracts/K/scorecard${query}`)).body as { termYears: number; lines: Line[] };
      for (let year = 1; year <= scorecard.termYears; year += 1)
        expect([year, gridCell(home.html, 'K', year)]).toEqual([year, countsOf(scorecard.lines, year)]);
      const open = (await api.get(`/api/v1/alerts?status=open${asOf ? `&asOf=${encodeURIComponent(asOf)}` : ''}`)).body as { severity: string }[];
      const expected = { warning: 0, serious: 0, critical: 0 };
      for (const alert of open) expected[alert.severity as keyof typeof expected] += 1;
      expect(severityCounts(home.html)).toEqual(expected);
      const coverage = (await api.get(`/api/v1/feeds/coverage${query}`)).body as { overdue: boolean }[];
      expect(Number(/data-overdue-total="(\d+)"/.exec(home.html)?.[1])).toBe(coverage.filter((row) => row.overdue).length);
    }
    expect(gridCell((await browser.get('/')).html, 'K', 1)).toEqual({ missed: expect.any(Number), met: expect.any(Number) });
  });

  it("sends a page gzip-compressed to a browser that accepts it, the same page as sent plainly (read back by Python's gzip)", async () => {
    const browser = webClient(base);
    await browser.signIn(stateKey.key);
    const cookie = [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    for (const path of ['/', '/schools/S1', '/zones/Z', '/coverage?show=all']) {
      const plain = await rawGet(`${base}${path}`, { cookie, 'accept-encoding': 'identity' });
      const compressed = await rawGet(`${base}${path}`, { cookie, 'accept-encoding': 'gzip, deflate, br' });
      expect([path, plain.headers['content-encoding'], compressed.headers['content-encoding'], compressed.headers['content-type']]).toEqual([
        path,
        undefined,
        'gzip',
        'text/html; charset=utf-8',
      ]);
      expect(compressed.body.length).toBeLessThan(plain.body.length);
      const read = execFileSync('python3', ['-c', 'import gzip, sys; sys.stdout.buffer.write(gzip.decompress(sys.stdin.buffer.read()))'], {
        input: compressed.body,
      });
      expect(read.toString()).toBe(plain.body.toString());
    }
  });

  it("narrows a district's home to its own, shows its school as the API does, and answers 404 for another district's school", async () => {
    const browser = webClient(base);
    await browser.signIn(districtKey.key);
    const api = await httpClient(app, districtKey.key);
    const home = await browser.get('/');
    const scorecard = (await api.get('/api/v1/contracts/K/scorecard')).body as { lines: Line[] };
    expect(gridCell(home.html, 'K', 1)).toEqual(countsOf(scorecard.lines, 1));
    expect(scorecard.lines.some((line) => line.subjectId === 'S2')).toBe(false);
    const alerts = (await api.get('/api/v1/alerts?status=open')).body as { alertId: string; severity: string }[];
    expect(Object.values(severityCounts(home.html)).reduce((sum, count) => sum + count, 0)).toBe(alerts.length);
    expect([...home.html.matchAll(/<tr data-alert="([^"]+)">/g)].map(([, alertId]) => alertId).sort()).toEqual(alerts.map((alert) => alert.alertId).sort());

    const school = await browser.get('/schools/S1');
    expect(school.status).toBe(200);
    const line = scorecard.lines.find((candidate) => candidate.subjectId === 'S1') as Line;
    const row =
      new RegExp(`<tr data-contract="K" data-metric="${line.metric}" data-contract-year="${line.contractYear}">([\\s\\S]*?)</tr>`).exec(school.html)?.[1] ?? '';
    const values = [...row.matchAll(/data-value="([^"]*)"/g)].map(([, value]) => value);
    const metrics = (await api.get('/api/v1/schools/S1/metrics')).body as { metric: string; schoolYear: string; denominator: number; smallNumber: boolean }[];
    const reading = metrics.find((candidate) => candidate.metric === line.metric) as (typeof metrics)[number];
    expect(values).toEqual([String(line.threshold), String(line.actual), String(reading.denominator)]);
    expect(row).toContain(`data-status="${line.status}"`);
    expect(row).toContain(`data-small="${reading.smallNumber}"`);

    expect((await browser.get('/schools/S2')).status).toBe(404);
    expect((await browser.get('/schools/no-such-school')).status).toBe(404);
    const schools = await browser.get('/schools');
    expect([...schools.html.matchAll(/<tr data-school="([^"]+)">/g)].map(([, schoolId]) => schoolId)).toEqual(['S1', 'S3']);
  });

  it("answers a bad asOf with the API's words, as a page", async () => {
    const browser = webClient(base);
    await browser.signIn(stateKey.key);
    const answer = await browser.get('/?asOf=2025-02-30');
    expect(answer.status).toBe(400);
    expect(answer.html).toContain('asOf:');
  });

  it("takes a form only with its session's token and from this site, and signs out", async () => {
    const browser = webClient(base);
    await browser.signIn(stateKey.key);
    const csrf = hiddenCsrf((await browser.get('/')).html);
    expect((await browser.post('/sign-out', {})).status).toBe(403);
    expect((await browser.post('/sign-out', { csrf: 'x'.repeat(csrf.length) })).status).toBe(403);
    expect((await browser.post('/sign-out', { csrf }, { origin: 'https://elsewhere.example' })).status).toBe(403);
    expect((await browser.post('/sign-out', { csrf: 'x'.repeat(10_000) })).status).toBe(413);
    expect((await browser.get('/')).status).toBe(200);

    const session = browser.cookies.get('tm_session') as string;
    expect(await browser.post('/sign-out', { csrf }, { origin: base })).toMatchObject({ status: 303, location: '/sign-in?notice=signed-out' });
    expect(browser.cookies.has('tm_session')).toBe(false);
    // the session is gone on the server too, not only from this browser
    browser.cookies.set('tm_session', session);
    expect(await browser.get('/')).toMatchObject({ status: 303, location: '/sign-in' });
  });

  it('ends the sessions of a key that is revoked', async () => {
    const keys = app.get(ApiKeys);
    const doomed = await keys.issue({ kind: 'district', districtId: 'D1' }, 'a district officer who leaves');
    const browser = webClient(base);
    await browser.signIn(doomed.key);
    expect((await browser.get('/')).status).toBe(200);
    await keys.revoke(doomed.keyId);
    expect(await browser.get('/')).toMatchObject({ status: 303, location: '/sign-in' });
    expect((await browser.signIn(doomed.key)).html).toContain('The key is unknown or revoked.');
  });
});
