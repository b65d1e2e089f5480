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
    expect(listed.body.batch).toMatchObject({
      batchId: pushed.body.batchId,
      status: 'completed',
      accepted: 5,
      rejectedRows: 2,
      actor: 'key bootstrap (state)',
    });
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
    expect(retracted).toEqual({ status: 201, body: { retracted: true, naturalKey: 'S9/2024-25/dropouts' } });
    const unknown = await http().post('/api/v1/feeds/indicators/retractions', { naturalKey: 'S9/2024-25/truants', reason: 'x' });
    expect(unknown.status).toBe(404);
  });

  it('retracts an assessment record whatever the case of its assessment code, and refuses a second retraction saying when and by whom', async () => {
    const record = {
      schoolId: 'S10',
      schoolYear: '2023-24',
      window: 'spring',
      assessment: 'MCAS',
      subject: 'math',
      grade: 'all',
      studentGroup: 'all',
      tested: 40,
      proficient: 12,
    };
    expect((await http().post('/api/v1/feeds/assessment', [record])).body).toMatchObject({ accepted: 1 });
    const retracted = await http().post('/api/v1/feeds/assessment/retractions', { naturalKey: 'S10/2023-24/spring/MCAS/math/all/all', reason: 'wrong school' });
    expect(retracted).toEqual({ status: 201, body: { retracted: true, naturalKey: 'S10/2023-24/spring/mcas/math/all/all' } });
    const again = await http().post('/api/v1/feeds/assessment/retractions', { naturalKey: 'S10/2023-24/spring/mcas/math/all/all', reason: 'again' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: 'illegal_state' });
    expect(again.body.message).toMatch(
      /^assessment record 'S10\/2023-24\/spring\/mcas\/math\/all\/all' was already retracted on \d{4}-\d{2}-\d{2}T\S+ by key bootstrap \(state\) \("wrong school"\)/,
    );
  });

  it('reports a retracted record pushed again as reinstated, by key, apart from restatements', async () => {
    const record = { schoolId: 'S11', schoolYear: '2024-25', indicator: 'dropouts', numerator: 4, denominator: 410 };
    const other = { ...record, indicator: 'truants' };
    await http().post('/api/v1/feeds/indicators', [record, other]);
    await http().post('/api/v1/feeds/indicators/retractions', { naturalKey: 'S11/2024-25/dropouts', reason: 'counted twice' });
    const old = await http().post('/api/v1/feeds/indicators', [record, { ...other, numerator: 5 }]);
    expect(old.body).toMatchObject({ accepted: 0, restated: 1, reinstated: 1, reinstatedKeys: ['S11/2024-25/dropouts'] });
    const [batch] = (await http().get('/api/v1/feeds/batches?limit=1')).body;
    expect(batch).toMatchObject({ batchId: old.body.batchId, reinstated: 1, reinstatedKeys: ['S11/2024-25/dropouts'] });
  });

  it('warns of unregistered schools, and answers ?dryRun=true with exactly the counts the push then gives, storing nothing', async () => {
    const base = { schoolId: 'S12', schoolYear: '2024-25', numerator: 4, denominator: 410 };
    await http().post('/api/v1/feeds/indicators', [
      { ...base, indicator: 'a' },
      { ...base, indicator: 'b' },
      { ...base, indicator: 'c' },
    ]);
    await http().post('/api/v1/feeds/indicators/retractions', { naturalKey: 'S12/2024-25/c', reason: 'wrong' });
    const csv = [
      'schoolId,schoolYear,indicator,numerator,denominator',
      'S12,2024-25,a,4,410', // duplicate
      'S12,2024-25,b,5,410', // restated
      'S12,2024-25,c,4,410', // reinstated
      'S12,2024-25,d,4,410', // accepted
      'S12,2024-25,d,6,410', // restated (of the row before)
      'S12,2024-25,e,4,0', // rejected
      'S13,2024-25,a,1,10', // accepted, another unregistered school
    ].join('\n');
    const batchesBefore = (await http().get('/api/v1/feeds/batches?limit=500')).body.length;
    const recordsBefore = (await http().get('/api/v1/feeds/indicators/records?schoolId=S12&schoolYear=2024-25')).body;
    const dry = await http().send('/api/v1/feeds/indicators?dryRun=true', csv, 'text/csv');
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({
      batchId: null,
      dryRun: true,
      accepted: 2,
      duplicates: 1,
      restated: 2,
      reinstated: 1,
      rejectedRows: 1,
      reinstatedKeys: ['S12/2024-25/c'],
      warningCount: 2,
    });
    expect(dry.body.warnings).toEqual([
      {
        row: 2,
        field: 'schoolId',
        schoolId: 'S12',
        message: "school 'S12' is not registered: its records are stored as a comparison school's (register it, or check the id)",
      },
      expect.objectContaining({ row: 8, schoolId: 'S13' }),
    ]);
    // nothing stored, no batch kept
    expect((await http().get('/api/v1/feeds/batches?limit=500')).body.length).toBe(batchesBefore);
    expect((await http().get('/api/v1/feeds/indicators/records?schoolId=S12&schoolYear=2024-25')).body).toEqual(recordsBefore);

    const real = await http().send('/api/v1/feeds/indicators', csv, 'text/csv');
    const { batchId, dryRun, ...counted } = real.body;
    expect([typeof batchId, dryRun]).toEqual(['string', false]);
    expect({ ...dry.body, batchId: undefined, dryRun: undefined }).toEqual({ ...counted, batchId: undefined, dryRun: undefined });
    expect((await http().send('/api/v1/feeds/indicators?dryRun=yes', csv, 'text/csv')).status).toBe(400);
  });

  it('lists the records stored for a school and year, with their batch and knowledge time, retracted ones marked, a page at a time and as of a past time', async () => {
    const base = { schoolId: 'S14', schoolYear: '2024-25', numerator: 4, denominator: 410 };
    const first = await http().post('/api/v1/feeds/indicators', [
      { ...base, indicator: 'a' },
      { ...base, indicator: 'b' },
      { ...base, indicator: 'c' },
    ]);
    const [{ knownAt: firstKnown }] = (await http().get('/api/v1/feeds/indicators/records?schoolId=S14&schoolYear=2024-25')).body.records;
    const second = await http().post('/api/v1/feeds/indicators', [{ ...base, indicator: 'b', numerator: 5 }]);
    await http().post('/api/v1/feeds/indicators/retractions', { naturalKey: 'S14/2024-25/c', reason: 'not ours' });

    const listed = await http().get('/api/v1/feeds/indicators/records?schoolId=S14&schoolYear=2024-25');
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject({ feed: 'indicators', schoolId: 'S14', schoolYear: '2024-25', asOf: null, nextAfter: null });
    expect(listed.body.records).toEqual([
      expect.objectContaining({
        naturalKey: 'S14/2024-25/a',
        record: { ...base, indicator: 'a' },
        batchId: first.body.batchId,
        channel: 'http',
        actor: 'key bootstrap (state)',
        versions: 1,
        retracted: false,
        retraction: null,
      }),
      expect.objectContaining({
        naturalKey: 'S14/2024-25/b',
        record: { ...base, indicator: 'b', numerator: 5 },
        batchId: second.body.batchId,
        firstKnownAt: firstKnown,
        versions: 2,
        retracted: false,
      }),
      expect.objectContaining({
        naturalKey: 'S14/2024-25/c',
        batchId: first.body.batchId,
        retracted: true,
        retraction: { at: expect.any(String), by: 'key bootstrap (state)', reason: 'not ours' },
      }),
    ]);
    expect(listed.body.records[1].knownAt > firstKnown).toBe(true);

    const page = await http().get('/api/v1/feeds/indicators/records?schoolId=S14&schoolYear=2024-25&limit=2');
    expect(page.body.records.map((r: { naturalKey: string }) => r.naturalKey)).toEqual(['S14/2024-25/a', 'S14/2024-25/b']);
    expect(page.body.nextAfter).toBe('S14/2024-25/b');
    const next = await http().get(`/api/v1/feeds/indicators/records?schoolId=S14&schoolYear=2024-25&limit=2&after=${encodeURIComponent(page.body.nextAfter)}`);
    expect(next.body).toMatchObject({ records: [expect.objectContaining({ naturalKey: 'S14/2024-25/c' })], nextAfter: null });

    // as the service knew it after the first push: b at its first values, c not yet retracted
    const then = await http().get(`/api/v1/feeds/indicators/records?schoolId=S14&schoolYear=2024-25&asOf=${encodeURIComponent(firstKnown)}`);
    expect(then.body.asOf).toBe(firstKnown);
    expect(
      then.body.records.map((r: { naturalKey: string; versions: number; retracted: boolean; record: { numerator: number } }) => [
        r.naturalKey,
        r.versions,
        r.retracted,
        r.record.numerator,
      ]),
    ).toEqual([
      ['S14/2024-25/a', 1, false, 4],
      ['S14/2024-25/b', 1, false, 4],
      ['S14/2024-25/c', 1, false, 4],
    ]);

    expect((await http().get('/api/v1/feeds/indicators/records?schoolYear=2024-25')).status).toBe(400);
    expect((await http().get('/api/v1/feeds/indicators/records?schoolId=S14&schoolYear=2024')).status).toBe(400);
    expect((await http().get('/api/v1/feeds/indicators/records?schoolId=S14&schoolYear=2024-25&limit=5000')).status).toBe(400);
    expect((await http().get('/api/v1/feeds/indicators/records?schoolId=NOPE&schoolYear=2024-25')).body.records).toEqual([]);
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
      body: {
        error: 'unsupported_media_type',
        message:
          "a feed push takes application/json (an array of records) or text/csv (a header row, then a record per line); this request sent 'application/xml'",
      },
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
