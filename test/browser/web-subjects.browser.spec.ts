import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { waitUntil } from '@turnaround/domain/testing';
import { ApiKeys } from '@turnaround/platform';
import { Browser } from 'playwright-core';
import { attendance2022, attendance2023, registerOneClusterZone } from '../e2e/support/one-cluster-zone';
import { BrowserWorld, browserWorld, executablePath, SCREENSHOTS, signInByKeyboard, visit } from './support';

jest.setTimeout(180_000);

(executablePath ? describe : describe.skip)('the zone, cluster, contract and partner pages in a real browser: accessible, charts by keyboard', () => {
  let close: () => Promise<void>;
  let app: INestApplication;
  let base: string;
  let browser: Browser;
  const keys = { state: '', partner: '' };

  beforeAll(async () => {
    let http: BrowserWorld['http'];
    ({ app, http, browser, close } = await browserWorld('browser-subjects'));
    base = http.base;
    await registerOneClusterZone(http, [
      ['S1', 'D1'],
      ['S2', 'D2'],
      ['S3', 'D1'],
    ]);
    await http.post('/api/v1/feeds/attendance', [attendance2022('S1', 880), attendance2022('S2', 910), attendance2022('S3', 950)]);
    await http.post('/api/v1/feeds/attendance', [attendance2023('S1', 900), attendance2023('S2', 900), attendance2023('S3', 990)]);
    await waitUntil(
      () => http.get('/api/v1/alerts?status=open').then((answer) => answer.body as unknown[]),
      (alerts) => expect(alerts.length).toBeGreaterThanOrEqual(2),
    );
    const apiKeys = app.get(ApiKeys);
    keys.state = (await apiKeys.issue({ kind: 'state' }, 'Ada Lovelace, State Turnaround Office')).key;
    keys.partner = (await apiKeys.issue({ kind: 'partner', partnerId: 'P' }, 'Partner P lead')).key;
  });
  afterAll(() => close?.());

  it('the state office walks home -> zone -> cluster -> school and contract -> partner, each page clean under axe-core', async () => {
    const page = await (await browser.newContext()).newPage();
    await signInByKeyboard(page, base, keys.state);
    await Promise.all([page.waitForURL(`${base}/zones/Z`), page.click('a[href="/zones/Z"]')]);
    await visit(page, 'state-zone');
    await Promise.all([page.waitForURL(`${base}/clusters/C`), page.click('main ul a[href="/clusters/C"]')]);
    await visit(page, 'state-cluster');
    await Promise.all([page.waitForURL(`${base}/schools/S1`), page.click('a[href="/schools/S1"]')]);
    await expect(page.locator('.trend-chart svg').count()).resolves.toBeGreaterThan(0);
    await visit(page, 'state-school-charts');
    await page.goto(`${base}/contracts/K`);
    await visit(page, 'state-contract');
    await Promise.all([page.waitForURL(`${base}/partners/P`), page.click('main p a[href="/partners/P"]')]);
    await visit(page, 'state-partner');
    await page.goto(`${base}/clusters/C?asOf=2024-01-01`);
    await visit(page, 'state-cluster-as-of');
  });

  it("opens a chart's table by keyboard alone: Tab to its summary, Enter, and the numbers show", async () => {
    const page = await (await browser.newContext()).newPage();
    await signInByKeyboard(page, base, keys.state);
    await page.goto(`${base}/schools/S1`);
    const table = page.locator('.trend-chart[data-metric="attendance_rate"] table');
    await expect(table.isVisible()).resolves.toBe(false);
    let steps = 0;
    const onSummary = () =>
      page.evaluate(
        () =>
          document.activeElement?.tagName === 'SUMMARY' && document.activeElement.closest('.trend-chart')?.getAttribute('data-metric') === 'attendance_rate',
      );
    while (!(await onSummary()) && steps < 60) {
      await page.keyboard.press('Tab');
      steps += 1;
    }
    expect(await onSummary()).toBe(true);
    await page.keyboard.press('Enter');
    await expect(table.isVisible()).resolves.toBe(true);
    await expect(table.locator('tbody tr').count()).resolves.toBe(2);
    await visit(page, 'state-school-chart-table-open');
    // the chart prints with its figure whole and its table beside it
    await page.emulateMedia({ media: 'print' });
    await page.screenshot({ path: join(SCREENSHOTS, 'state-school-charts-print.png'), fullPage: true });
  });

  it('a partner opens its own partner page and its contract', async () => {
    const page = await (await browser.newContext()).newPage();
    await signInByKeyboard(page, base, keys.partner);
    await page.goto(`${base}/partners/P`);
    await visit(page, 'partner-partner');
    await page.goto(`${base}/contracts/K`);
    await visit(page, 'partner-contract');
  });
});
