import { INestApplication } from '@nestjs/common';
import { waitUntil } from '@turnaround/domain/testing';
import { ApiKeys } from '@turnaround/platform';
import { Browser } from 'playwright-core';
import { attendance2023, registerOneClusterZone } from '../e2e/support/one-cluster-zone';
import { BrowserWorld, browserWorld, executablePath, signInByKeyboard, visit } from './support';

jest.setTimeout(180_000);

/** An attendance file with one good row and one whose count is no number (line 3). */
const FILE = [
  'schoolId,schoolYear,periodStart,periodEnd,membershipDays,attendanceDays',
  'S1,2023-24,2023-09-01,2024-06-30,1000,950',
  'S2,2023-24,2023-09-01,2024-06-30,lots,950',
].join('\n');

(executablePath ? describe : describe.skip)(
  'the inbox, webhooks, uploads and coverage in a real browser: accessible (axe-core, WCAG 2.1 AA) and usable by keyboard',
  () => {
    let close: () => Promise<void>;
    let app: INestApplication;
    let base: string;
    let browser: Browser;
    let alertOfS1: string;
    const keys = { district: '', dataTeam: '' };

    beforeAll(async () => {
      let http: BrowserWorld['http'];
      ({ app, http, browser, close } = await browserWorld('browser-inbox'));
      base = http.base;
      await registerOneClusterZone(http, [
        ['S1', 'D1'],
        ['S2', 'D2'],
        ['S3', 'D1'],
      ]);
      await http.post('/api/v1/feeds/attendance', [attendance2023('S1', 900), attendance2023('S2', 900), attendance2023('S3', 990)]);
      const alerts = await waitUntil(
        () => http.get('/api/v1/alerts?status=open').then((answer) => answer.body as { alertId: string; schoolId: string }[]),
        (open) => expect(open.length).toBeGreaterThanOrEqual(2),
      );
      alertOfS1 = (alerts.find((alert) => alert.schoolId === 'S1') as { alertId: string }).alertId;
      const apiKeys = app.get(ApiKeys);
      keys.district = (await apiKeys.issue({ kind: 'district', districtId: 'D1' }, 'Springfield district office')).key;
      keys.dataTeam = (await apiKeys.issue({ kind: 'data-team' }, 'Grace Hopper, state data team')).key;
    });
    afterAll(() => close?.());

    it('a district opens its inbox, acknowledges an alert with a note by keyboard, and sees it with its name; then its webhooks', async () => {
      const page = await (await browser.newContext()).newPage();
      await signInByKeyboard(page, base, keys.district);
      await page.goto(`${base}/inbox`);
      await visit(page, 'district-inbox');
      await Promise.all([page.waitForURL(`${base}/alerts/${alertOfS1}`), page.click(`tr[data-alert="${alertOfS1}"] a`)]);
      await visit(page, 'district-alert');

      await page.focus('#note');
      await page.keyboard.type('Attendance coach starts Monday');
      await page.keyboard.press('Tab');
      await expect(page.evaluate(() => document.activeElement?.textContent?.trim())).resolves.toBe('Acknowledge');
      await Promise.all([page.waitForURL(/notice=acknowledged/), page.keyboard.press('Enter')]);
      await expect(page.locator('.acknowledgements').innerText()).resolves.toContain('Springfield district office');
      await expect(page.locator('.alert-history').innerText()).resolves.toMatch(/acknowledged by Springfield district office/);
      await visit(page, 'district-alert-acknowledged');

      await page.click('nav[aria-label="Main"] >> text=Webhooks');
      await expect(page.locator('h1').innerText()).resolves.toBe('Webhooks of district D1');
      await visit(page, 'district-webhooks');
    });

    it('the data team uploads a file with a bad row, with the progress script, and reads the report; then coverage', async () => {
      const page = await (await browser.newContext()).newPage();
      await signInByKeyboard(page, base, keys.dataTeam);
      await page.goto(`${base}/uploads`);
      await visit(page, 'data-team-uploads');
      await page.selectOption('#kind', 'attendance');
      await page.setInputFiles('#file', { name: 'attendance.csv', mimeType: 'text/csv', buffer: Buffer.from(FILE) });
      await Promise.all([page.waitForURL(/\/uploads\/[0-9a-f-]+$/), page.click('text=Upload and check')]);
      await expect(page.locator('h1').innerText()).resolves.toBe('Report of the attendance push');
      await expect(page.locator('tr[data-line="3"]').innerText()).resolves.toContain('membershipDays');
      await visit(page, 'data-team-upload-report');

      await page.goto(`${base}/uploads`);
      await expect(page.locator('.batches tbody tr').count()).resolves.toBe(2);
      await page.goto(`${base}/coverage?show=all`);
      await visit(page, 'data-team-coverage');
    });
  },
);
