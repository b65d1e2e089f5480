import { INestApplication } from '@nestjs/common';
import { ApiKeys } from '@turnaround/platform';
import { Browser } from 'playwright-core';
import { registerOneClusterZone } from '../e2e/support/one-cluster-zone';
import { BrowserWorld, browserWorld, executablePath, signInByKeyboard, visit } from './support';

jest.setTimeout(120_000);

/**
 * The alert email pages (issue 32) in a real browser: a district's settings, where it adds an
 * address by keyboard, and the pages of an email's links, which work without signing in; each
 * passes axe-core (WCAG 2.1 AA).
 */
(executablePath ? describe : describe.skip)('the alert email pages in a real browser: accessible, by keyboard, links without sign-in', () => {
  let close: () => Promise<void>;
  let app: INestApplication;
  let base: string;
  let browser: Browser;
  let districtKey = '';

  beforeAll(async () => {
    let http: BrowserWorld['http'];
    ({ app, http, browser, close } = await browserWorld('browser-email'));
    base = http.base;
    await registerOneClusterZone(http, [['S1', 'D1']]);
    districtKey = (await app.get(ApiKeys).issue({ kind: 'district', districtId: 'D1' }, 'Springfield district office')).key;
  });
  afterAll(() => close?.());

  it('a district adds an address by keyboard and sees it waiting for its confirmation', async () => {
    const page = await (await browser.newContext()).newPage();
    await signInByKeyboard(page, base, districtKey);
    await page.goto(`${base}/inbox/email`);
    await visit(page, 'district-email-settings');
    await page.focus('#address');
    await page.keyboard.type('lead@d1.example');
    // The form posts and the page comes back to the same address: wait for the address to be listed.
    await Promise.all([
      page.waitForResponse((response) => response.request().method() === 'POST' && new URL(response.url()).pathname === '/inbox/email'),
      page.keyboard.press('Enter'),
    ]);
    await page.getByRole('rowheader', { name: 'lead@d1.example' }).first().waitFor();
    await visit(page, 'district-email-settings-added');
  });

  it("an email's confirm and unsubscribe links open without a session, and say plainly when a link does not work", async () => {
    const page = await (await browser.newContext()).newPage();
    for (const [path, name] of [
      ['/email/confirm?token=not-a-token', 'email-confirm-bad-link'],
      ['/email/unsubscribe?token=not-a-token', 'email-unsubscribe-bad-link'],
    ]) {
      const answer = await page.goto(`${base}${path}`);
      expect(answer?.status()).toBe(200);
      await expect(page.locator('h1').innerText()).resolves.toBeTruthy();
      await visit(page, name);
    }
  });
});
