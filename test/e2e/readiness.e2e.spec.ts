import { INestApplication } from '@nestjs/common';
import { createApp } from '@turnaround/all-in-one';
import { waitUntil } from '@turnaround/domain/testing';
import { createPgClient } from '@turnaround/postgres';
import { testServers } from '@turnaround/postgres/testing';
import { TEST_STATE_KEY, testConfig } from './support/app';
import { httpClient } from './support/http-client';

jest.setTimeout(120_000);

const attendance = (schoolId: string) => ({
  schoolId,
  schoolYear: '2024-25',
  periodStart: '2024-09-01',
  periodEnd: '2024-09-28',
  membershipDays: 1000,
  attendanceDays: 950,
});

// Another instance holding the read side's lease: PostgreSQL only (PGlite belongs to one process).
describe.each(testServers().filter((server) => server.name === 'postgres'))('readiness on a backlog, on $name', (server) => {
  let app: INestApplication;
  let http: Awaited<ReturnType<typeof httpClient>>;
  let close: () => Promise<void>;
  let url: string;
  const ready = async () => {
    const response = await fetch(`${http.base}/health/ready`, { headers: { authorization: `Bearer ${TEST_STATE_KEY}` } });
    return { status: response.status, body: (await response.json()) as { status: string; reasons: string[]; projections: { name: string; role: string }[] } };
  };

  beforeAll(async () => {
    const database = await server.open();
    close = () => database.close();
    url = database.url;
    app = await createApp(testConfig({ DATABASE_URL: database.url, READY_MAX_LAG_EVENTS: '50', PROJECTION_LEASE_MS: '1000' }), { logger: false });
    http = await httpClient(app);
  });
  afterAll(async () => {
    await app.close();
    await close();
  });

  it('answers 503 while the read side is more events behind than READY_MAX_LAG_EVENTS, however recent they are, and 200 once applied', async () => {
    await waitUntil(ready, (answer) => expect(answer.status).toBe(200));
    // Another instance takes the read side's lease: this one stands by, and nobody applies the log.
    const sql = createPgClient(url, { max: 1 });
    await sql.query(`UPDATE projection_checkpoints SET leader = 'another instance', lease_until = now() + interval '1 hour' WHERE projection = 'read-side'`);
    await waitUntil(ready, (answer) => expect(answer.body.projections.find((runner) => runner.name === 'read-side')?.role).toBe('standby'));
    // 200 records appended within a second or two: little log time, 200 events of lag.
    const pushed = await http.post(
      '/api/v1/feeds/attendance',
      Array.from({ length: 200 }, (_, i) => attendance(`S${i}`)),
    );
    expect(pushed.body).toMatchObject({ accepted: 200 });
    const behind = await waitUntil(ready, (answer) => expect(answer.status).toBe(503));
    expect(behind.body.reasons).toEqual([expect.stringMatching(/^projection read-side: \d+ events behind the log, more than READY_MAX_LAG_EVENTS=50$/)]);

    // The other instance is gone: this one takes the lease over and applies the backlog.
    await sql.query(`UPDATE projection_checkpoints SET lease_until = now() - interval '1 second' WHERE projection = 'read-side'`);
    await sql.close();
    await waitUntil(ready, (answer) => expect(answer).toMatchObject({ status: 200, body: { status: 'ready', reasons: [] } }));
  });
});
