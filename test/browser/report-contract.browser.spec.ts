import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { INestApplication } from '@nestjs/common';
import { waitUntil } from '@turnaround/domain/testing';
import { ApiKeys } from '@turnaround/platform';
import { Browser, Page } from 'playwright-core';
import { attendance2022, attendance2023, registerOneClusterZone } from '../e2e/support/one-cluster-zone';
import { browserWorld, BrowserWorld, executablePath, pdfPages, SCREENSHOTS, signInByKeyboard } from './support';

jest.setTimeout(180_000);

const HEADER = 'Contract K · annual review, year 2 · as known 2030-01-01';

(executablePath ? describe : describe.skip)('the annual contract review as a file, opened from disk: it prints as the page does', () => {
  let close: () => Promise<void>;
  let app: INestApplication;
  let base: string;
  let browser: Browser;
  let stateKey = '';
  const file = join(SCREENSHOTS, 'contract-K-review-year-2.html');

  beforeAll(async () => {
    let http: BrowserWorld['http'];
    ({ app, http, browser, close } = await browserWorld('browser-report-contract'));
    base = http.base;
    await registerOneClusterZone(http, [['S1', 'D1'], ['S2', 'D2'], ['S3', 'D1']]);
    await http.post('/api/v1/contracts/K/target-amendments', {
      targets: [{ metric: 'attendance_rate', contractYear: 2, kind: 'absolute', value: 0.95, scope: 'cluster' }],
      reason: 'Year two cluster attendance target agreed at the annual meeting',
    });
    await http.post('/api/v1/feeds/attendance', [attendance2022('S1', 880), attendance2022('S2', 910), attendance2022('S3', 950)]);
    await http.post('/api/v1/feeds/attendance', [attendance2023('S1', 900), attendance2023('S2', 900), attendance2023('S3', 990)]);
    await waitUntil(
      () => http.get('/api/v1/alerts?status=open').then((answer) => answer.body as unknown[]),
      (alerts) => expect(alerts.length).toBeGreaterThanOrEqual(2),
    );
    stateKey = (await app.get(ApiKeys).issue({ kind: 'state' }, 'Ada Lovelace, State Turnaround Office')).key;
    const answer = await fetch(`${base}/api/v1/contracts/K/review?year=2&asOf=2030-01-01`, { headers: { authorization: `Bearer ${stateKey}` } });
    expect(answer.status).toBe(200);
    writeFileSync(file, await answer.text());
  });
  afterAll(() => close?.());

  /** Prints `page` to a PDF of `format`; the text of each of its pages. */
  const print = async (page: Page, name: string, format: 'A4' | 'Letter') => {
    await page.emulateMedia({ media: 'print' });
    const path = join(SCREENSHOTS, `${name}-${format.toLowerCase()}.pdf`);
    await page.pdf({ path, format, printBackground: true });
    return pdfPages(path);
  };

  it('fetches nothing from disk or network, and prints on A4 and Letter to as many pages as the page, each with the running header and its number', async () => {
    const served = await (await browser.newContext()).newPage();
    await signInByKeyboard(served, base, stateKey);
    await served.goto(`${base}/contracts/K/review?year=2&asOf=2030-01-01`);

    const opened = await (await browser.newContext({ offline: true })).newPage();
    const requests: string[] = [];
    opened.on('request', (request) => {
      if (!request.url().startsWith('data:') && request.url() !== pathToFileURL(file).href) requests.push(request.url());
    });
    await opened.goto(pathToFileURL(file).href);
    await opened.evaluate(() => document.fonts.ready);
    expect(requests).toEqual([]);
    // The faces the review is set in are the file's own, not the system's.
    expect(await opened.evaluate(() => Array.from(document.fonts as unknown as Iterable<FontFace>).filter((face) => face.status === 'loaded').map((face) => face.family.replace(/"/g, '')))).toContain('Source Sans Pro Web');

    for (const format of ['A4', 'Letter'] as const) {
      const pages = await print(opened, 'contract-review-file', format);
      expect(pages.length).toBe((await print(served, 'contract-review-page', format)).length);
      expect(pages.length).toBeGreaterThan(1);
      pages.forEach((text, index) => {
        expect([format, index + 1, text]).toEqual([format, index + 1, expect.stringContaining(HEADER)]);
        expect([format, index + 1, text]).toEqual([format, index + 1, expect.stringContaining(`Page ${index + 1} of ${pages.length}`)]);
      });
      expect(pages.join('\n')).toContain('The cluster missed year 1 for attendance_rate: 2 of 3 schools missed their targets (more than half).');
    }
  });
});
