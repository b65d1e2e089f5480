import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { createApp } from '@turnaround/all-in-one';
import { DEMO_PEOPLE, DEMO_REPORT_CARDS, demoFeeds } from '@turnaround/demo';
import { manualClock, roleName } from '@turnaround/domain';
import { API_KEY } from '@turnaround/platform';
import { createPgliteClient } from '@turnaround/postgres';
import { turnaround } from './support/cli';
import { TEST_SECRET_KEY, testConfig } from './support/app';
import { loadDemo } from './support/demo';
import { httpClient } from './support/http-client';
import { webClient } from './support/web-client';

jest.setTimeout(180_000);

describe('turnaround demo: the generated Partnership Zone on the embedded default', () => {
  let dataDir: string;
  let app: INestApplication;
  let http: Awaited<ReturnType<typeof httpClient>>;
  const clock = manualClock();

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'turnaround-demo-'));
    // As `turnaround demo` loads it: the service's clock on each push's simulated date.
    app = await createApp(testConfig({ DATA_DIR: dataDir }), { logger: false, clock });
    http = await httpClient(app);
    await loadDemo(app, http.base, { clock });
    clock.resume();
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('has 2 districts, 3 clusters, 12 schools and 3 lead partners, one school joining in contract year 2', async () => {
    expect((await http.get('/api/v1/zones/Z-DEMO')).body).toMatchObject({ districtIds: ['D-EAST', 'D-WEST'] });
    expect((await http.get('/api/v1/clusters?zoneId=Z-DEMO')).body).toHaveLength(3);
    expect((await http.get('/api/v1/schools')).body).toHaveLength(12);
    expect((await http.get('/api/v1/partners')).body.map((partner: { role: string }) => partner.role)).toEqual(['lead', 'lead', 'lead']);
    expect((await http.get('/api/v1/schools/HILL-4')).body.memberships).toEqual([expect.objectContaining({ clusterId: 'C-HILL', fromYear: '2024-25' })]);
  });

  it('raises early warnings that clear, and misses in contract years 1, 2 and 3 with growing severity', async () => {
    const alerts: Record<string, unknown>[] = (await http.get('/api/v1/alerts')).body;
    const cleared = alerts.filter((alert) => alert.checkpoint === 'early_warning' && alert.resolution === 'the target is met');
    expect(cleared.map((alert) => alert.schoolId)).toEqual(expect.arrayContaining(['RIVER-2', 'HILL-3']));
    const misses = alerts.filter((alert) => alert.checkpoint === 'year_end');
    expect(new Set(misses.map((alert) => alert.contractYear))).toEqual(new Set([1, 2, 3]));
    expect(misses.find((alert) => alert.schoolId === 'VALLEY-2' && alert.contractYear === 2 && alert.metric === 'proficiency.math')).toMatchObject({
      severity: 'critical', // year 2 is serious; a second consecutive miss raises it
    });
    expect(misses.find((alert) => alert.clusterId === 'C-HILL')).toMatchObject({ metric: 'teacher_retention_rate', contractYear: 1 });
    // the comparison group feeds the state average of the ela gap-closure targets
    const card = (await http.get('/api/v1/contracts/K-RIVER/scorecard')).body;
    expect(card.lines.find((line: Record<string, unknown>) => line.metric === 'proficiency.ela')).toMatchObject({ kind: 'gap_closure', status: 'met' });
  });

  it('knows each push from the date it simulates, and raised each alert when its facts were known', async () => {
    const batches: { startedAt: string }[] = (await http.get(`/api/v1/feeds/batches?limit=${demoFeeds().length}`)).body;
    expect(batches.map((batch) => batch.startedAt).sort()).toEqual(
      demoFeeds()
        .map((push) => push.knownAt)
        .sort(),
    );
    const alerts: { raisedAt: string; contractYear: number; checkpoint: string }[] = (await http.get('/api/v1/alerts')).body;
    // Contract year 1 (2023-24): early warnings from the October staffing and the winter interims,
    // misses from the June staffing and the state test results, each on the day it was pushed.
    expect(new Set(alerts.filter((alert) => alert.contractYear === 1).map((alert) => `${alert.checkpoint} ${alert.raisedAt.slice(0, 10)}`))).toEqual(
      new Set(['early_warning 2023-10-20', 'early_warning 2024-02-15', 'year_end 2024-06-20', 'year_end 2024-07-20']),
    );
  });

  it('appends nothing when loaded again', async () => {
    const before = (await http.get('/api/v1/alerts')).body.length;
    await loadDemo(app, http.base);
    expect((await http.get('/api/v1/alerts')).body).toHaveLength(before);
    const again: { accepted: number; duplicates: number }[] = (await http.get(`/api/v1/feeds/batches?limit=${demoFeeds().length}`)).body;
    expect(again.map((batch) => batch.accepted)).toEqual(demoFeeds().map(() => 0));
  });

  it('turnaround replay rebuilds every read model from zero into tables equal to the live ones', async () => {
    await app.close();
    const snapshot = async () => {
      const sql = await createPgliteClient(join(dataDir, 'pglite'));
      try {
        return await Promise.all(
          [
            'SELECT * FROM registry_contracts ORDER BY contract_id',
            'SELECT * FROM registry_memberships ORDER BY school_id, from_year',
            'SELECT * FROM feed_records ORDER BY feed, natural_key',
            'SELECT * FROM school_metrics ORDER BY school_id, school_year, metric',
            'SELECT * FROM school_metric_history ORDER BY school_id, school_year, metric, known_at',
            'SELECT * FROM scorecard_lines ORDER BY contract_id, scope, subject_id, metric, contract_year',
            'SELECT * FROM scorecard_line_history ORDER BY contract_id, scope, subject_id, metric, contract_year, known_at',
            'SELECT * FROM scorecard_changes ORDER BY position, ordinal',
            'SELECT * FROM alerts ORDER BY alert_id',
            'SELECT * FROM alert_history ORDER BY alert_id, sequence',
          ].map((query) => sql.query(query)),
        );
      } finally {
        await sql.close();
      }
    };
    const live = await snapshot();
    const replayed = await turnaround(['replay'], { DATA_DIR: dataDir });
    expect(replayed).toMatchObject({ code: 0, stderr: '' });
    // rebuilt side by side: the lines come in the order they finish
    expect(replayed.stdout).toMatch(/^rebuilt read-side \(registry_zones, .*scorecard_lines.*\): \d+ rows/m);
    expect(replayed.stdout).toMatch(/^rebuilt alerts \(alerts, alert_history\): \d+ rows/m);
    expect(await snapshot()).toEqual(live);
  });

  it("turnaround replay --as-of builds the read models as known on that date into their own schema (the README's example)", async () => {
    // 1 March 2024: the first contract year's winter interims are in (15 February), its results not yet.
    const built = await turnaround(['replay', '--as-of', '2024-03-01'], { DATA_DIR: dataDir });
    expect(built).toMatchObject({ code: 0, stderr: '' });
    const schema = 'as_of_20240301t000000';
    expect(built.stdout).toContain(`${schema}.school_metrics`);
    const sql = await createPgliteClient(join(dataDir, 'pglite'));
    try {
      // then, only early warnings had been raised, all still open, and no 2023-24 final result was known
      const alerts = await sql.query<{ checkpoint: string; status: string }>(`SELECT checkpoint, status FROM ${schema}.alerts`);
      expect(alerts.length).toBeGreaterThan(0);
      expect(new Set(alerts.map((alert) => `${alert.checkpoint}/${alert.status}`))).toEqual(new Set(['early_warning/open']));
      expect(await sql.query(`SELECT 1 FROM ${schema}.school_metrics WHERE school_year = '2023-24' AND metric = 'proficiency.math'`)).toEqual([]);
      expect((await sql.query(`SELECT 1 FROM ${schema}.school_metrics WHERE school_year = '2023-24' AND metric = 'interim_proficiency.math'`)).length).toBe(
        12 - 1,
      );
    } finally {
      await sql.close();
    }
  });
});

