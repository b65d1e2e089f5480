import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { createApp } from '@turnaround/all-in-one';
import { manualClock } from '@turnaround/domain';
import { ApiKeys, ReadModelRunner } from '@turnaround/platform';
import { testConfig } from './support/app';
import { httpClient } from './support/http-client';
import { attendance2022, attendance2023, registerOneClusterZone, registerSecondZone } from './support/one-cluster-zone';
import { webClient } from './support/web-client';
import { dataValues, text } from './support/web-pages';

jest.setTimeout(180_000);

type Api = Awaited<ReturnType<typeof httpClient>>;
type Line = { scope: string; subjectId: string; metric: string; contractYear: number; status: string; threshold: number | null; actual: number | null };
type Reading = { metric: string; schoolYear: string; rate: number | null; denominator: number | null };
type Alert = {
  alertId: string;
  contractId: string;
  status: string;
  schoolId: string | null;
  contractYear: number;
  target: number;
  actual: number | null;
  acknowledgements: unknown[];
};
type Coverage = { schoolId: string; feed: string; lastPeriodEnd?: string | null; overdue: boolean; daysOverdue: number };

/** July 2024's two knowledge times: as known at its start and at its end. */
const START = '2024-07-01';
const END = '2024-08-01';

/** A data attribute's value: Preact writes an empty one as the bare attribute. */
const attribute = (row: string, name: string): string | undefined => {
  const match = new RegExp(`${name}(?:="([^"]*)")?[\\s>]`).exec(row);
  return match ? (match[1] ?? '') : undefined;
};

/** The rows of the page whose `data-<name>` holds a key: key -> the row's HTML. */
const rowsBy = (html: string, name: string): Map<string, string> =>
  new Map([...html.matchAll(new RegExp(`<tr data-${name}="([^"]+)"[^>]*>([\\s\\S]*?)</tr>`, 'g'))].map(([whole, key]) => [key, whole]));

/**
 * A world like the review's (registerOneClusterZone: cluster C of S1 (D1), S2 (D2), S3 (D1) under
 * partner P's contract K, a school attendance target of 0.93 in year one; and K2 of partner P2),
 * each fact pushed at a known time: the registry and 2022-23 attendance on May 15, 2024; 2023-24
 * attendance to March on June 10; the final 2023-24 attendance on July 3 (S1 and S2 miss 0.93);
 * on July 20 an amendment adds a cluster target for year two and district D1 acknowledges S1's
 * alert. The service's clock then stands on August 5, so the last complete month is July.
 */
