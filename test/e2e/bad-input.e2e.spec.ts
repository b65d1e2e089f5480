import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { createApp } from '@turnaround/all-in-one';
import { waitUntil } from '@turnaround/domain/testing';
import { SQL_CLIENT } from '@turnaround/platform';
import { openScratchDatabase, serverUrlForTests } from '@turnaround/postgres/testing';
import { SqlClient } from '@turnaround/postgres';
import { TEST_STATE_KEY, testConfig } from './support/app';
import { httpClient } from './support/http-client';

jest.setTimeout(120_000);

type Http = Awaited<ReturnType<typeof httpClient>>;

const HEADER = 'schoolId,schoolYear,periodStart,periodEnd,membershipDays,attendanceDays';
const row = (schoolId: string, month = '09') => `${schoolId},2024-25,2024-${month}-01,2024-${month}-28,1000,950`;
const record = (schoolId: string) => ({
  schoolId,
  schoolYear: '2024-25',
  periodStart: '2024-09-01',
  periodEnd: '2024-09-28',
  membershipDays: 1000,
  attendanceDays: 950,
});
const MiB = 1024 * 1024;

/** The feed events a batch put in the store (its FeedBatchClosed marker aside). */
async function storedOf(app: INestApplication, batchId: string): Promise<number> {
  const [{ n }] = await app
    .get<SqlClient>(SQL_CLIENT)
    .query<{ n: number }>(`SELECT count(*)::int AS n FROM es_events WHERE metadata->'source'->>'batchId' = $1 AND event_type <> 'FeedBatchClosed'`, [batchId]);
  return n;
}

/** The batch as listed, after checking that what it reports is what the store holds. */
async function reportEqualsStore(http: Http, app: INestApplication, batchId: string) {
  const listed = await http.get(`/api/v1/feeds/rejections?batchId=${batchId}`);
  expect(listed.status).toBe(200);
  expect(listed.body.batch.accepted + listed.body.batch.restated).toBe(await storedOf(app, batchId));
  return listed.body;
}

/**
 * A body of `first`, `count` times `piece` (about 1 MiB, encoded once: the client holds little)
 * and `last`, streamed, sampling the process's memory as it goes.
 */
function streamed(first: string, piece: string, count: number, last: string, peak: { rss: number }): ReadableStream {
  const encoder = new TextEncoder();
  const bytes = encoder.encode(piece);
  let sent = -1;
  return new ReadableStream({
    pull(controller) {
      peak.rss = Math.max(peak.rss, process.memoryUsage().rss);
      sent += 1;
      if (sent === 0) controller.enqueue(encoder.encode(first));
      else if (sent <= count) controller.enqueue(bytes);
      else if (sent === count + 1) controller.enqueue(encoder.encode(last));
      else controller.close();
    },
  });
}

