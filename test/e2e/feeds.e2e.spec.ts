import { createReadStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { INestApplication } from '@nestjs/common';
import { createApp } from '@turnaround/all-in-one';
import { openScratchDatabase, serverUrlForTests } from '@turnaround/postgres/testing';
import { testConfig } from './support/app';
import { httpClient } from './support/http-client';

jest.setTimeout(60_000);

const FIXTURES = join(__dirname, '..', '..', 'libs', 'feeds', 'fixtures');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

type Http = Awaited<ReturnType<typeof httpClient>>;

/** The feed API as a data team uses it; run on the embedded default and on the real server. */
function feedApiScenarios(http: () => Http) {
  it('takes a vendor CSV with its profile, streamed, and answers with every count and rejection', async () => {
    const stream = Readable.toWeb(createReadStream(join(FIXTURES, 'nyc-doe-math-sample.csv'))) as ReadableStream;
    const pushed = await http().send('/api/v1/feeds/assessment?profile=nyc-doe-math', stream, 'text/csv; charset=utf-8');
    expect(pushed.status).toBe(200);
    expect(pushed.body).toMatchObject({
      feed: 'assessment',
      profile: 'nyc-doe-math',
      status: 'completed',
      accepted: 5,
      duplicates: 0,
      restated: 0,
      skipped: 2,
      rejectedRows: 2,
      rejected: [
        { row: 8, field: 'Num Level 3 and 4 (proficient)', message: 'expected at most the number tested (30), got 31' },
        { row: 9, field: 'Number Tested (tested)', message: "expected a number, got 'thirty'" },
      ],
    });

    const again = await http().send('/api/v1/feeds/assessment?profile=nyc-doe-math', fixture('nyc-doe-math-sample.csv'), 'text/csv');
    expect(again.body).toMatchObject({ accepted: 0, duplicates: 5, restated: 0 });

    const listed = await http().get(`/api/v1/feeds/rejections?batchId=${pushed.body.batchId}`);
    expect(listed.status).toBe(200);
    expect(listed.body.batch).toMatchObject({ batchId: pushed.body.batchId, status: 'completed', accepted: 5, rejectedRows: 2, actor: 'key bootstrap (state)' });
    expect(listed.body.rejections).toEqual([
      {
        row: 8,
        record: expect.objectContaining({ DBN: '01M019', 'Number Tested': '30', 'Num Level 3 and 4': '31' }),
        issues: [{ row: 8, field: 'Num Level 3 and 4 (proficient)', message: 'expected at most the number tested (30), got 31' }],
      },
      expect.objectContaining({ row: 9 }),
    ]);
  });

  it('takes a JSON array, restates a changed value, and withdraws a record by its natural key', async () => {
    const record = { schoolId: 'S9', schoolYear: '2024-25', indicator: 'dropouts', numerator: 4, denominator: 410 };
    expect((await http().post('/api/v1/feeds/indicators', [record])).body).toMatchObject({ accepted: 1 });
    expect((await http().post('/api/v1/feeds/indicators', [{ ...record, numerator: 5 }])).body).toMatchObject({ accepted: 0, restated: 1 });
    const retracted = await http().post('/api/v1/feeds/indicators/retractions', { naturalKey: 'S9/2024-25/dropouts', reason: 'counted twice' });
    expect(retracted).toEqual({ status: 201, body: { retracted: true } });
    const unknown = await http().post('/api/v1/feeds/indicators/retractions', { naturalKey: 'S9/2024-25/truants', reason: 'x' });
    expect(unknown.status).toBe(404);
  });

  it('refuses a file with student-level columns with 400, and keeps the refusal, not the rows', async () => {
    const refused = await http().send('/api/v1/feeds/attendance', fixture('student-level.csv'), 'text/csv');
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ status: 'rejected', accepted: 0 });
    expect(refused.body.rejected.map((issue: { field: string }) => issue.field)).toEqual(['Student ID', 'Last Name', 'DOB']);
    const listed = await http().get(`/api/v1/feeds/rejections?batchId=${refused.body.batchId}`);
    expect(listed.body).toMatchObject({ batch: { status: 'rejected' }, rejections: [] });
    expect(JSON.stringify(listed.body)).not.toContain('Doe');
  });

  it('answers a wrong feed, content type or profile with what was expected', async () => {
    expect((await http().post('/api/v1/feeds/grades', [])).body).toEqual({
      error: 'validation',
      message: "kind: expected one of assessment, attendance, staffing, indicators, got 'grades'",
      issues: [{ field: 'kind', message: "expected one of assessment, attendance, staffing, indicators, got 'grades'" }],
    });
    const xml = await http().send('/api/v1/feeds/staffing', '<rows/>', 'application/xml');
    expect(xml).toEqual({
      status: 415,
      body: { error: 'unsupported_media_type', message: "a feed push takes application/json (an array of records) or text/csv (a header row, then a record per line); this request sent 'application/xml'" },
    });
    const profile = await http().send('/api/v1/feeds/assessment?profile=nyc', 'a,b\n', 'text/csv');
    expect(profile.status).toBe(400);
    expect(profile.body.message).toBe("profile: expected one of canonical, nyc-doe-math, got 'nyc'");
    expect((await http().get('/api/v1/feeds/rejections')).status).toBe(400);
    expect((await http().get('/api/v1/feeds/rejections?batchId=nope')).status).toBe(404);
    expect((await http().get('/api/v1/feeds/profiles')).body.map((p: { name: string }) => p.name)).toEqual(['canonical', 'nyc-doe-math']);
  });
}

describe('feeds over HTTP on the embedded default (PGlite under DATA_DIR)', () => {
  let dataDir: string;
  let app: INestApplication;
  let http: Http;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'turnaround-e2e-'));
    app = await createApp(testConfig({ DATA_DIR: dataDir }), { logger: false });
    http = await httpClient(app);
  });
  afterAll(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  feedApiScenarios(() => http);
});

const serverUrl = serverUrlForTests();
(serverUrl ? describe : describe.skip)('feeds over HTTP on the PostgreSQL server', () => {
  let app: INestApplication;
  let http: Http;
  let database: Awaited<ReturnType<typeof openScratchDatabase>>;
  beforeAll(async () => {
    database = await openScratchDatabase(serverUrl as string);
    app = await createApp(testConfig({ DATABASE_URL: database.url }), { logger: false });
    http = await httpClient(app);
  });
  afterAll(async () => {
    await app.close();
    await database.close();
  });
  feedApiScenarios(() => http);
});
