import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { waitUntil } from '@turnaround/domain/testing';
import { attendance2022, attendance2023, registerOneClusterZone } from '../e2e/support/one-cluster-zone';
import { createApp } from '@turnaround/all-in-one';
import axe from 'axe-core';
import { Browser, chromium, Page } from 'playwright-core';
import { testConfig } from '../e2e/support/app';
import { httpClient } from '../e2e/support/http-client';

/**
 * The system's Chromium (Debian's `chromium` package; CHROMIUM_PATH elsewhere): no browser is
 * downloaded. Without one a developer's run skips this suite and says so; CI installs it
 * (.ci/run), so there a missing browser fails the run rather than skip it.
 */
function chromiumForTests(): string | undefined {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (existsSync(path)) return path;
  const message = `no Chromium at ${path}: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`;
  if (process.env.CI) throw new Error(`CI runs the browser suite: ${message}`);
  console.warn(`skipping the browser suite: ${message}`);
  return undefined;
}

export const executablePath = chromiumForTests();
export const SCREENSHOTS = join(__dirname, '..', '..', 'tmp', 'screenshots');
const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** The WCAG 2.1 A and AA rules axe-core finds broken on the page, each with the elements it names. */
async function violations(page: Page): Promise<{ id: string; help: string; nodes: string[] }[]> {
  // Evaluated by the browser's debugger, which the page's content security policy does not govern (no inline script is added to it).
  await page.evaluate(axe.source);
  const results = await page.evaluate(
    (tags) => (window as unknown as { axe: typeof axe }).axe.run(document, { runOnly: { type: 'tag', values: tags } }),
    WCAG_21_AA,
  );
  return results.violations.map((violation) => ({ id: violation.id, help: violation.help, nodes: violation.nodes.map((node) => node.target.join(' ')) }));
}

/** Checks the page as it stands and keeps a picture of it for the CI artefacts. */
export async function visit(page: Page, name: string): Promise<void> {
  expect({ page: name, violations: await violations(page) }).toEqual({ page: name, violations: [] });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Signs in through the real form by keyboard only: Tab to the key, type it, Tab to the button, Enter. */
export async function signInByKeyboard(page: Page, base: string, key: string): Promise<void> {
  await page.goto(`${base}/`);
  expect(new URL(page.url()).pathname).toBe('/sign-in');
  const focused = async () => page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent?.trim() || '');
  let steps = 0;
  while ((await focused()) !== 'key' && steps < 10) {
    await page.keyboard.press('Tab');
    steps += 1;
  }
  expect(await focused()).toBe('key');
  await page.keyboard.type(key);
  await page.keyboard.press('Tab');
  expect(await focused()).toBe('Sign in');
  await Promise.all([page.waitForURL(`${base}/`), page.keyboard.press('Enter')]);
}

/** A suite's service, on an embedded database of its own, listening on loopback, and a Chromium to browse it. */
export interface BrowserWorld {
  app: INestApplication;
  http: Awaited<ReturnType<typeof httpClient>>;
  browser: Browser;
  close(): Promise<void>;
}

/** Starts a suite's world (`name` names its data directory); `close` stops the browser and the service and removes the directory. */
export async function browserWorld(name: string): Promise<BrowserWorld> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), `turnaround-${name}-`));
  const app = await createApp(testConfig({ DATA_DIR: dataDir }), { logger: false });
  const http = await httpClient(app);
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  return {
    app,
    http,
    browser,
    async close() {
      await browser.close();
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The text of each page of a PDF, as Debian's poppler-utils `pdftotext` reads it (pages split by form feeds). */
export function pdfPages(path: string): string[] {
  return execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' })
    .split('\f')
    .filter((page) => page.trim() !== '');
}

/**
 * The world the contract review's browser suites print: zone Z, cluster C of S1 (D1), S2 (D2)
 * and S3 (D1) under contract K, amended with a cluster attendance target for year two, and two
 * years of attendance (S1 and S2 miss year one); returns once the year-end alerts are raised.
 */
export async function reviewedContract(http: BrowserWorld['http']): Promise<void> {
  await registerOneClusterZone(http, [
    ['S1', 'D1'],
    ['S2', 'D2'],
    ['S3', 'D1'],
  ]);
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
}
