import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { ApiKeys } from '@turnaround/platform';
import { Browser } from 'playwright-core';
import { browserWorld, BrowserWorld, executablePath, pdfPages, reviewedContract, SCREENSHOTS, signInByKeyboard, visit } from './support';

jest.setTimeout(180_000);

(executablePath ? describe : describe.skip)('the annual contract review in a real browser: accessible, and printed with its header on every page', () => {
  let close: () => Promise<void>;
  let app: INestApplication;
  let base: string;
  let browser: Browser;
  let stateKey = '';

  beforeAll(async () => {
    let http: BrowserWorld['http'];
    ({ app, http, browser, close } = await browserWorld('browser-review'));
    base = http.base;
    await reviewedContract(http);
    stateKey = (await app.get(ApiKeys).issue({ kind: 'state' }, 'Ada Lovelace, State Turnaround Office')).key;
  });
  afterAll(() => close?.());

  it('opens from the contract page, clean under axe-core', async () => {
    const page = await (await browser.newContext()).newPage();
    await signInByKeyboard(page, base, stateKey);
    await page.goto(`${base}/contracts/K`);
    await Promise.all([page.waitForURL(`${base}/contracts/K/review`), page.click('a[href="/contracts/K/review"]')]);
    await expect(page.locator('.review .trend-chart svg').count()).resolves.toBeGreaterThan(0);
    await visit(page, 'state-contract-review');
  });

  it('prints to A4 and US Letter with the contract id and the as-of date on every page, and every verdict in the text', async () => {
    const page = await (await browser.newContext()).newPage();
    await signInByKeyboard(page, base, stateKey);
    await page.goto(`${base}/contracts/K/review?year=2&asOf=2030-01-01`);
    await page.emulateMedia({ media: 'print' });
    await page.screenshot({ path: join(SCREENSHOTS, 'state-contract-review-print.png'), fullPage: true });
    for (const format of ['A4', 'Letter'] as const) {
      const path = join(SCREENSHOTS, `state-contract-review-${format.toLowerCase()}.pdf`);
      await page.pdf({ path, format, printBackground: true });
      const pages = pdfPages(path);
      expect(pages.length).toBeGreaterThan(1);
      pages.forEach((text, index) => {
        expect([format, index + 1, text]).toEqual([format, index + 1, expect.stringContaining('Contract K · annual review, year 2 · as known 2030-01-01')]);
        expect([format, index + 1, text]).toEqual([format, index + 1, expect.stringContaining(`Page ${index + 1} of ${pages.length}`)]);
      });
      const all = pages.join('\n');
      expect(all).toContain('The cluster missed year 1 for attendance_rate: 2 of 3 schools missed their targets (more than half).');
      // Sections 4 and 6 print too: with no never-treated school in this world, the comparison says there is nothing to compare.
      expect(all).toContain('4. Compared with similar schools');
      expect(all.replace(/\s+/g, ' ')).toContain(
        "there is nothing to compare yet: the cluster's schools or the comparison schools have no attendance rate in both years.",
      );
      expect(all).toContain('6. Leading indicators');
    }
  });
});
