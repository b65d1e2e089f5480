import { Controller, Get, OnModuleInit, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ApiExcludeController } from '@nestjs/swagger';
import { FieldIssue, NotFoundError, ValidationError } from '@turnaround/domain';
import { ProofPointAnswer, RESEARCH_REQUESTS, ResearchDownload, ResearchRequests } from '@turnaround/platform';
import { Viewer, WebRequest, WebResponse } from './http';
import { ROUTES } from './pages/read';
import { METRIC_FIELD, PanelForm, ProofPointForm, ProofPointsPage, ResearchPage } from './pages/research';
import { CurrentViewer, WebSessionGuard } from './sessions/web-session.guard';
import { renderPage } from './views/page';
import { WebErrorsFilter } from './web-errors.filter';
import { WebReads } from './web-reads';

/** A query parameter given once: a repeated one is refused before any route runs. */
type QueryText = string | undefined;

/**
 * The researcher's pages: the panel and its codebook, and the proof points. Every request goes
 * through the research service's own requests (the RESEARCH_REQUESTS port), as
 * `GET /api/v1/research/...` does, under that route's grant: the same file, the same figures,
 * the same refusals (shown on the form, field by field) and the same audit record. The forms are
 * GET: they only read, and a download is a link.
 */
@ApiExcludeController()
@Controller('research')
@UseGuards(WebSessionGuard)
@UseFilters(WebErrorsFilter)
export class ResearchPagesController implements OnModuleInit {
  private research!: ResearchRequests;

  constructor(
    private readonly reads: WebReads,
    private readonly modules: ModuleRef,
  ) {}

  /** The research service's module provides the port; the web may not import it, so it is found in the running application. */
  onModuleInit(): void {
    this.research = this.modules.get<ResearchRequests>(RESEARCH_REQUESTS, { strict: false });
  }

  @Get()
  async form(@CurrentViewer() viewer: Viewer, @Req() request: WebRequest): Promise<string> {
    this.mustMay(viewer, ROUTES.researchPanel);
    return this.panelPage(viewer, panelFormOf(request));
  }

  @Get('panel')
  async panel(@CurrentViewer() viewer: Viewer, @Req() request: WebRequest, @Res() response: WebResponse): Promise<void> {
    this.mustMay(viewer, ROUTES.researchPanel);
    const form = panelFormOf(request);
    await this.download(viewer, response, form, () => this.research.panel(viewer.principal, { ...form, metrics: form.metrics.join(',') || undefined }));
  }

  @Get('panel/codebook')
  async codebook(@CurrentViewer() viewer: Viewer, @Req() request: WebRequest, @Res() response: WebResponse): Promise<void> {
    this.mustMay(viewer, ROUTES.researchCodebook);
    const form = panelFormOf(request);
    await this.download(viewer, response, form, () => this.research.codebook({ metrics: form.metrics.join(',') || undefined, asOf: form.asOf }));
  }

  /** The form alone until a metric is asked; then the API's figures, or its refusal on the form. */
  @Get('proof-points')
  async proofPoints(
    @CurrentViewer() viewer: Viewer,
    @Res() response: WebResponse,
    @Query('metric') metric: QueryText,
    @Query('group') group: QueryText,
    @Query('weights') weights: QueryText,
    @Query('asOf') asOf: QueryText,
  ): Promise<void> {
    this.mustMay(viewer, ROUTES.proofPoints);
    const form: ProofPointForm = { metric, group, weights, asOf: asOf || undefined };
    let answer: ProofPointAnswer | undefined;
    let issues: FieldIssue[] = [];
    if (metric !== undefined) {
      try {
        answer = await this.research.proofPoints(viewer.principal, form);
      } catch (error) {
        issues = issuesOf(error);
      }
    }
    const metrics = await this.research.metricsKnown(new Date());
    response
      .status(issues.length > 0 ? 400 : 200)
      .type('html')
      .send(
        renderPage(this.reads.access, viewer, '/research', 'Proof points', <ProofPointsPage metrics={metrics} form={form} issues={issues} answer={answer} />),
      );
  }

  /** The file, once the request is taken; a refused request is the form again, with the API's messages on its fields. */
  private async download(viewer: Viewer, response: WebResponse, form: PanelForm, open: () => Promise<ResearchDownload>): Promise<void> {
    let file: ResearchDownload;
    try {
      file = await open();
    } catch (error) {
      response
        .status(400)
        .type('html')
        .send(await this.panelPage(viewer, form, issuesOf(error)));
      return;
    }
    await file.send(response);
  }

  /** The picker lists the metrics known now: a date earlier than a metric's first value gives its columns empty, as the API does. */
  private async panelPage(viewer: Viewer, form: PanelForm, issues: FieldIssue[] = []): Promise<string> {
    const metrics = await this.research.metricsKnown(new Date());
    return renderPage(this.reads.access, viewer, '/research', 'Research panel', <ResearchPage metrics={metrics} form={form} issues={issues} />);
  }

  /** A page whose API route the reader's role may not call is a 404, as if it did not exist. */
  private mustMay(viewer: Viewer, route: string): void {
    if (!this.reads.access.may(viewer.principal, route)) throw new NotFoundError('page', route);
  }
}

/** The panel form's fields: the API's parameters, and the metrics picked one checkbox each. */
function panelFormOf(request: WebRequest): PanelForm {
  const text = (name: string) => {
    const value = request.query[name];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const metrics = Object.keys(request.query)
    .filter((name) => name.startsWith(METRIC_FIELD) && request.query[name] === 'on')
    .map((name) => name.slice(METRIC_FIELD.length));
  return { metrics, from: text('from'), to: text('to'), asOf: text('asOf'), format: text('format') };
}

/** A refusal's fields, as the API's 400 names them; anything else is no refusal and goes to the error page. */
function issuesOf(error: unknown): FieldIssue[] {
  if (error instanceof ValidationError) return error.issues;
  throw error;
}
