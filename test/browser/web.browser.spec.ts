import { INestApplication } from '@nestjs/common';
import { waitUntil } from '@turnaround/domain/testing';
import { ApiKeys } from '@turnaround/platform';
import { Browser } from 'playwright-core';
import { attendance2023, registerOneClusterZone } from '../e2e/support/one-cluster-zone';
import { BrowserWorld, browserWorld, executablePath, signInByKeyboard, visit } from './support';

jest.setTimeout(180_000);

(executablePath ? describe : describe.skip)(
  'the web app in a real browser: every page by role, accessible (axe-core, WCAG 2.1 AA) and usable by keyboard',
  () => {
    let close: () => Promise<void>;
    let app: INestApplication;
    let base: string;
    let browser: Browser;
    const keys = { state: '', district: '' };

    beforeAll(async () => {
      let http: BrowserWorld['http'];
      ({ app, http, browser, close } = await browserWorld('browser'));
      base = http.base;
      await registerOneClusterZone(http, [
        ['S1', 'D1'],
        ['S2', 'D2'],
        ['S3', 'D1'],
      ]);
      await http.post('/api/v1/feeds/attendance', [attendance2023('S1', 900), attendance2023('S2', 900), attendance2023('S3', 990)]);
      await waitUntil(
        () => http.get('/api/v1/alerts?status=open').then((answer) => answer.body as unknown[]),
        (alerts) => expect(alerts.length).toBeGreaterThanOrEqual(2),
      );
      const apiKeys = app.get(ApiKeys);
      keys.state = (await apiKeys.issue({ kind: 'state' }, 'Ada Lovelace, State Turnaround Office')).key;
      keys.district = (await apiKeys.issue({ kind: 'district', districtId: 'D1' }, 'Springfield district office')).key;
    });
    afterAll(() => close?.());

    it('the state office signs in by keyboard and goes through the home, the schools and a school', async () => {
      const page = await (await browser.newContext()).newPage();
      await page.goto(`${base}/sign-in`);
      await visit(page, 'sign-in');
      await signInByKeyboard(page, base, keys.state);
      await expect(page.locator('header').innerText()).resolves.toContain('Ada Lovelace, State Turnaround Office');
      await visit(page, 'state-home');
      await expect(page.locator('.status-grid').innerText()).resolves.toMatch(/missed/);

      await page.fill('#asOf', '2024-01-01');
      await Promise.all([page.waitForURL(/asOf=2024-01-01/), page.click('form.as-of button')]);
      await visit(page, 'state-home-as-of');

      await page.goto(`${base}/schools`);
      await visit(page, 'state-schools');
      await page.click('a[href="/schools/S1"]');
      await expect(page.locator('h1').innerText()).resolves.toBe('School S1');
      await visit(page, 'state-school');
      // the skip link is the first stop, and takes the reader to the content
      await page.keyboard.press('Tab');
      await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Skip to main content');

      await Promise.all([page.waitForURL(/\/sign-in\?notice=signed-out$/), page.click('text=Sign out')]);
      await visit(page, 'signed-out');
    });

    it("a district signs in, sees its own schools, and gets a 404 page for another district's", async () => {
      const page = await (await browser.newContext()).newPage();
      await signInByKeyboard(page, base, keys.district);
      await visit(page, 'district-home');
      await page.goto(`${base}/schools`);
      await expect(page.locator('tbody tr').count()).resolves.toBe(2);
      await visit(page, 'district-schools');
      await page.goto(`${base}/schools/S1`);
      await visit(page, 'district-school');
      const other = await page.goto(`${base}/schools/S2`);
      expect(other?.status()).toBe(404);
      await visit(page, 'district-not-found');
    });
  },
);
