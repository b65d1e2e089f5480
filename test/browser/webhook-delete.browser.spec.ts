import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { createApp } from '@turnaround/all-in-one';
import { ApiKeys } from '@turnaround/platform';
import { Browser, chromium, Page } from 'playwright-core';
import { testConfig } from '../e2e/support/app';
import { httpClient } from '../e2e/support/http-client';
import { registerOneClusterZone } from '../e2e/support/one-cluster-zone';
import { executablePath, SCREENSHOTS, signInByKeyboard, visit } from './support';

jest.setTimeout(120_000);

/** Where nothing listens: registering checks the address against the rules, and sends nothing. */
const RECEIVER = 'http://127.0.0.1:9/turnaround';

/** Tabs until the focused element's text is `text`; whether it got there. */
async function tabTo(page: Page, text: string): Promise<boolean> {
  const focused = () => page.evaluate(() => document.activeElement?.textContent?.trim() ?? '');
  for (let steps = 0; steps < 40 && (await focused()) !== text; steps += 1) await page.keyboard.press('Tab');
  return (await focused()) === text;
}

/** A district deletes a webhook by keyboard, through the confirmation page, which passes axe-core (WCAG 2.1 AA). */
(executablePath ? describe : describe.skip)('deleting a webhook in a real browser: asked first, accessible, by keyboard', () => {
  let dataDir: string;
  let app: INestApplication;
  let http: Awaited<ReturnType<typeof httpClient>>;
  let browser: Browser;
  let key = '';

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'turnaround-browser-webhook-delete-'));
    app = await createApp(testConfig({ DATA_DIR: dataDir, WEBHOOK_ALLOWED_HOSTS: '127.0.0.1:9' }), { logger: false });
    http = await httpClient(app);
    await registerOneClusterZone(http, [['S1', 'D1']]);
    expect((await http.post('/api/v1/districts/D1/webhooks', { url: RECEIVER, secret: 'district-one-shared-secret' })).status).toBe(201);
    key = (await app.get(ApiKeys).issue({ kind: 'district', districtId: 'D1' }, 'Springfield district office')).key;
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('Delete opens a page naming the webhook; Cancel keeps it, Delete webhook deletes it', async () => {
    const page = await (await browser.newContext()).newPage();
    await signInByKeyboard(page, http.base, key);
    await page.goto(`${http.base}/webhooks`);
    await page.click('h1');

    expect(await tabTo(page, 'Delete')).toBe(true);
    await Promise.all([page.waitForURL(/\/webhooks\/[^/]+\/delete\?districtId=D1$/), page.keyboard.press('Enter')]);
    await expect(page.locator('h1').innerText()).resolves.toBe('Delete this webhook?');
    await expect(page.locator('.webhook-facts').innerText()).resolves.toContain(RECEIVER);
    await visit(page, 'district-webhook-delete');

    expect(await tabTo(page, 'Cancel')).toBe(true);
    await Promise.all([page.waitForURL(`${http.base}/webhooks`), page.keyboard.press('Enter')]);
    expect((await http.get('/api/v1/districts/D1/webhooks')).body).toHaveLength(1);

    await page.goBack();
    await page.click('h1');
    expect(await tabTo(page, 'Delete webhook')).toBe(true);
    await Promise.all([page.waitForURL(/notice=deleted$/), page.keyboard.press('Enter')]);
    await expect(page.locator('[role="status"]').innerText()).resolves.toContain('The webhook is deleted');
    expect((await http.get('/api/v1/districts/D1/webhooks')).body).toEqual([]);
  });
});
