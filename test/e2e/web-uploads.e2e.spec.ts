import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { createApp } from '@turnaround/all-in-one';
import { ApiKeys } from '@turnaround/platform';
import { testConfig } from './support/app';
import { httpClient } from './support/http-client';
import { registerOneClusterZone } from './support/one-cluster-zone';
import { hiddenCsrf, webClient } from './support/web-client';

jest.setTimeout(180_000);

type Batch = { batchId: string; accepted: number; duplicates: number; restated: number; skipped: number; rejectedRows: number; status: string };
type Coverage = { schoolId: string; feed: string; lastPeriodEnd: string | null; dueBy: string; daysOverdue: number; overdue: boolean };

/** A canonical attendance file: line 2 is good, line 3 has a count that is no number, line 4 more days present than enrolled. */
const FILE = [
  'schoolId,schoolYear,periodStart,periodEnd,membershipDays,attendanceDays',
  'S1,2023-24,2023-09-01,2024-06-30,1000,950',
  'S2,2023-24,2023-09-01,2024-06-30,lots,950',
  'S3,2023-24,2023-09-01,2024-06-30,1000,1200',
].join('\n');

/** Sends the upload form as a browser does without script: multipart/form-data with the session's cookies. */
async function upload(browser: ReturnType<typeof webClient>, fields: Record<string, string>, file: { name: string; type: string; text: string }) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', new Blob([file.text], { type: file.type }), file.name);
  const response = await fetch(`${base}/uploads`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ') },
    body: form,
  });
  return { status: response.status, location: response.headers.get('location'), html: await response.text() };
}

let base: string;

