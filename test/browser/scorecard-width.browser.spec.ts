import { INestApplication } from '@nestjs/common';
import { ApiKeys } from '@turnaround/platform';
import { Browser, Page } from 'playwright-core';
import { loadDemo } from '../e2e/support/demo';
import { BrowserWorld, browserWorld, executablePath, signInByKeyboard, visit } from './support';

jest.setTimeout(240_000);

/** Each scorecard table's region on the page: its name, and how far its table is wider than it (0: it fits, nothing to scroll). */
function overflows(page: Page): Promise<{ label: string; overflow: number }[]> {
  return page.$$eval('[role="region"]:has(> table.scorecard)', (regions) =>
    regions.map((region) => ({ label: region.getAttribute('aria-label') ?? '', overflow: region.scrollWidth - region.clientWidth })),
  );
}

/**
 * The scorecard tables on the demo zone's pages, at a laptop's 1280 px: they fit the page's
 * column, so nobody scrolls sideways to read a line's status, and printed they fit the paper's
 * text column. Narrower, a table scrolls in its region, which takes the keyboard's focus and
 * has a name.
 */
(executablePath ? describe : describe.skip)('scorecard tables at laptop width, in a real browser', () => {
  let close: () => Promise<void>;
  let app: INestApplication;
  let base: string;
  let browser: Browser;
  let stateKey = '';

  beforeAll(async () => {
    let http: BrowserWorld['http'];
    ({ app, http, browser, close } = await browserWorld('browser-scorecards'));
    base = http.base;
    await loadDemo(app, base);
    stateKey = (await app.get(ApiKeys).issue({ kind: 'state' }, 'Dana Reyes, State Turnaround Office')).key;
  });
  afterAll(() => close?.());

  it('fit at 1280 px on the zone, cluster, contract and partner pages, and on paper', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await signInByKeyboard(page, base, stateKey);
    for (const [path, name] of [
      ['/zones/Z-DEMO', 'scorecard-zone'],
      ['/clusters/C-RIVER', 'scorecard-cluster'],
      ['/contracts/K-RIVER', 'scorecard-contract'],
      ['/partners/P-RENEW', 'scorecard-partner'],
    ]) {
      await page.goto(`${base}${path}`);
      const screen = await overflows(page);
      expect(screen.length).toBeGreaterThan(0);
      expect({ path, screen }).toEqual({ path, screen: screen.map(({ label }) => ({ label, overflow: 0 })) });
      await visit(page, name);
      // in print, on the text column of A4 or US Letter (180 mm, about 680 px)
      await page.setViewportSize({ width: 680, height: 800 });
      await page.emulateMedia({ media: 'print' });
      const printed = await overflows(page);
      expect({ path, printed }).toEqual({ path, printed: printed.map(({ label }) => ({ label, overflow: 0 })) });
      await page.emulateMedia({ media: 'screen' });
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });

  it('scroll in a named region that the keyboard reaches, where the window is narrower', async () => {
    const page = await (await browser.newContext({ viewport: { width: 640, height: 800 } })).newPage();
    await signInByKeyboard(page, base, stateKey);
    await page.goto(`${base}/contracts/K-RIVER`);
    const region = page.locator('[role="region"]:has(> table.scorecard)').first();
    await expect(region.getAttribute('tabindex')).resolves.toBe('0');
    await expect(region.getAttribute('aria-label')).resolves.toBe('Scorecard of contract K-RIVER');
    await region.focus();
    await page.keyboard.press('ArrowRight');
    await expect(region.evaluate((element) => element.scrollLeft)).resolves.toBeGreaterThan(0);
  });
});
