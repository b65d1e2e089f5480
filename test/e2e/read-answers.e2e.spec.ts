import { mkdtempSync, rmSync } from 'node:fs';
import { IncomingHttpHeaders, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { INestApplication } from '@nestjs/common';
import { createApp } from '@turnaround/all-in-one';
import { manualClock } from '@turnaround/domain';
import { waitUntil } from '@turnaround/domain/testing';
import { ApiKeys } from '@turnaround/platform';
import { TEST_STATE_KEY, testConfig } from './support/app';
import { httpClient } from './support/http-client';
import { webClient } from './support/web-client';
import { attendance2023, registerOneClusterZone } from './support/one-cluster-zone';

jest.setTimeout(120_000);

type Line = { subjectId: string; scope: string; actual: number | null };
type Coverage = { schoolId: string; feed: string; daysOverdue: number };

/**
 * The heaviest reads keep their answer while the read model stays as it was (no runner's
 * checkpoint moved, the same day): what each caller is answered must be exactly what a fresh
 * read would give, whoever asks and whenever the read model or the day moves on.
 */
describe('answers kept per state of the read model', () => {
  let dataDir: string;
  let app: INestApplication;
  let http: Awaited<ReturnType<typeof httpClient>>;
  const clock = manualClock('2024-04-10T12:00:00.000Z');
  const get = (path: string, key: string) => fetch(`${http.base}${path}`, { headers: { authorization: `Bearer ${key}` } });
  /**
   * A GET as a browser sends it: with `headers` alone (fetch would add Cache-Control: no-cache to
   * a conditional request, which asks the server for the whole answer, and would undo gzip).
   */
  const raw = (path: string, headers: Record<string, string> = {}) =>
    new Promise<{ status?: number; headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) =>
      request(`${http.base}${path}`, { headers: { authorization: `Bearer ${TEST_STATE_KEY}`, ...headers } }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks) }));
      })
        .on('error', reject)
        .end(),
    );

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'turnaround-read-answers-'));
    app = await createApp(testConfig({ DATA_DIR: dataDir }), { logger: false, clock });
    http = await httpClient(app);
    await registerOneClusterZone(http, [
      ['S1', 'D1'],
      ['S2', 'D2'],
    ]);
    expect((await http.post('/api/v1/feeds/attendance', [attendance2023('S1', 900, '2024-01-31'), attendance2023('S2', 950, '2024-01-31')])).status).toBe(200);
  });
  afterAll(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const schoolLines = (lines: Line[]) => lines.filter((line) => line.scope === 'school').map((line) => [line.subjectId, line.actual]);

  it('answers the same call the same way, with an entity tag a client can revalidate with', async () => {
    await waitUntil(
      () => http.get('/api/v1/contracts/K/scorecard').then((answer) => answer.body.lines as Line[]),
      (lines) =>
        expect(schoolLines(lines)).toEqual([
          ['S1', 0.9],
          ['S2', 0.95],
        ]),
    );
    const path = '/api/v1/contracts/K/scorecard';
    const first = await raw(path);
    const again = await raw(path);
    expect(again.body.toString()).toEqual(first.body.toString());
    expect(again.headers['content-type']).toBe('application/json; charset=utf-8');
    const etag = first.headers.etag as string;
    expect(again.headers.etag).toBe(etag);
    expect((await raw(path, { 'if-none-match': etag })).status).toBe(304);
    // Compressed for a client that takes gzip: the same answer, under an entity tag of its own.
    const gzipped = await raw(path, { 'accept-encoding': 'gzip, deflate, br' });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gzipped.headers.vary).toBe('Accept-Encoding');
    expect(gunzipSync(gzipped.body).toString()).toEqual(first.body.toString());
    expect(gzipped.headers.etag).not.toBe(etag);
    expect((await raw(path, { 'accept-encoding': 'gzip', 'if-none-match': gzipped.headers.etag as string })).status).toBe(304);
    // The calls after the first were answered with the kept answer, not read again.
    const kept = /^turnaround_read_answers_total\{outcome="kept"\} (\d+)$/m.exec(await (await fetch(`${http.base}/metrics`)).text());
    expect(Number(kept?.[1])).toBeGreaterThanOrEqual(2);
  });

  it("gives each role its own answer: a district is never answered from the state office's", async () => {
    const district = (await app.get(ApiKeys).issue({ kind: 'district', districtId: 'D1' }, 'D1 lead')).key;
    expect(schoolLines((await http.get('/api/v1/contracts/K/scorecard')).body.lines)).toEqual([
      ['S1', 0.9],
      ['S2', 0.95],
    ]);
    expect(schoolLines(((await (await get('/api/v1/contracts/K/scorecard', district)).json()) as { lines: Line[] }).lines)).toEqual([['S1', 0.9]]);
  });

  it('answers anew once the read model has moved on', async () => {
    const before = await raw('/api/v1/contracts/K/scorecard');
    expect((await http.post('/api/v1/feeds/attendance', [attendance2023('S1', 980, '2024-01-31')])).status).toBe(200);
    await waitUntil(
      () => http.get('/api/v1/contracts/K/scorecard').then((answer) => answer.body.lines as Line[]),
      (lines) =>
        expect(schoolLines(lines)).toEqual([
          ['S1', 0.98],
          ['S2', 0.95],
        ]),
    );
    expect((await raw('/api/v1/contracts/K/scorecard', { 'if-none-match': before.headers.etag as string })).status).toBe(200);
  });

  it("keeps a page's view per role and state: a district's contract page never shows the state office's lines, and a push shows at once", async () => {
    const pageRows = (html: string) =>
      [...html.matchAll(/<tr data-contract="K" data-scope="school" data-subject="([^"]+)"[^>]*>[\s\S]*?<\/tr>/g)].map(([row, subject]) => [
        subject,
        /data-status="(\w+)"/.exec(row)?.[1],
      ]);
    const stateOffice = webClient(http.base);
    await stateOffice.signIn((await app.get(ApiKeys).issue({ kind: 'state' }, 'State office')).key);
    const district = webClient(http.base);
    await district.signIn((await app.get(ApiKeys).issue({ kind: 'district', districtId: 'D2' }, 'D2 lead')).key);
    const before = pageRows((await stateOffice.get('/contracts/K')).html);
    expect(before.map(([subject]) => subject)).toEqual(['S1', 'S2']);
    expect(pageRows((await stateOffice.get('/contracts/K')).html)).toEqual(before);
    expect(pageRows((await district.get('/contracts/K')).html).map(([subject]) => subject)).toEqual(['S2']);

    // S2 below the target now: the page shows it as soon as the read side has it.
    expect((await http.post('/api/v1/feeds/attendance', [attendance2023('S2', 800, '2024-01-31')])).status).toBe(200);
    const lineOfS2 = async () =>
      ((await http.get('/api/v1/contracts/K/scorecard')).body.lines as (Line & { status: string })[]).find(
        (line) => line.subjectId === 'S2' && line.scope === 'school',
      )?.status;
    const status = await waitUntil(lineOfS2, (value) => expect(value).not.toBe(before[1][1]));
    expect(pageRows((await stateOffice.get('/contracts/K')).html)[1]).toEqual(['S2', status]);
  });

  it('judges coverage on the day: the next day, the same read model gives a day more overdue', async () => {
    const overdue = async () =>
      ((await http.get('/api/v1/feeds/coverage?zoneId=Z')).body as Coverage[]).find((row) => row.schoolId === 'S1' && row.feed === 'attendance')?.daysOverdue;
    // January received: February was due March 15, 26 days before April 10.
    expect(await overdue()).toBe(26);
    expect(await overdue()).toBe(26);
    clock.set('2024-04-11T12:00:00.000Z');
    expect(await overdue()).toBe(27);
  });
});
