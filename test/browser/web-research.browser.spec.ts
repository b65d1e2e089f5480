import { INestApplication } from '@nestjs/common';
import { ApiKeys } from '@turnaround/platform';
import { Browser } from 'playwright-core';
import { loadDemo } from '../e2e/support/demo';
import { BrowserWorld, browserWorld, executablePath, signInByKeyboard, visit } from './support';

jest.setTimeout(240_000);

(executablePath ? describe : describe.skip)("the researcher's pages and the public report card in a real browser: accessible, usable by keyboard", () => {
  let close: () => Promise<void>;
  let app: INestApplication;
  let base: string;
  let browser: Browser;
  let researcherKey: string;

  beforeAll(async () => {
    let http: BrowserWorld['http'];
    ({ app, http, browser, close } = await browserWorld('browser-research'));
    base = http.base;
    await loadDemo(app, base);
    researcherKey = (await app.get(ApiKeys).issue({ kind: 'researcher' }, 'Grace Hopper, university partner')).key;
  });
  afterAll(() => close?.());

  it('a researcher picks metrics, downloads the panel, and reads the proof points; a refused form names its field; each page clean under axe-core', async () => {
    const page = await (await browser.newContext({ acceptDownloads: true })).newPage();
    await signInByKeyboard(page, base, researcherKey);
    await Promise.all([page.waitForURL(`${base}/research`), page.click('nav a[href="/research"]')]);
    await visit(page, 'researcher-panel-form');

    // USWDS draws the checkbox on its label; the input itself takes the keyboard
    await page.focus('input[name="metric.proficiency.science"]');
    await page.keyboard.press('Space');
    await expect(page.isChecked('input[name="metric.proficiency.science"]')).resolves.toBe(true);
    await page.selectOption('#format', 'dta');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('button:has-text("Download the panel")')]);
    expect(download.suggestedFilename()).toMatch(/^turnaround-panel-\d{8}t\d{6}z\.dta$/);

    await page.goto(`${base}/research/panel?from=2025-26&to=2022-23`);
    await expect(page.locator('.usa-alert--error').textContent()).resolves.toContain('to: expected a school year no earlier than from');
    await visit(page, 'researcher-panel-refused');

    await page.goto(`${base}/research/proof-points`);
    await page.selectOption('#metric', 'proficiency.science');
    await page.selectOption('#group', 'cluster');
    await Promise.all([page.waitForURL(/\/research\/proof-points\?metric=/), page.click('button:has-text("Compute")')]);
    await expect(page.locator('section.proof-points').count()).resolves.toBeGreaterThan(0);
    await visit(page, 'researcher-proof-points');
  });

  it('anyone opens the zone report cards from the sign-in page, without signing in', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${base}/sign-in`);
    await Promise.all([page.waitForURL(`${base}/report-card`), page.click('main a[href="/report-card"]')]);
    await visit(page, 'public-report-cards');
    await Promise.all([page.waitForURL(`${base}/report-card/Z-DEMO`), page.click('a[href="/report-card/Z-DEMO"]')]);
    await expect(page.locator('.trend-chart svg').count()).resolves.toBeGreaterThan(0);
    // a chart's numbers open by keyboard
    await page.locator('.trend-chart__numbers summary').first().focus();
    await page.keyboard.press('Enter');
    await expect(page.locator('.trend-chart__numbers').first().getAttribute('open')).resolves.not.toBeNull();
    await visit(page, 'public-report-card');
  });
});