/** Zone Z, cluster C of S1 (D1), S2 (D2) and S3 (D1); the state data team uploads attendance in the browser. */
describe("the web app: the data team's upload, its report, and coverage", () => {
  let dataDir: string;
  let app: INestApplication;
  let http: Awaited<ReturnType<typeof httpClient>>;
  let dataTeamKey: { key: string; keyId: string };
  let districtKey: { key: string; keyId: string };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'turnaround-web-uploads-'));
    app = await createApp(testConfig({ DATA_DIR: dataDir }), { logger: false });
    http = await httpClient(app);
    base = http.base;
    await registerOneClusterZone(http, [
      ['S1', 'D1'],
      ['S2', 'D2'],
      ['S3', 'D1'],
    ]);
    const keys = app.get(ApiKeys);
    dataTeamKey = await keys.issue({ kind: 'data-team' }, 'Grace Hopper, state data team');
    districtKey = await keys.issue({ kind: 'district', districtId: 'D1' }, 'Springfield district office');
  });
  afterAll(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('uploads a CSV with bad rows: the report shows each rejected row by line, field and message, with the numbers of the API', async () => {
    const browser = webClient(base);
    await browser.signIn(dataTeamKey.key);
    const page = await browser.get('/uploads');
    expect(page.status).toBe(200);
    expect(page.html).toContain('enctype="multipart/form-data"');
    expect(page.html).toContain('<option value="canonical" selected>canonical: The service\'s own format</option>');

    const sent = await upload(
      browser,
      { csrf: hiddenCsrf(page.html), kind: 'attendance', profile: 'canonical' },
      { name: 'attendance.csv', type: 'text/csv', text: FILE },
    );
    expect(sent.status).toBe(303);
    const batchId = /^\/uploads\/([^/]+)$/.exec(sent.location ?? '')?.[1] as string;
    const report = await browser.get(sent.location as string);
    expect(report.status).toBe(200);

    const batches = (await http.get('/api/v1/feeds/batches')).body as Batch[];
    const batch = batches.find((each) => each.batchId === batchId) as Batch;
    expect(batch).toMatchObject({ accepted: 1, rejectedRows: 2 });
    for (const count of ['accepted', 'duplicates', 'restated', 'skipped', 'rejectedRows'] as const)
      expect(report.html).toContain(`data-count="${count}" data-value="${batch[count]}"`);

    const answer = (await http.get(`/api/v1/feeds/rejections?batchId=${batchId}`)).body as {
      rejections: { row: number; issues: { field: string; message: string }[] }[];
    };
    const issues = answer.rejections.flatMap((rejection) => rejection.issues.map((issue) => ({ line: rejection.row, ...issue })));
    expect(issues.map((issue) => issue.line)).toEqual(expect.arrayContaining([3, 4]));
    const shown = [...report.html.matchAll(/<tr data-line="(\d+)" data-field="([^"]*)"><td>\d+<\/td><td>[^<]*<\/td><td>([^<]*)<\/td><\/tr>/g)].map(
      ([, line, field, message]) => ({ line: Number(line), field, message }),
    );
    expect(shown).toEqual(
      issues.map((issue) => ({
        line: issue.line,
        field: issue.field,
        message: issue.message.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;'),
      })),
    );

    const csv = await fetch(`${base}/uploads/${batchId}/rejections.csv`, {
      headers: { cookie: [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ') },
    });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await csv.text()).trim().split('\r\n');
    // the columns as the file named them (their order is the store's), then the line and why
    const header = lines[0].split(',');
    expect(header.slice(0, -2).sort()).toEqual(FILE.split('\n')[0].split(',').sort());
    expect(header.slice(-2)).toEqual(['rejected line', 'why rejected']);
    const rows = lines.slice(1).map((line) => Object.fromEntries(line.split(',').map((cell, index) => [header[index], cell])));
    expect(rows.map((row) => [row.schoolId, row['rejected line']])).toEqual([
      ['S2', '3'],
      ['S3', '4'],
    ]);
    expect(rows[0].membershipDays).toBe('lots');

    const listed = await browser.get('/uploads');
    expect(listed.html).toContain(`<tr data-batch="${batchId}">`);
  });

  it('answers a JSON file with a profile, or no file, with the form and its problem; without the token, a 403', async () => {
    const browser = webClient(base);
    await browser.signIn(dataTeamKey.key);
    const page = await browser.get('/uploads');
    const json = await upload(
      browser,
      { csrf: hiddenCsrf(page.html), kind: 'attendance', profile: 'nyc-doe-math' },
      { name: 'a.json', type: 'application/json', text: '[]' },
    );
    expect(json.status).toBe(400);
    expect(json.html).toContain('profiles map CSV columns');
    expect(json.html).toContain('aria-invalid="true"');
    const forged = await upload(browser, { kind: 'attendance', profile: 'canonical' }, { name: 'attendance.csv', type: 'text/csv', text: FILE });
    expect(forged.status).toBe(403);
  });

  it("gives a district no upload page (404, no navigation entry), and its own schools' coverage", async () => {
    const browser = webClient(base);
    await browser.signIn(districtKey.key);
    expect((await browser.get('/uploads')).status).toBe(404);
    const coverage = await browser.get('/coverage?show=all');
    expect(coverage.status).toBe(200);
    expect(coverage.html).not.toContain('href="/uploads"');
    const own = (await fetch(`${base}/api/v1/feeds/coverage`, { headers: { authorization: `Bearer ${districtKey.key}` } }).then((answer) =>
      answer.json(),
    )) as Coverage[];
    const rows = [...coverage.html.matchAll(/<tr data-school="([^"]+)" data-feed="([^"]+)">/g)].map(([, schoolId, feed]) => `${schoolId}/${feed}`);
    expect(rows.sort()).toEqual(own.map((row) => `${row.schoolId}/${row.feed}`).sort());
    expect(rows.some((row) => row.startsWith('S2/'))).toBe(false);
  });

  it("lists the state office's coverage rows as the API answers them, the overdue ones by default", async () => {
    const browser = webClient(base);
    const stateKey = await app.get(ApiKeys).issue({ kind: 'state' }, 'Ada Lovelace, State Turnaround Office');
    await browser.signIn(stateKey.key);
    const all = (await http.get('/api/v1/feeds/coverage')).body as Coverage[];
    const rowsOf = (html: string) =>
      [...html.matchAll(/<tr data-school="([^"]+)" data-feed="([^"]+)">[\s\S]*?<td data-value="(\d+)" data-overdue="(true|false)">/g)].map(
        ([, schoolId, feed, days, overdue]) => ({ schoolId, feed, daysOverdue: Number(days), overdue: overdue === 'true' }),
      );
    const expected = all.map((row) => ({ schoolId: row.schoolId, feed: row.feed, daysOverdue: row.daysOverdue, overdue: row.overdue }));
    const key = (row: { schoolId: string; feed: string }) => `${row.schoolId}/${row.feed}`;
    const sorted = <T extends { schoolId: string; feed: string }>(rows: T[]) => [...rows].sort((a, b) => key(a).localeCompare(key(b)));
    expect(sorted(rowsOf((await browser.get('/coverage?show=all')).html))).toEqual(sorted(expected));
    expect(sorted(rowsOf((await browser.get('/coverage')).html))).toEqual(sorted(expected.filter((row) => row.overdue)));
  });

  it('pages a long coverage table, 100 rows a page, and the pages together list what the API answers', async () => {
    // 40 more schools, beside the cluster's: with their watched feeds, more rows than one page holds.
    for (let n = 1; n <= 40; n++) {
      const answer = await http.post('/api/v1/schools', { schoolId: `X${n}`, districtId: 'D1', name: `School X${n}`, gradeSpan: '06-08' });
      expect(answer.status).toBe(201);
    }
    const browser = webClient(base);
    await browser.signIn((await app.get(ApiKeys).issue({ kind: 'state' }, 'Ada Lovelace, State Turnaround Office')).key);
    const all = (await http.get('/api/v1/feeds/coverage')).body as Coverage[];
    expect(all.length).toBeGreaterThan(100);
    const pages = Math.ceil(all.length / 100);
    const listed: string[] = [];
    for (let page = 1; page <= pages; page++) {
      const { html } = await browser.get(`/coverage?show=all&page=${page}`);
      expect(html).toContain(`${all.length} school feeds, most overdue first: page ${page} of ${pages}`);
      expect(html).toMatch(new RegExp(`aria-current="page"[^>]*>${page}<|>${page}</a>`));
      listed.push(...[...html.matchAll(/<tr data-school="([^"]+)" data-feed="([^"]+)">/g)].map(([, schoolId, feed]) => `${schoolId}/${feed}`));
    }
    expect(listed.sort()).toEqual(all.map((row) => `${row.schoolId}/${row.feed}`).sort());
    // Past the last page, the last; not a page number, the field and what it takes.
    expect((await browser.get(`/coverage?show=all&page=${pages + 5}`)).html).toContain(`page ${pages} of ${pages}`);
    const refused = await browser.get('/coverage?page=first');
    expect(refused.status).toBe(400);
    expect(refused.html).toContain("page: expected a page number, a whole number from 1, got 'first'");
  });

  it('reports a record brought back after its retraction, and a school that is not registered, as the API counts them', async () => {
    const browser = webClient(base);
    await browser.signIn(dataTeamKey.key);
    const csrf = hiddenCsrf((await browser.get('/uploads')).html);
    const file = {
      name: 'attendance.csv',
      type: 'text/csv',
      text: ['schoolId,schoolYear,periodStart,periodEnd,membershipDays,attendanceDays', 'S1,2022-23,2022-09-01,2023-06-30,1000,940'].join('\n'),
    };
    expect((await upload(browser, { csrf, kind: 'attendance', profile: 'canonical' }, file)).status).toBe(303);
    expect(
      (await http.post('/api/v1/feeds/attendance/retractions', { naturalKey: 'S1/2022-09-01/2023-06-30', reason: 'sent for the wrong school' })).status,
    ).toBe(201);
    const again = await upload(
      browser,
      { csrf, kind: 'attendance', profile: 'canonical' },
      { ...file, text: `${file.text}\nQ9,2022-23,2022-09-01,2023-06-30,1000,900` },
    );
    expect(again.status).toBe(303);
    const batchId = decodeURIComponent(again.location?.split('/').pop() ?? '');
    const report = await browser.get(`/uploads/${encodeURIComponent(batchId)}`);
    const api = (await http.get('/api/v1/feeds/batches')).body as (Batch & { reinstated: number; warningCount: number })[];
    const batch = api.find((candidate) => candidate.batchId === batchId);
    expect([batch?.reinstated, batch?.warningCount]).toEqual([1, 1]);
    expect(report.html).toContain(`<li data-count="reinstated" data-value="${batch?.reinstated}">`);
    expect(report.html).toContain('<code>S1/2022-09-01/2023-06-30</code>');
    expect(report.html).toContain(`data-warnings="${batch?.warningCount}"`);
    expect(report.html).toContain('Q9');
  });
});