describe('the monthly progress report: what changed in the month, every number as the API answers at its two knowledge times', () => {
  let dataDir: string;
  let app: INestApplication;
  let base: string;
  const keys = { state: '', district: '', partner: '', researcher: '' };
  const clock = manualClock('2024-05-15T12:00:00.000Z');

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'turnaround-web-progress-'));
    app = await createApp(testConfig({ DATA_DIR: dataDir }), { logger: false, clock });
    const state = await httpClient(app);
    base = state.base;
    const settled = () => app.get(ReadModelRunner).settled();
    const push = async (records: unknown[]) => {
      const answer = await state.post('/api/v1/feeds/attendance', records);
      expect(answer.status).toBeLessThan(300);
      await settled();
    };
    await registerOneClusterZone(state, [
      ['S1', 'D1'],
      ['S2', 'D2'],
      ['S3', 'D1'],
    ]);
    await registerSecondZone(state);
    await push([attendance2022('S1', 880), attendance2022('S2', 910), attendance2022('S3', 950), attendance2022('S4', 900)]);
    clock.set('2024-06-10T12:00:00.000Z');
    await push([attendance2023('S1', 920, '2024-03-31'), attendance2023('S2', 940, '2024-03-31'), attendance2023('S3', 960, '2024-03-31')]);
    clock.set('2024-07-03T12:00:00.000Z');
    await push([attendance2023('S1', 900), attendance2023('S2', 900), attendance2023('S3', 990), attendance2023('S4', 950)]);
    clock.set('2024-07-20T12:00:00.000Z');
    const amended = await state.post('/api/v1/contracts/K/target-amendments', {
      targets: [{ metric: 'attendance_rate', contractYear: 2, kind: 'absolute', value: 0.95, scope: 'cluster' }],
      reason: 'Year two cluster attendance target agreed at the annual meeting',
    });
    expect(amended.status).toBe(201);
    await settled();
    const apiKeys = app.get(ApiKeys);
    keys.district = (await apiKeys.issue({ kind: 'district', districtId: 'D1' }, 'Springfield district office')).key;
    const district = await httpClient(app, keys.district);
    const alerts = (await district.get('/api/v1/alerts?status=open')).body as Alert[];
    const ofS1 = alerts.find((alert) => alert.schoolId === 'S1' && alert.contractId === 'K');
    expect(ofS1).toBeDefined();
    expect((await district.post(`/api/v1/alerts/${ofS1?.alertId}/acknowledge`, { note: 'coaching in place' })).status).toBe(201);
    await settled();
    clock.set('2024-08-05T00:00:00.000Z');
    keys.state = (await apiKeys.issue({ kind: 'state' }, 'Ada Lovelace, State Turnaround Office')).key;
    keys.partner = (await apiKeys.issue({ kind: 'partner', partnerId: 'P' }, 'Partner P lead')).key;
    keys.researcher = (await apiKeys.issue({ kind: 'researcher' }, 'A researcher')).key;
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function as(key: string): Promise<{ browser: ReturnType<typeof webClient>; api: Api }> {
    const browser = webClient(base);
    expect((await browser.signIn(key)).status).toBe(303);
    return { browser, api: await httpClient(app, key) };
  }

  /**
   * July's report for the key's holder equals what the API answers it as of July 1 and August 1:
   * the scorecard lines of years 1-2 whose status differs (target and actual at both), the
   * cluster's and each readable school's readings new or restated by the end, each alert step
   * whose state the alert route answers just after it and not just before, the feeds whose last
   * period moved on and those overdue at the end, and the contract's changes recorded in July.
   */
  async function expectReportToEqualApi(key: string, path = '/contracts/K/progress?month=2024-07'): Promise<string> {
    const { browser, api } = await as(key);
    const page = await browser.get(path);
    expect(page.status).toBe(200);
    const html = page.html;
    const at = async <T>(route: string, asOf: string) =>
      (await api.get(`${route}${route.includes('?') ? '&' : '?'}asOf=${asOf}`)) as { status: number; body: T };

    // 1. Status changes.
    const keyOf = (line: Line) => `${line.scope}|${line.subjectId}|${line.metric}|${line.contractYear}`;
    const startLines = new Map(((await at<{ lines: Line[] }>('/api/v1/contracts/K/scorecard', START)).body.lines ?? []).map((line) => [keyOf(line), line]));
    const endLines = (await at<{ lines: Line[] }>('/api/v1/contracts/K/scorecard', END)).body.lines.filter((line) => line.contractYear <= 2);
    const expectedChanges = new Map<string, string[]>();
    for (const to of endLines) {
      const from = startLines.get(keyOf(to));
      if (from?.status === to.status) continue;
      expectedChanges.set(keyOf(to), [from?.status ?? '', to.status, text(from?.threshold), text(to.threshold), text(from?.actual), text(to.actual)]);
    }
    const shownChanges = new Map(
      [...rowsBy(html, 'status-change')].map(([rowKey, row]) => [
        rowKey,
        [
          attribute(row, 'data-from'),
          attribute(row, 'data-to'),
          ...[...row.matchAll(/data-start-value(?:="([^"]*)")? data-end-value(?:="([^"]*)")?[\s>]/g)].flatMap(([, start, end]) => [start ?? '', end ?? '']),
        ],
      ]),
    );
    expect(shownChanges).toEqual(expectedChanges);

    // 2. New results of the cluster and of each school whose metrics the reader may read.
    const expectedResults = new Map<string, string[]>();
    for (const [scope, id, route] of [
      ['cluster', 'C', '/api/v1/clusters/C/metrics'],
      ...['S1', 'S2', 'S3'].map((schoolId) => ['school', schoolId, `/api/v1/schools/${schoolId}/metrics`]),
    ]) {
      const end = await at<Reading[]>(route, END);
      if (end.status !== 200) continue;
      const start = (await at<Reading[]>(route, START)).body;
      for (const reading of end.body) {
        if (reading.schoolYear > '2024-25') continue;
        const before = start.find((candidate) => candidate.metric === reading.metric && candidate.schoolYear === reading.schoolYear);
        if (before && before.rate === reading.rate && before.denominator === reading.denominator) continue;
        expectedResults.set(`${scope}|${id}|${reading.metric}|${reading.schoolYear}`, [text(reading.rate), text(reading.denominator), text(before?.rate)]);
      }
    }
    expect(new Map([...rowsBy(html, 'result')].map(([rowKey, row]) => [rowKey, dataValues(row)]))).toEqual(expectedResults);

    // 3. Alert steps: each is the alert's state just after it and not just before it; every alert whose state differs between the two times has one.
    const steps = [...rowsBy(html, 'alert-step').keys()].map((stepKey) => stepKey.split('|'));
    const statusAfter: Record<string, string> = { raised: 'open', reopened: 'open', acknowledged: 'acknowledged', resolved: 'resolved' };
    for (const [alertId, step, knownAt] of steps) {
      const justBefore = new Date(new Date(knownAt).getTime() - 1).toISOString();
      expect([alertId, step, (await at<Alert>(`/api/v1/alerts/${alertId}`, knownAt)).body.status]).toEqual([alertId, step, statusAfter[step]]);
      const before = await at<Alert>(`/api/v1/alerts/${alertId}`, justBefore);
      if (step === 'raised') expect(before.status).toBe(404);
      else expect(before.body.status === statusAfter[step] && step !== 'acknowledged').toBe(false);
      expect(knownAt > `${START}T00:00:00.000Z` && knownAt <= `${END}T00:00:00.000Z`).toBe(true);
    }
    const alertsAt = async (asOf: string) => new Map((await at<Alert[]>('/api/v1/alerts?contractId=K', asOf)).body.map((alert) => [alert.alertId, alert]));
    const [alertsAtStart, alertsAtEnd] = [await alertsAt(START), await alertsAt(END)];
    const changed = [...alertsAtEnd.values()].filter(
      (alert) =>
        alert.contractYear <= 2 &&
        (alertsAtStart.get(alert.alertId)?.status !== alert.status ||
          alertsAtStart.get(alert.alertId)?.acknowledgements.length !== alert.acknowledgements.length),
    );
    expect(new Set(steps.map(([alertId]) => alertId))).toEqual(new Set(changed.map((alert) => alert.alertId)));
    for (const [alertId, , , row] of [...rowsBy(html, 'alert-step')].map(([stepKey, row]) => [...stepKey.split('|'), row])) {
      const alert = alertsAtEnd.get(alertId) as Alert;
      expect(dataValues(row)).toEqual([text(alert.target), text(alert.actual)]);
    }

    // 4. Feeds received in July and overdue at its end, as the coverage route answers at both times.
    const schoolsOfK = ['S1', 'S2', 'S3'];
    const coverageAt = async (asOf: string) => (await at<Coverage[]>('/api/v1/feeds/coverage', asOf)).body.filter((row) => schoolsOfK.includes(row.schoolId));
    const [coverageAtStart, coverageAtEnd] = [await coverageAt(START), await coverageAt(END)];
    const lastAtStart = new Map(coverageAtStart.map((row) => [`${row.schoolId}|${row.feed}`, row.lastPeriodEnd ?? '']));
    const expectedReceived = new Map(
      coverageAtEnd
        .filter((row) => row.lastPeriodEnd && row.lastPeriodEnd !== lastAtStart.get(`${row.schoolId}|${row.feed}`))
        .map((row) => [`${row.schoolId}|${row.feed}`, [lastAtStart.get(`${row.schoolId}|${row.feed}`) ?? '', row.lastPeriodEnd ?? '']]),
    );
    expect(new Map([...rowsBy(html, 'received')].map(([rowKey, row]) => [rowKey, [attribute(row, 'data-before'), attribute(row, 'data-after')]]))).toEqual(
      expectedReceived,
    );
    expect(new Map([...rowsBy(html, 'overdue-feed')].map(([rowKey, row]) => [rowKey, dataValues(row)]))).toEqual(
      new Map(coverageAtEnd.filter((row) => row.overdue).map((row) => [`${row.schoolId}|${row.feed}`, [text(row.daysOverdue)]])),
    );

    // 5. The contract's changes recorded in July.
    const history = (await at<{ label: string; knownAt: string }[]>('/api/v1/contracts/K/history', END)).body;
    expect([...rowsBy(html, 'change').keys()]).toEqual(history.filter((change) => change.knownAt > `${START}T00:00:00.000Z`).map((change) => change.label));
    return html;
  }

  it("shows the state office July's changes, each as the API answers at July 1 and August 1; the default month is the last complete one", async () => {
    const html = await expectReportToEqualApi(keys.state);
    const changes = rowsBy(html, 'status-change');
    // S1 and S2 missed 0.93 (0.90 each), S3 met it (0.99): their year-one lines changed from what the March figures showed.
    expect(attribute(changes.get('school|S1|attendance_rate|1') ?? '', 'data-to')).toBe('missed');
    expect(attribute(changes.get('school|S3|attendance_rate|1') ?? '', 'data-to')).toBe('met');
    // The amendment's cluster target of year two is a line only the end has.
    expect(attribute(changes.get('cluster|C|attendance_rate|2') ?? '', 'data-from')).toBe('');
    expect(attribute(changes.get('cluster|C|attendance_rate|2') ?? '', 'data-to')).toBe('pending');
    // The final 2023-24 values restate March's: S1 from 0.92 to 0.9.
    expect(dataValues(rowsBy(html, 'result').get('school|S1|attendance_rate|2023-24') ?? '')).toEqual(['0.9', '1000', '0.92']);
    expect([...rowsBy(html, 'alert-step').keys()].some((step) => step.endsWith('|acknowledged|2024-07-20T12:00:00.000Z'))).toBe(true);
    expect([...rowsBy(html, 'change').keys()]).toEqual(['amendment 1']);
    expect(html).toContain('The month falls in contract year 2 (2024-25).');
    expect(html).toContain('Contract K · monthly progress report, 2024-07 · as known 2024-08-01');
    // Without ?month= the report is of the last month complete on the service's clock (August 5): July.
    const { browser } = await as(keys.state);
    expect((await browser.get('/contracts/K/progress')).html).toContain('data-month="2024-07"');
    // June: the March figures arrived, the contract was known at the start; May: the contract was signed in the month, so each line is new.
    await expectReportToEqualApiFor(keys.state, '2024-06', '2024-06-01', '2024-07-01');
    const may = await browser.get('/contracts/K/progress?month=2024-05');
    expect(may.html).toContain('The contract was not known at the start of the month: each of its lines is new.');
    expect(attribute(rowsBy(may.html, 'status-change').get('school|S1|attendance_rate|1') ?? '', 'data-to')).toBe('pending');
    expect([...rowsBy(may.html, 'change').keys()]).toEqual(['signed']);
  });

  /** The June report: only its lines' statuses and results against the API at June 1 and July 1 (the same comparison, other times). */
  async function expectReportToEqualApiFor(key: string, month: string, start: string, end: string): Promise<void> {
    const { browser, api } = await as(key);
    const html = (await browser.get(`/contracts/K/progress?month=${month}`)).html;
    const lines = async (asOf: string) =>
      (((await api.get(`/api/v1/contracts/K/scorecard?asOf=${asOf}`)).body as { lines?: Line[] }).lines ?? []).filter((line) => line.contractYear <= 1);
    const before = new Map((await lines(start)).map((line) => [`${line.scope}|${line.subjectId}|${line.metric}|${line.contractYear}`, line.status]));
    const expected = (await lines(end)).filter((line) => before.get(`${line.scope}|${line.subjectId}|${line.metric}|${line.contractYear}`) !== line.status);
    expect(new Map([...rowsBy(html, 'status-change')].map(([rowKey, row]) => [rowKey, attribute(row, 'data-to')]))).toEqual(
      new Map(expected.map((line) => [`${line.scope}|${line.subjectId}|${line.metric}|${line.contractYear}`, line.status])),
    );
    expect(rowsBy(html, 'result').get('school|S1|attendance_rate|2023-24')).toBeDefined();
  }

  it("shows the partner its own contract's report, and another partner's a 404; a researcher none", async () => {
    await expectReportToEqualApi(keys.partner);
    const { browser } = await as(keys.partner);
    expect((await browser.get('/contracts/K2/progress?month=2024-07')).status).toBe(404);
    expect((await browser.get('/contracts/no-such-contract/progress?month=2024-07')).status).toBe(404);
    const researcher = await as(keys.researcher);
    expect((await researcher.browser.get('/contracts/K/progress?month=2024-07')).status).toBe(404);
  });

  it("shows a district only its schools' lines, results, alerts and feeds, and the cluster's", async () => {
    const html = await expectReportToEqualApi(keys.district);
    const subjects = (name: string) => new Set([...rowsBy(html, name).keys()].map((rowKey) => rowKey.split('|').slice(0, 2).join('|')));
    expect([...subjects('status-change')].sort()).toEqual(['cluster|C', 'school|S1', 'school|S3']);
    expect([...subjects('result')].sort()).toEqual(['cluster|C', 'school|S1', 'school|S3']);
    expect([...rowsBy(html, 'received').keys()].map((rowKey) => rowKey.split('|')[0]).sort()).toEqual(['S1', 'S3']);
    expect(html).not.toContain('school S2');
    expect((await (await as(keys.district)).browser.get('/contracts/K2/progress?month=2024-07')).status).toBe(404);
  });

  it('answers a month that is not YYYY-MM with a 400 page naming month and what it expects', async () => {
    const { browser } = await as(keys.state);
    for (const month of ['2024-13', 'July', '2024-7']) {
      const page = await browser.get(`/contracts/K/progress?month=${month}`);
      expect(page.status).toBe(400);
      expect(page.html).toContain('month');
      expect(page.html).toContain(`expected a month as YYYY-MM (e.g. 2024-07), got '${month}'`);
    }
  });

  it("links the report of the last complete month from the home page, the partner's page and the contract page", async () => {
    for (const key of [keys.district, keys.partner, keys.state])
      expect((await (await as(key)).browser.get('/')).html).toContain('href="/contracts/K/progress?month=2024-07"');
    expect((await (await as(keys.partner)).browser.get('/partners/P')).html).toContain('href="/contracts/K/progress?month=2024-07"');
    expect((await (await as(keys.state)).browser.get('/contracts/K')).html).toContain('href="/contracts/K/progress"');
  });
});
