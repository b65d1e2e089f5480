import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { INestApplication } from '@nestjs/common';
import { ApiKeys } from '@turnaround/platform';
import { Browser, Page } from 'playwright-core';
import { browserWorld, BrowserWorld, executablePath, pdfPages, reviewedContract, SCREENSHOTS, signInByKeyboard } from './support';

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
    await reviewedContract(http);
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
    expect(
      await opened.evaluate(() =>
        Array.from(document.fonts as unknown as Iterable<FontFace>)
          .filter((face) => face.status === 'loaded')
          .map((face) => face.family.replace(/"/g, '')),
      ),
    ).toContain('Source Sans Pro Web');

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
