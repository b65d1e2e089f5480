import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { clusterRuleSentence, ClusterRuleLine } from '@turnaround/domain';
import { ApiKeys } from '@turnaround/platform';
import { Browser } from 'playwright-core';
import { loadDemo } from '../e2e/support/demo';
import { httpClient } from '../e2e/support/http-client';
import { BrowserWorld, browserWorld, executablePath, pdfPages, SCREENSHOTS, signInByKeyboard } from './support';

jest.setTimeout(300_000);

type Line = ClusterRuleLine & { scope: string; subjectId: string; status: string };

/**
 * How many pages each demo contract's review of year 3, as known on 2030-01-01, prints to: a
 * change of the review's layout or of the demo's data shows here first. Counted from Chromium's
 * print of the page, the way a person prints it.
 */
const EXPECTED_PAGES: Record<string, Record<'A4' | 'Letter', number>> = {
  'K-HILL': { A4: 22, Letter: 23 },
  'K-RIVER': { A4: 22, Letter: 23 },
  'K-VALLEY': { A4: 23, Letter: 23 },
};

/** Text with its runs of white space as one space: pdftotext's layout sets a table's cells apart with many. */
const words = (text: string): string => text.replace(/\s+/g, ' ');

/** A number as the review prints it (`formatValue`): at most three decimals, thousands separated; a dash for none. */
const number = (value: number | null): string => (value === null ? '–' : value.toLocaleString('en-US', { maximumFractionDigits: 3 }));

/**
 * The demo's three contracts (`npm run demo`), each reviewed as the state office prints it: the
 * expected number of pages on A4 and on US Letter, the running header and the page number on
 * every page, and every verdict of the scorecard in the text.
 */
(executablePath ? describe : describe.skip)("the demo contracts' reviews printed in a real browser", () => {
  let close: () => Promise<void>;
  let app: INestApplication;
  let base: string;
  let browser: Browser;
  let stateKey = '';

  beforeAll(async () => {
    let http: BrowserWorld['http'];
    ({ app, http, browser, close } = await browserWorld('browser-demo-reviews'));
    base = http.base;
    await loadDemo(app, base);
    stateKey = (await app.get(ApiKeys).issue({ kind: 'state' }, 'Dana Reyes, State Turnaround Office')).key;
  });
  afterAll(() => close?.());

  it('print each to the expected pages, with the header on every page and every verdict in the text', async () => {
    const api = await httpClient(app, stateKey);
    const contracts = ((await api.get('/api/v1/contracts')).body as { contractId: string }[]).map((contract) => contract.contractId).sort();
    expect(contracts).toEqual(Object.keys(EXPECTED_PAGES).sort());
    const page = await (await browser.newContext()).newPage();
    await signInByKeyboard(page, base, stateKey);
    const counted: Record<string, Record<string, number>> = {};
    for (const contractId of contracts) {
      const lines = ((await api.get(`/api/v1/contracts/${contractId}/scorecard?asOf=2030-01-01`)).body as { lines: Line[] }).lines.filter(
        (line) => line.contractYear <= 3,
      );
      await page.goto(`${base}/contracts/${contractId}/review?year=3&asOf=2030-01-01`);
      await page.emulateMedia({ media: 'print' });
      for (const format of ['A4', 'Letter'] as const) {
        const path = join(SCREENSHOTS, `demo-review-${contractId}-${format.toLowerCase()}.pdf`);
        await page.pdf({ path, format, printBackground: true });
        const pages = pdfPages(path);
        (counted[contractId] ??= {})[format] = pages.length;
        pages.forEach((text, index) => {
          expect([contractId, format, index + 1, text]).toEqual([
            contractId,
            format,
            index + 1,
            expect.stringContaining(`Contract ${contractId} · annual review, year 3 · as known 2030-01-01`),
          ]);
          expect([contractId, format, index + 1, text]).toEqual([
            contractId,
            format,
            index + 1,
            expect.stringContaining(`Page ${index + 1} of ${pages.length}`),
          ]);
        });
        const all = words(pages.join(' '));
        for (const line of lines.filter((candidate) => candidate.scope === 'cluster'))
          expect([contractId, format, all]).toEqual([contractId, format, expect.stringContaining(clusterRuleSentence(line))]);
        // A verdict's row: its first printed line holds the year, the scope (the subject's id wraps beneath), the metric's start (a long
        // name wraps too), target, actual, n and status; rows alike in all of them must each be there.
        const printed = pages.join('\n').split('\n').map(words);
        const cells = (line: Line & { threshold: number | null; actual: number | null }) => [
          `${line.contractYear} (`,
          ` ${line.scope} `,
          ` ${line.metric.slice(0, 12)}`,
          ` ${number(line.threshold)} `,
          ` ${number(line.actual)} `,
          ` ${line.status}`,
        ];
        const wanted = new Map<string, { cells: string[]; count: number }>();
        for (const line of lines as (Line & { threshold: number | null; actual: number | null })[]) {
          const key = cells(line).join('|');
          wanted.set(key, { cells: cells(line), count: (wanted.get(key)?.count ?? 0) + 1 });
        }
        for (const [key, { cells: parts, count }] of wanted) {
          const found = printed.filter((row) => ` ${row.trim()} `.startsWith(` ${parts[0]}`) && parts.every((part) => ` ${row} `.includes(part))).length;
          expect([contractId, format, key, found >= count]).toEqual([contractId, format, key, true]);
        }
      }
      await page.emulateMedia({ media: 'screen' });
    }
    expect(counted).toEqual(EXPECTED_PAGES);
  });
});
