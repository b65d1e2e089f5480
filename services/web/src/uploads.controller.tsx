import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import { Controller, Get, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { DomainError, NotFoundError, parseFeedKind, ValidationError } from '@turnaround/domain';
import { BatchSummary } from '@turnaround/feeds';
import { IngestFeedCommand } from '@turnaround/platform';
import { parseAsOf } from '@turnaround/read-model';
import { csvLine } from '@turnaround/research';
import { formField, Viewer, WebRequest, WebResponse } from './http';
import { CoveragePage, parseCoveragePage, readCoverage } from './pages/coverage';
import { ROUTES } from './pages/read';
import { UploadForm, UploadReportPage, UploadsPage } from './pages/uploads';
import { UPLOAD_BYTES } from './serve-web';
import { CurrentViewer, WebSessionGuard } from './sessions/web-session.guard';
import { renderPage, renderViewPage } from './views/page';
import { WebPage } from './views/web-page';
import { WebCommands } from './web-commands';
import { WebErrorsFilter } from './web-errors.filter';
import { WebReads } from './web-reads';

/** Recent batches listed on the upload page, as `GET /api/v1/feeds/batches?limit=20` answers. */
const RECENT_BATCHES = 20;
/** Rejected rows whose problems the report lists; the CSV holds them all. */
const LISTED_REJECTIONS = 500;
/** Rejected rows read at a time while the CSV is written: the most `GET /api/v1/feeds/rejections` answers at once. */
const REJECTIONS_PAGE = 5000;

/**
 * The data team's pages: upload a feed file and read the push's report, download the rejected
 * rows, and coverage. A file is pushed with the `IngestFeedCommand` that `POST /api/v1/feeds/:kind`
 * sends (CSV streamed with the profile picked, JSON parsed whole), under that route's grant;
 * each read takes the grant of the API route it mirrors.
 */
@ApiExcludeController()
@Controller()
@UseGuards(WebSessionGuard)
@UseFilters(WebErrorsFilter)
export class UploadsController {
  constructor(
    private readonly reads: WebReads,
    private readonly commands: WebCommands,
  ) {}

  @Get('uploads')
  async uploads(@CurrentViewer() viewer: Viewer): Promise<string> {
    return this.uploadsPage(viewer);
  }

  /** Pushes the file, then sends the browser to the report (the script that shows progress follows the same redirect). */
  @Post('uploads')
  async upload(@CurrentViewer() viewer: Viewer, @Req() request: WebRequest, @Res() response: WebResponse): Promise<void> {
    this.mustMay(viewer, ROUTES.feedPush);
    const kindText = formField(request, 'kind') ?? '';
    const profileText = formField(request, 'profile') || undefined;
    let summary: BatchSummary;
    try {
      summary = await this.push(viewer, kindText, profileText, fileOf(request));
    } catch (error) {
      if (!(error instanceof DomainError) || error.kind !== 'validation') throw error;
      const form: UploadForm = { kind: kindText, profile: profileText, problem: error.message };
      response
        .status(400)
        .type('html')
        .send(await this.uploadsPage(viewer, form));
      return;
    }
    response.redirect(303, `/uploads/${encodeURIComponent(summary.batchId)}`);
  }

  @Get('uploads/:batchId')
  async report(@CurrentViewer() viewer: Viewer, @Param('batchId') batchId: string): Promise<string> {
    this.mustMay(viewer, ROUTES.feedRejections);
    const batch = await this.reads.batches.report(batchId);
    if (!batch) throw new NotFoundError('feed batch', batchId);
    const rejections = await this.reads.batches.rejections(batchId, { afterRow: 0, limit: LISTED_REJECTIONS });
    return renderPage(
      this.reads.access,
      viewer,
      '/uploads',
      `Report of the ${batch.feed} push`,
      <UploadReportPage batch={batch} rejections={rejections} listed={LISTED_REJECTIONS} />,
    );
  }

  /**
   * Every rejected row of the batch as CSV: its cells as sent, by the columns the file named,
   * then its line and why. Read a page at a time twice, once for the columns and once to write,
   * so a file of many bad rows is never held whole.
   */
  @Get('uploads/:batchId/rejections.csv')
  async rejections(@CurrentViewer() viewer: Viewer, @Param('batchId') batchId: string, @Res() response: WebResponse): Promise<void> {
    this.mustMay(viewer, ROUTES.feedRejections);
    if (!(await this.reads.batches.report(batchId))) throw new NotFoundError('feed batch', batchId);
    const pages = async function* (batches: WebReads['batches']) {
      for (let afterRow = 0; ; ) {
        const page = await batches.rejections(batchId, { afterRow, limit: REJECTIONS_PAGE });
        if (page.length > 0) yield page;
        if (page.length < REJECTIONS_PAGE) return;
        afterRow = page[page.length - 1].row;
      }
    };
    const columns = new Set<string>();
    for await (const page of pages(this.reads.batches))
      for (const rejection of page) for (const column of Object.keys(cellsOf(rejection.record))) columns.add(column);
    response.status(200).type('text/csv; charset=utf-8');
    response.setHeader('content-disposition', `attachment; filename="rejected-rows-${batchId.replace(/[^A-Za-z0-9-]/g, '')}.csv"`);
    response.write(csvLine([...columns, 'rejected line', 'why rejected']));
    for await (const page of pages(this.reads.batches))
      for (const { row, record, issues } of page) {
        const cells = cellsOf(record);
        response.write(
          csvLine([...[...columns].map((column) => cells[column] ?? ''), String(row), issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ')]),
        );
      }
    response.end();
  }

  @Get('coverage')
  async coverage(
    @CurrentViewer() viewer: Viewer,
    @Query('asOf') asOfText?: string,
    @Query('show') show?: string,
    @Query('page') pageText?: string,
  ): Promise<WebPage> {
    this.mustMay(viewer, ROUTES.coverage);
    const asOf = parseAsOf(asOfText);
    const page = parseCoveragePage(pageText);
    const view = await this.reads.view(viewer.principal, `coverage ${show === 'all'} ${page} ${asOfText}`, () =>
      readCoverage(this.reads, viewer.principal, asOf, show === 'all', page),
    );
    return renderViewPage(this.reads.access, viewer, '/coverage', 'Feed coverage', view, () => (
      <CoveragePage view={view} asOf={asOf} asOfText={asOfText || undefined} />
    ));
  }

  /** The file pushed as the API's push takes it: a profile maps CSV columns, JSON is the feed's records as they are. */
  private async push(viewer: Viewer, kindText: string, profile: string | undefined, file: File | undefined): Promise<BatchSummary> {
    const kind = parseFeedKind(kindText);
    if (!file || file.size === 0) throw ValidationError.of('file', 'expected a CSV or JSON file: choose one');
    const context = this.commands.context(viewer.principal);
    if (!isJson(file))
      return this.commands.bus.execute(
        new IngestFeedCommand(kind, { csv: Readable.fromWeb(file.stream() as ReadableStream<Uint8Array>) }, profile, context, false),
      );
    if (profile && profile !== 'canonical')
      throw ValidationError.of('profile', 'profiles map CSV columns: upload a CSV file, or pick the canonical profile for JSON records');
    let records: unknown;
    try {
      records = JSON.parse(await file.text());
    } catch (error) {
      throw ValidationError.of('file', `expected JSON: ${(error as Error).message}`);
    }
    return this.commands.bus.execute(new IngestFeedCommand(kind, { json: records }, undefined, context, false));
  }

  private async uploadsPage(viewer: Viewer, form?: UploadForm): Promise<string> {
    this.mustMay(viewer, ROUTES.feedBatches);
    const { principal } = viewer;
    const profiles =
      this.reads.access.may(principal, ROUTES.feedPush) && this.reads.access.may(principal, ROUTES.feedProfiles) ? this.reads.profiles.list() : undefined;
    const batches = await this.reads.batches.recent(RECENT_BATCHES);
    const view = { profiles, batches, limitMb: UPLOAD_BYTES / 1024 / 1024 };
    return renderPage(this.reads.access, viewer, '/uploads', 'Feed uploads', <UploadsPage view={view} csrf={viewer.csrfToken} form={form} />);
  }

  /** A page whose API route the reader's role may not call is a 404, as if it did not exist. */
  private mustMay(viewer: Viewer, route: string): void {
    if (!this.reads.access.may(viewer.principal, route)) throw new NotFoundError('page', route);
  }
}

/** The uploaded file of the form, as the multipart reader of `serveWeb` left it. */
function fileOf(request: WebRequest): File | undefined {
  const body = request.body;
  const value = body && typeof body === 'object' ? (body as Record<string, unknown>).file : undefined;
  return value instanceof File ? value : undefined;
}

/** JSON by its type or name; anything else is read as CSV, which says what is wrong with it if it is not. */
function isJson(file: File): boolean {
  return file.type === 'application/json' || file.name.toLowerCase().endsWith('.json');
}

/** A rejected record's cells by column: a CSV row's as kept, a JSON record's fields (objects written as JSON). */
function cellsOf(record: unknown): Record<string, string> {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) return {};
  return Object.fromEntries(
    Object.entries(record).map(([column, value]) => [
      column,
      value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value),
    ]),
  );
}
