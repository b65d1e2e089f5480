import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { waitUntil } from '@turnaround/domain/testing';
import { ApiKeys } from '@turnaround/platform';
import { Browser } from 'playwright-core';
import { attendance2022, attendance2023, registerOneClusterZone } from '../e2e/support/one-cluster-zone';
import { browserWorld, BrowserWorld, executablePath, pdfPages, SCREENSHOTS, signInByKeyboard, visit } from './support';

jest.setTimeout(180_000);

/** Five schools of cluster C (a contract holds at most five), so that the month's changes run over more than one printed page. */
const SCHOOLS = Array.from({ length: 5 }, (_, index) => `S${index + 1}`);

(executablePath ? describe : describe.skip)('the monthly progress report in a real browser: accessible, and printed with its header on every page', () => {
  let close: () => Promise<void>;
  let app: INestApplication;
  let base: string;
  let browser: Browser;
  let partnerKey = '';
  // The service runs on the machine's clock: everything in this world becomes known this month.
  const month = new Date().toISOString().slice(0, 7);

  beforeAll(async () => {
    let http: BrowserWorld['http'];
    ({ app, http, browser, close } = await browserWorld('browser-progress'));
    base = http.base;
    await registerOneClusterZone(
      http,
      SCHOOLS.map((schoolId, index) => [schoolId, index % 2 === 0 ? 'D1' : 'D2']),
    );
    await http.post('/api/v1/contracts/K/target-amendments', {
      targets: [{ metric: 'attendance_rate', contractYear: 2, kind: 'absolute', value: 0.95, scope: 'cluster' }],
      reason: 'Year two cluster attendance target agreed at the annual meeting',
    });
    await http.post(
      '/api/v1/feeds/attendance',
      SCHOOLS.map((schoolId, index) => attendance2022(schoolId, 880 + index * 10)),
    );
    await http.post(
      '/api/v1/feeds/attendance',
      SCHOOLS.map((schoolId, index) => attendance2023(schoolId, 900 + (index % 3) * 20)),
    );
    await waitUntil(
      () => http.get('/api/v1/alerts?status=open').then((answer) => answer.body as unknown[]),
      (alerts) => expect(alerts.length).toBeGreaterThanOrEqual(2),
    );
    partnerKey = (await app.get(ApiKeys).issue({ kind: 'partner', partnerId: 'P' }, 'Partner P lead')).key;
  });
  afterAll(() => close?.());

  it("opens from the partner's page, clean under axe-core", async () => {
    const page = await (await browser.newContext()).newPage();
    await signInByKeyboard(page, base, partnerKey);
    await page.goto(`${base}/partners/P`);
    const link = page.locator('a[href^="/contracts/K/progress?month="]');
    await expect(link.count()).resolves.toBe(1);
    await page.goto(`${base}/contracts/K/progress?month=${month}`);
    await expect(page.locator('[data-status-change]').count()).resolves.toBeGreaterThan(0);
    await visit(page, 'partner-contract-progress');
  });

  it('prints to A4 and US Letter with the contract id and the month on every page', async () => {
    const page = await (await browser.newContext()).newPage();
    await signInByKeyboard(page, base, partnerKey);
    await page.goto(`${base}/contracts/K/progress?month=${month}`);
    await page.emulateMedia({ media: 'print' });
    await page.screenshot({ path: join(SCREENSHOTS, 'partner-contract-progress-print.png'), fullPage: true });
    for (const format of ['A4', 'Letter'] as const) {
      const path = join(SCREENSHOTS, `partner-contract-progress-${format.toLowerCase()}.pdf`);
      await page.pdf({ path, format, printBackground: true });
      const pages = pdfPages(path);
      expect(pages.length).toBeGreaterThan(1);
      pages.forEach((text, index) => {
        expect([format, index + 1, text]).toEqual([format, index + 1, expect.stringContaining(`Contract K · monthly progress report, ${month}`)]);
        expect([format, index + 1, text]).toEqual([format, index + 1, expect.stringContaining(`Page ${index + 1} of ${pages.length}`)]);
      });
      const all = pages.join('\n');
      for (const section of ['1. Targets whose status changed', '2. New results', '3. Alerts', '4. Feeds', '5. Changes of the contract'])
        expect(all).toContain(section);
    }
  });
});
