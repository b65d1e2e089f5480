import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { createApp } from '@turnaround/all-in-one';
import { testConfig } from './support/app';
import { httpClient } from './support/http-client';
import { attendance2023 } from './support/one-cluster-zone';

jest.setTimeout(120_000);

/** A JSON array of attendance records of at least `bytes`. */
function attendanceArray(bytes: number): string {
  const record = JSON.stringify(attendance2023('S1', 900));
  return `[${Array.from({ length: Math.ceil(bytes / (record.length + 1)) }, () => record).join(',')}]`;
}

describe('request bodies: too large is a 413 that says the limit and what to send instead, never a 500', () => {
  let dataDir: string;
  let app: INestApplication;
  let http: Awaited<ReturnType<typeof httpClient>>;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'turnaround-body-limits-'));
    app = await createApp(testConfig({ DATA_DIR: dataDir }), { logger: false });
    http = await httpClient(app);
  });
  afterAll(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers a 70 MB JSON feed push with 413, the limit, and to send CSV', async () => {
    const answer = await http.send('/api/v1/feeds/attendance', attendanceArray(70 * 1024 * 1024), 'application/json');
    expect(answer).toEqual({
      status: 413,
      body: {
        error: 'too_large',
        message: 'the JSON body (70 MB) is larger than the 64 MB this endpoint takes; send a large feed as text/csv, which is streamed and has no size limit',
      },
    });
  });

  it('gives registry bodies a small limit of their own, and feeds their larger one', async () => {
    const zone = await http.post('/api/v1/zones', { zoneId: 'Z', stateCode: 'MA', name: 'x'.repeat(300 * 1024), districtIds: ['D1'] });
    expect(zone).toEqual({
      status: 413,
      body: {
        error: 'too_large',
        message: expect.stringMatching(/^the JSON body \(300 kB\) is larger than the 256 kB this endpoint takes; send one record per request$/),
      },
    });
    const feed = await http.send('/api/v1/feeds/attendance', attendanceArray(300 * 1024), 'application/json');
    expect(feed.status).toBe(200);
    expect(feed.body).toMatchObject({ accepted: 1 });
  });

  it('answers a body that is not JSON with a 400 on the body', async () => {
    const answer = await http.send('/api/v1/zones', '{"zoneId": ', 'application/json');
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: 'validation', issues: [{ field: '(body)', message: expect.stringMatching(/^expected JSON: /) }] });
  });
});