/** Every refusal a 4xx naming the field; after every refused record, the store holds what the report says. */
function badInputScenarios(app: () => INestApplication, http: () => Http) {
  it('rejects a CSV cell with a NUL as its row, naming the column, and stores the rest', async () => {
    const pushed = await http().send('/api/v1/feeds/attendance', [HEADER, row('N1'), row('N2\u0000'), row('N3')].join('\n'), 'text/csv');
    expect(pushed.status).toBe(200);
    expect(pushed.body).toMatchObject({
      status: 'completed',
      accepted: 2,
      rejectedRows: 1,
      rejected: [{ row: 3, field: 'schoolId', message: 'expected text without NUL characters (U+0000)' }],
    });
    const listed = await reportEqualsStore(http(), app(), pushed.body.batchId);
    expect(listed.rejections[0].record).toMatchObject({ schoolId: 'N2\ufffd' });
  });

  it('rejects a JSON record with a NUL or a lone surrogate as its row, naming the field, and stores the rest', async () => {
    const body = JSON.stringify([record('J1'), record('J2\u0000'), { ...record('J3'), periodStart: '2024-09-01\ud800' }, record('J4')]);
    const pushed = await http().send('/api/v1/feeds/attendance', body, 'application/json');
    expect(pushed.status).toBe(200);
    expect(pushed.body).toMatchObject({
      status: 'completed',
      accepted: 2,
      rejected: [
        { row: 2, field: 'schoolId', message: 'expected text without NUL characters (U+0000)' },
        { row: 3, field: 'periodStart', message: 'expected well-formed Unicode text, got a lone surrogate (U+D800)' },
      ],
    });
    await reportEqualsStore(http(), app(), pushed.body.batchId);
  });

  it('refuses JSON nested 100,000 deep with a 400 naming the nesting limit, and a deep record as its row', async () => {
    const before = await http().get('/api/v1/feeds/batches');
    const deep = await http().send('/api/v1/feeds/attendance', `${'['.repeat(100_000)}${']'.repeat(100_000)}`, 'application/json');
    expect(deep.status).toBe(400);
    expect(deep.body).toMatchObject({ error: 'validation', issues: [{ field: '(body)', message: expect.stringContaining('at most 64 levels deep') }] });
    expect((await http().get('/api/v1/feeds/batches')).body).toEqual(before.body);

    let nested: unknown = 1;
    for (let level = 0; level < 20; level += 1) nested = { level: nested };
    const pushed = await http().post('/api/v1/feeds/attendance', [record('D1'), { ...record('D2'), extra: nested }]);
    expect(pushed.body).toMatchObject({
      accepted: 1,
      rejected: [{ row: 2, field: 'extra.level.level.level.level.level.level.level', message: 'expected at most 8 levels of nested arrays and objects' }],
    });
    await reportEqualsStore(http(), app(), pushed.body.batchId);
  });

  it('takes header names and cells like __proto__, constructor and toString as names, refusing them with a 400 that names them', async () => {
    for (const column of ['__proto__', 'constructor', 'toString']) {
      const canonical = await http().send('/api/v1/feeds/attendance', `${HEADER},${column}\n${row('P1')},x\n`, 'text/csv');
      expect(canonical.status).toBe(400);
      expect(canonical.body).toMatchObject({
        status: 'rejected',
        accepted: 0,
        rejected: [{ row: 1, field: column, message: expect.stringContaining('expected a attendance field') }],
      });
      await reportEqualsStore(http(), app(), canonical.body.batchId);
      const profiled = await http().send(
        '/api/v1/feeds/assessment?profile=nyc-doe-math',
        `DBN,Grade,Year,Demographic,Number Tested,${column}\n01M015,3,2006,All Students,39,1\n`,
        'text/csv',
      );
      expect(profiled.status).toBe(400);
      expect(profiled.body.rejected).toContainEqual({
        row: 1,
        field: column,
        message: "column is not mapped by profile 'nyc-doe-math': map it under columns or list it under ignore",
      });
    }
    const cells = await http().send(
      '/api/v1/feeds/assessment?profile=nyc-doe-math',
      'DBN,Grade,Year,Demographic,Number Tested,Num Level 3 and 4\n01M015,toString,2006,All Students,39,20\n01M015,__proto__,2006,constructor,39,20\n01M015,3,2006,All Students,39,20\n',
      'text/csv',
    );
    expect(cells.status).toBe(200);
    expect(cells.body).toMatchObject({ accepted: 1, rejectedRows: 2 });
    await reportEqualsStore(http(), app(), cells.body.batchId);
  });

  it('rejects a cell over 64 KiB and a record over 1 MiB as rows, keeping an excerpt, with the line numbers of the file', async () => {
    const longCell = 'x'.repeat(100 * 1024);
    // The 2 MiB record spans three lines (line breaks inside its quoted cell): the row after it is line 6.
    const hugeRecord = `H3,2024-25,2024-09-01,2024-09-28,1000,"${'y'.repeat(MiB)}\n${'y'.repeat(MiB)}\nz"`;
    const csv = [HEADER, row('H1'), `H2,2024-25,2024-09-01,2024-09-28,1000,${longCell}`, hugeRecord, row('H4')].join('\n');
    const pushed = await http().send('/api/v1/feeds/attendance', csv, 'text/csv');
    expect(pushed.status).toBe(200);
    expect(pushed.body).toMatchObject({
      accepted: 2,
      rejected: [
        { row: 3, field: 'attendanceDays', message: `expected at most 65536 characters, got ${100 * 1024}` },
        { row: 6, field: '(row)', message: expect.stringMatching(/^expected a record of at most 1048576 bytes, got \d+: it was not read$/) },
      ],
    });
    const listed = await reportEqualsStore(http(), app(), pushed.body.batchId);
    expect(listed.rejections[0].record.attendanceDays).toBe(`${'x'.repeat(200)}… (${100 * 1024} characters)`);
    expect(listed.rejections[1].record).toBeNull();
    expect(JSON.stringify(listed).length).toBeLessThan(4096);
  });

  it('answers a body of another type than JSON (CSV for a feed push) with 415, saying what to send', async () => {
    const form = await http().send('/api/v1/zones', 'zoneId=Z9&name=Nine', 'application/x-www-form-urlencoded');
    expect(form).toEqual({
      status: 415,
      body: { error: 'unsupported_media_type', message: "the body must be application/json; this request sent 'application/x-www-form-urlencoded'" },
    });
    const plain = await http().send('/api/v1/feeds/attendance', `${HEADER}\n${row('S1')}`, 'text/plain');
    expect(plain).toEqual({
      status: 415,
      body: {
        error: 'unsupported_media_type',
        message: "a feed push takes application/json (an array of records) or text/csv (a header row, then a record per line); this request sent 'text/plain'",
      },
    });
    // CSV is a feed push's alone
    expect((await http().send('/api/v1/zones', 'zoneId,name\nZ9,Nine', 'text/csv')).status).toBe(415);
    expect((await http().send('/api/v1/feeds/attendance', `${HEADER}\n${row('S1')}`, 'text/csv; charset=utf-8')).status).toBe(200);
  });

  it('refuses an x-correlation-id over 128 characters and an x-actor over 200 with a 400 naming the header', async () => {
    const withHeader = async (name: string, value: string, recordId: string) => {
      const response = await fetch(`${http().base}/api/v1/feeds/attendance`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_STATE_KEY}`, 'content-type': 'application/json', [name]: value },
        body: JSON.stringify([record(recordId)]),
      });
      return { status: response.status, body: await response.json() };
    };
    const refused = await withHeader('x-correlation-id', 'c'.repeat(129), 'C1');
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({
      error: 'validation',
      issues: [{ field: 'x-correlation-id', message: expect.stringContaining('at most 128 characters') }],
    });
    expect(await withHeader('x-correlation-id', 'c'.repeat(128), 'C1')).toMatchObject({ body: { accepted: 1 } });
    const noteRefused = await withHeader('x-actor', 'a'.repeat(201), 'C2');
    expect(noteRefused.status).toBe(400);
    expect(noteRefused.body).toMatchObject({ error: 'validation', issues: [{ field: 'x-actor', message: expect.stringContaining('at most 200 characters') }] });
    expect(await withHeader('x-actor', 'a'.repeat(200), 'C2')).toMatchObject({ body: { accepted: 1 } });
  });
}

describe('bad input on the embedded default', () => {
  let dataDir: string;
  let app: INestApplication;
  let http: Http;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'turnaround-bad-input-'));
    app = await createApp(testConfig({ DATA_DIR: dataDir }), { logger: false });
    http = await httpClient(app);
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  badInputScenarios(
    () => app,
    () => http,
  );

  // Peak RSS growth, sampled while the body streams and once answered. Measured on Node 20: the
  // keyless 50 MiB push 2 MiB (53 MiB and more when it was parsed before the key check), the
  // 100 MiB cell 39 MiB (csv-parse alone held the cell whole, 100 MiB and more, before the cap).
  const sampled = (peak: { rss: number }) => Math.max(peak.rss, process.memoryUsage().rss);

  it('answers a keyless 50 MiB JSON push with 401 before reading it: memory stays bounded', async () => {
    const keyless = await httpClient(app, '');
    const peak = { rss: process.memoryUsage().rss };
    const start = peak.rss;
    const piece = `${JSON.stringify(record('K1'))},`.repeat(Math.floor(MiB / 120));
    const answer = await keyless.send('/api/v1/feeds/attendance', streamed('[', piece, 50, '{}]', peak), 'application/json');
    expect(answer).toEqual({ status: 401, body: { error: 'unauthorized', message: 'expected an API key: send Authorization: Bearer <key>' } });
    expect(sampled(peak) - start).toBeLessThan(16 * MiB);
  });

  it('streams a CSV with a 100 MiB cell without holding it: a rejected row, the next row stored, memory bounded', async () => {
    const peak = { rss: process.memoryUsage().rss };
    const start = peak.rss;
    const body = streamed(`${HEADER}\n${row('M1')}\nM2,2024-25,2024-09-01,2024-09-28,1000,"`, 'z'.repeat(MiB), 100, `"\n${row('M3')}\n`, peak);
    const pushed = await http.send('/api/v1/feeds/attendance', body, 'text/csv');
    expect(pushed.status).toBe(200);
    expect(pushed.body).toMatchObject({
      accepted: 2,
      rejected: [{ row: 3, field: '(row)', message: expect.stringContaining('expected a record of at most 1048576 bytes') }],
    });
    expect(sampled(peak) - start).toBeLessThan(64 * MiB);
    await reportEqualsStore(http, app, pushed.body.batchId);
  });

  it('marks a batch cut short by a crash interrupted at the next start, and says to push the file again', async () => {
    // What a process that died mid-push leaves: a running batch whose heartbeat stopped an hour ago.
    await app.get<SqlClient>(SQL_CLIENT).query(
      `INSERT INTO feed_batches (batch_id, feed, channel, actor, correlation_id, started_at, status, heartbeat_at)
         VALUES ('crashed', 'attendance', 'http', 'key bootstrap (state)', 'c', now() - interval '1 hour', 'running', now() - interval '1 hour')`,
    );
    await app.close();
    app = await createApp(testConfig({ DATA_DIR: dataDir }), { logger: false });
    http = await httpClient(app);
    const listed = await http.get('/api/v1/feeds/batches');
    expect(listed.body.find((batch: { batchId: string }) => batch.batchId === 'crashed')).toMatchObject({
      status: 'interrupted',
      finishedAt: expect.any(String),
      batchIssues: [{ field: '(batch)', message: expect.stringContaining('push the whole file again') }],
    });
  });
});

const serverUrl = serverUrlForTests();
(serverUrl ? describe : describe.skip)('bad input on the PostgreSQL server, and batches of several instances', () => {
  const LEASE_MS = 500;
  let database: Awaited<ReturnType<typeof openScratchDatabase>>;
  let app: INestApplication;
  let http: Http;
  beforeAll(async () => {
    database = await openScratchDatabase(serverUrl as string);
    app = await createApp(testConfig({ DATABASE_URL: database.url, PROJECTION_LEASE_MS: String(LEASE_MS) }), { logger: false });
    http = await httpClient(app);
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  badInputScenarios(
    () => app,
    () => http,
  );

  it('leaves a batch that another live instance is storing running, however long it takes', async () => {
    let finish: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (finish = resolve));
    let sent = false;
    const slow = new ReadableStream({
      async pull(controller) {
        if (!sent) {
          sent = true;
          controller.enqueue(new TextEncoder().encode(`${HEADER}\n${row('L1')}\n`));
          return;
        }
        await held;
        controller.enqueue(new TextEncoder().encode(`${row('L2')}\n`));
        controller.close();
      },
    });
    const pushing = http.send('/api/v1/feeds/attendance', slow, 'text/csv');
    const sql = app.get<SqlClient>(SQL_CLIENT);
    // Its instance renews the heartbeat: wait until the batch has run for several leases.
    const [running] = await waitUntil(
      () =>
        sql.query<{ batch_id: string; renewed: boolean }>(
          `SELECT batch_id, heartbeat_at > started_at + $1 * interval '3 millisecond' AS renewed FROM feed_batches WHERE status = 'running'`,
          [LEASE_MS],
        ),
      (rows) => expect(rows).toEqual([{ batch_id: expect.any(String), renewed: true }]),
    );
    const other = await createApp(testConfig({ DATABASE_URL: database.url, PROJECTION_LEASE_MS: String(LEASE_MS) }), { logger: false });
    try {
      const listed = await (await httpClient(other)).get('/api/v1/feeds/batches');
      expect(listed.body.find((batch: { batchId: string }) => batch.batchId === running.batch_id)).toMatchObject({ status: 'running' });
    } finally {
      await other.close();
    }
    finish();
    expect((await pushing).body).toMatchObject({ batchId: running.batch_id, status: 'completed', accepted: 2 });
  });
});
