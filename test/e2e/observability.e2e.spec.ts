import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { createApp } from '@turnaround/all-in-one';
import { waitUntil } from '@turnaround/domain/testing';
import { EventStore, LogFollower } from '@turnaround/event-store';
import { EVENT_STORE, LogFollowers, SQL_CLIENT } from '@turnaround/platform';
import { SqlClient } from '@turnaround/postgres';
import { TEST_STATE_KEY, testConfig } from './support/app';
import { turnaround } from './support/cli';
import { writeAssessmentCsv } from './support/feed-files';
import { httpClient } from './support/http-client';

jest.setTimeout(180_000);

/** One sample of a Prometheus text exposition: `name{labels} value`, the labels as written. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([label, value]) => `${label}="${value}"`);
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match && match[1] === name && wanted.every((pair) => (match[2] ?? '').split(',').includes(pair))) return Number(match[3]);
  }
  return undefined;
}

describe('observability: /metrics, /health/ready, and a poison event parked and resumed', () => {
  let dataDir: string;
  let app: INestApplication;
  let http: Awaited<ReturnType<typeof httpClient>>;
  const scrape = async () => {
    const response = await fetch(`${http.base}/metrics`);
    expect(response.status).toBe(200);
    return response.text();
  };
  // the reasons and runners are told to a state key (anyone else learns ready or not: http-hygiene.e2e.spec.ts)
  const ready = async () => {
    const response = await fetch(`${http.base}/health/ready`, { headers: { authorization: `Bearer ${TEST_STATE_KEY}` } });
    return {
      status: response.status,
      body: (await response.json()) as { status: string; reasons: string[]; projections: { name: string; parked?: { eventId: string } }[] },
    };
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'turnaround-observability-'));
    // A fast backoff, so a poison event parks its runner in a fraction of a second.
    app = await createApp(testConfig({ DATA_DIR: dataDir, PROJECTION_RETRY_BASE_MS: '10', PROJECTION_RETRY_MAX_MS: '50', PROJECTION_MAX_ATTEMPTS: '3' }), {
      logger: false,
    });
    http = await httpClient(app);
  });
  afterAll(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers live without a key, and ready with every runner to a state key', async () => {
    expect(await (await fetch(`${http.base}/health/live`)).json()).toEqual({ status: 'live' });
    expect(await (await fetch(`${http.base}/health/ready`)).json()).toEqual({ status: 'ready' });
    const answer = await ready();
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status: 'ready', reasons: [] });
    expect(answer.body.projections.map((runner) => runner.name).sort()).toEqual(['alert-publisher', 'alerts', 'email-outbox', 'read-side', 'webhook-outbox']);
  });

  it('shows the feed-record counters and the projection lag moving while a feed is ingested, beside the process defaults and HTTP latency', async () => {
    const rows = 4_000;
    const file = join(dataDir, 'assessment.csv');
    await writeAssessmentCsv(file, rows);
    const accepted = (text: string) => sample(text, 'turnaround_feed_records', { feed: 'assessment', channel: 'http', outcome: 'accepted' }) ?? 0;
    const lag = (text: string) => sample(text, 'turnaround_projection_lag_events', { projection: 'read-side' }) ?? 0;

    const before = await scrape();
    expect(before).toContain('process_cpu_user_seconds_total');
    expect(before).toContain('nodejs_eventloop_lag_seconds');
    expect(accepted(before)).toBe(0);

    // On the embedded default the read side applies each stored chunk before a scrape gets its
    // turn, so its lag would show only by chance: it is held back during the push, and let go after.
    const readSide = app.get(LogFollowers).get('read-side') as LogFollower;
    await readSide.stop();
    let pushed = false;
    const push = http.send('/api/v1/feeds/assessment', readFileSync(file, 'utf8'), 'text/csv').finally(() => (pushed = true));
    const during: { accepted: number; lag: number }[] = [];
    while (!pushed) {
      const text = await scrape();
      during.push({ accepted: accepted(text), lag: lag(text) });
    }
    expect((await push).body).toMatchObject({ status: 'completed', accepted: rows });
    expect(during.some((point) => point.accepted > 0 && point.accepted < rows)).toBe(true);
    expect(during.some((point) => point.lag > 0 && point.lag < rows)).toBe(true);
    // both only grow while the records come in
    for (const key of ['accepted', 'lag'] as const) expect(during.map((point) => point[key])).toEqual(during.map((point) => point[key]).sort((a, b) => a - b));
    const behind = await scrape();
    expect(lag(behind)).toBeGreaterThanOrEqual(rows);
    expect(sample(behind, 'turnaround_projection_lag_seconds', { projection: 'read-side' })).toBeGreaterThan(0);

    await readSide.start();
    await waitUntil(scrape, (text) => expect(lag(text)).toBe(0), 60_000);
    const after = await scrape();
    expect(accepted(after)).toBe(rows);
    expect(sample(after, 'turnaround_projection_lag_events', { projection: 'read-side' })).toBe(0);
    expect(sample(after, 'turnaround_projection_lag_seconds', { projection: 'read-side' })).toBe(0);
    expect(sample(after, 'turnaround_feed_records', { feed: 'assessment', channel: 'http', outcome: 'rejected' })).toBe(0);
    expect(sample(after, 'turnaround_http_request_duration_seconds_count', { route: '/api/v1/feeds/:kind', method: 'POST', status: '200' })).toBe(1);
    expect(sample(after, 'turnaround_webhook_deliveries', { state: 'dead' })).toBe(0);
    expect(sample(after, 'turnaround_projection_parked', { projection: 'read-side' })).toBe(0);
    expect(after).toContain('# TYPE turnaround_alerts gauge');
  });

  it('parks the read side before an event it cannot apply, says so in /health/ready and /metrics, and resumes it on command once fixed', async () => {
    const sql = app.get<SqlClient>(SQL_CLIENT);
    // A defect that only this school's registration meets; dropping the trigger is the fix.
    await sql.query(`CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.school_id = 'POISON' THEN RAISE EXCEPTION 'cannot register school POISON'; END IF; RETURN NEW; END $$`);
    await sql.query('CREATE TRIGGER refuse_poison BEFORE INSERT ON registry_schools FOR EACH ROW EXECUTE FUNCTION refuse_poison()');
    // the answer waits for the read side, which never gets there: what it says does not matter here
    await http.post('/api/v1/schools', { schoolId: 'POISON', districtId: 'D1', name: 'Poison', gradeSpan: '06-08' });
    const [{ eventId }] = await app.get<EventStore>(EVENT_STORE).readStream('school-POISON');

    const notReady = await waitUntil(ready, (answer) => expect(answer.status).toBe(503));
    expect(notReady.body.status).toBe('not ready');
    expect(notReady.body.reasons).toEqual([
      expect.stringContaining(`projection read-side: parked before event ${eventId} (SchoolRegistered on school-POISON)`),
    ]);
    expect(notReady.body.reasons[0]).toContain('cannot register school POISON');
    const metrics = await scrape();
    expect(sample(metrics, 'turnaround_projection_parked', { projection: 'read-side' })).toBe(1);
    expect(sample(metrics, 'turnaround_projection_parked_event', { projection: 'read-side', event_id: eventId, event_type: 'SchoolRegistered' })).toBe(1);
    expect(sample(metrics, 'turnaround_projection_failures', { projection: 'read-side' })).toBe(3);

    const env = { TURNAROUND_URL: http.base, TURNAROUND_KEY: TEST_STATE_KEY };
    const listed = await turnaround(['projections', 'list'], env);
    expect(listed.code).toBe(1);
    expect(listed.stdout).toMatch(
      new RegExp(
        `read-side +PARKED since .* before event ${eventId} \\(SchoolRegistered on school-POISON\\) after 3 attempts: .*cannot register school POISON`,
      ),
    );

    await sql.query('DROP TRIGGER refuse_poison ON registry_schools');
    const resumed = await turnaround(['projections', 'resume', 'read-side'], env);
    expect(resumed).toMatchObject({ code: 0, stdout: expect.stringContaining('resumed read-side') });
    await waitUntil(ready, (answer) => expect(answer).toMatchObject({ status: 200, body: { status: 'ready', reasons: [] } }));
    expect((await http.get('/api/v1/schools/POISON')).body).toMatchObject({ schoolId: 'POISON' });
    expect(sample(await scrape(), 'turnaround_projection_parked', { projection: 'read-side' })).toBe(0);
    // nothing is parked any more: a second resume is refused, and says why
    const again = await turnaround(['projections', 'resume', 'read-side'], env);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`projection 'read-side' is not parked`);
  });
});
