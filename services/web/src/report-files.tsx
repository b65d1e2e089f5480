import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Principal, ResearchRequests } from '@turnaround/platform';
import { parseReportMonth } from '@turnaround/domain';
import { parseAsOf } from '@turnaround/read-model';
import type { VNode } from 'preact';
import { html } from './views/render';
import { PRODUCT } from './views/layout';
import { ProgressPage, readProgress } from './pages/progress';
import { readReview, ReviewPage, ReviewView } from './pages/review';
import { WebReads } from './web-reads';

/** USWDS's compiled files: its CSS, and the fonts and icons the CSS names relative to it (`../fonts/...`, `../img/...`). */
const USWDS = join(dirname(require.resolve('@uswds/uswds')), '..');
/** The web's own stylesheet, where serve-web.ts serves it from. */
const WEB_CSS = join(__dirname, '..', 'assets', 'web.css');

/**
 * The type face the review is set in (USWDS's body face; no part of the review uses its serif or
 * mono): embedded, so the file breaks into the same pages as the page the service serves. The
 * other faces' @font-face rules are dropped; text set in them would fall back to the system's.
 */
const EMBEDDED_FACES = ['Source Sans Pro Web'];

const MEDIA_TYPES: Record<string, string> = { woff2: 'font/woff2', svg: 'image/svg+xml' };

/** A file of USWDS's, as a data: URL; undefined for one the review never shows (a photo). */
function dataUrl(relative: string): string | undefined {
  const type = MEDIA_TYPES[relative.split('.').pop() ?? ''];
  if (!type) return undefined;
  return `data:${type};base64,${readFileSync(join(USWDS, 'css', relative)).toString('base64')}`;
}

/**
 * USWDS's CSS with nothing to fetch: the review's faces and every icon as data: URLs, the other
 * faces' @font-face rules gone, any other picture (the hero photo) as none, and no source map.
 */
function selfContainedUswds(): string {
  const css = readFileSync(join(USWDS, 'css', 'uswds.min.css'), 'utf8');
  return css
    .replace(/\/\*# sourceMappingURL=[^*]*\*\//g, '')
    .replace(/@font-face\{[^}]*\}/g, (rule) => (EMBEDDED_FACES.some((face) => rule.includes(`font-family:"${face}"`)) ? rule : ''))
    .replace(/url\((?:"|')?(\.\.\/[^)"']+)(?:"|')?\)/g, (_, relative: string) => {
      const url = dataUrl(relative);
      return url ? `url("${url}")` : 'none';
    });
}

let styles: string | undefined;

/** The review's stylesheets, USWDS's and the web's (its print rules: the page header and page numbers), in one, read once. */
function reportStyles(): string {
  styles ??= `${selfContainedUswds()}\n${readFileSync(WEB_CSS, 'utf8')}`;
  return styles;
}

/**
 * A file opened from disk fetches nothing: its styles, faces and icons are inline and its charts
 * are inline SVG, and the policy says so to the browser (no script, no request anywhere).
 */
const FILE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; font-src data:; img-src data:; form-action 'none'";

/**
 * A report as one self-contained HTML file (docs/domain.md, the annual review): the page's own markup (`content`)
 * in the same main landmark, without the site's header, navigation and footer, and with the
 * stylesheets inline so it prints the same with no server.
 */
function selfContained(title: string, content: VNode): string {
  return html(
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta http-equiv="Content-Security-Policy" content={FILE_POLICY} />
        <title>{`${title} · ${PRODUCT}`}</title>
        <style dangerouslySetInnerHTML={{ __html: reportStyles() }} />
      </head>
      <body>
        <main id="main-content" class="grid-container site-main" tabIndex={-1}>
          {content}
        </main>
      </body>
    </html>,
  );
}

/** A contract's id kept to the characters a file name takes everywhere. */
const fileNamePart = (contractId: string): string => contractId.replace(/[^A-Za-z0-9._-]/g, '_');

/** `contract-K-review-year-2.html`. */
function reviewFileName(view: Pick<ReviewView, 'contractId' | 'year'>): string {
  return `contract-${fileNamePart(view.contractId)}-review-year-${view.year}.html`;
}

/** The review file of one call, and what to say about it: its name, and the contract, year and knowledge time it answers for. */
export interface ReviewFile {
  html: string;
  fileName: string;
  contractId: string;
  year: number;
  asOf: string;
}

/**
 * The review of `contractId`'s year `yearText` as known at `asOfText` (now when absent), for
 * `principal`, as a file: the view is the page's own (`readReview` under the page's key of
 * `WebReads.view`), so the file and the page of the same call are one reading of the read model.
 * The API route answers it, and the CLI writes it on the embedded database.
 */
export async function reviewFileOf(
  reads: WebReads,
  research: ResearchRequests,
  principal: Principal,
  contractId: string,
  yearText: string | undefined,
  asOfText: string | undefined,
): Promise<ReviewFile> {
  const asOf = parseAsOf(asOfText);
  const view = await reads.view(principal, `review ${contractId} ${yearText} ${asOfText}`, () =>
    readReview(reads, research, principal, contractId, yearText, asOf),
  );
  const content = <ReviewPage view={view} asOf={asOf} asOfText={asOfText || undefined} />;
  return {
    html: selfContained(`Annual review of contract ${view.contractId}, year ${view.year}`, content),
    fileName: reviewFileName(view),
    contractId: view.contractId,
    year: view.year,
    asOf: view.scorecard.asOf,
  };
}

/** The progress report file of one call: its name, and the contract and month it reports. */
export interface ProgressFile {
  html: string;
  fileName: string;
  contractId: string;
  month: string;
}

/**
 * The monthly progress report of `contractId` for `monthText` (the last complete month by the
 * service's clock when absent), for `principal`, as a file: the page's own view
 * (`readProgress` under the page's key), as the review's file is the review page's.
 */
export async function progressFileOf(reads: WebReads, principal: Principal, contractId: string, monthText: string | undefined): Promise<ProgressFile> {
  const month = parseReportMonth(monthText, reads.clock()).month;
  const view = await reads.view(principal, `progress ${contractId} ${month}`, () => readProgress(reads, principal, contractId, month));
  return {
    html: selfContained(`Progress report of contract ${contractId}, ${month}`, <ProgressPage view={view} />),
    fileName: `contract-${fileNamePart(contractId)}-progress-${month}.html`,
    contractId,
    month,
  };
}