describe('turnaround demo: a key for each demo person, who signs in to the web app', () => {
  let dataDir: string;
  beforeAll(() => (dataDir = mkdtempSync(join(tmpdir(), 'turnaround-demo-cli-'))));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('prints the address and a key per role, and each key opens the home page in its holder name', async () => {
    const env = { DATA_DIR: dataDir, TURNAROUND_SECRET_KEY: TEST_SECRET_KEY, PORT: '0' };
    const run = await turnaround(['demo', '--no-serve'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^open http:\/\/127\.0\.0\.1:\d+ and sign in with the key of one of the demo's people:$/m);
    const printed = DEMO_PEOPLE.map((person) => new RegExp(`^  ${roleName(person.role)} +(tm_\\S+)  ${person.name}: `, 'm').exec(run.stdout)?.[1]);
    expect(printed.every((key) => key && API_KEY.test(key))).toBe(true);
    const reportCards =
      /^anyone reads the public zone report cards without signing in: http:\/\/127\.0\.0\.1:\d+(\/\S+) \(the demo zone's: http:\/\/127\.0\.0\.1:\d+(\/\S+)\)$/m.exec(
        run.stdout,
      );
    expect(reportCards?.slice(1)).toEqual([DEMO_REPORT_CARDS.list, DEMO_REPORT_CARDS.zone]);

    const app = await createApp(testConfig({ DATA_DIR: dataDir }), { logger: false });
    try {
      await app.listen(0, '127.0.0.1');
      const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
      for (const [index, person] of DEMO_PEOPLE.entries()) {
        const web = webClient(base);
        expect((await web.signIn(printed[index] as string)).status).toBe(303);
        expect((await web.get('/')).html).toContain(person.name);
      }
      // the printed report cards open without a key: the list names the demo zone, whose card is there
      const anyone = webClient(base);
      expect((await anyone.get(DEMO_REPORT_CARDS.list)).html).toContain(`href="${DEMO_REPORT_CARDS.zone}"`);
      const card = await anyone.get(DEMO_REPORT_CARDS.zone);
      expect(card.status).toBe(200);
      expect(card.html).toContain('Demonstration Partnership Zone');
    } finally {
      await app.close();
    }
  });
});
