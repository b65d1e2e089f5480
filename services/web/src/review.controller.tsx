import { Controller, Get, OnModuleInit, Param, Query, UseFilters, UseGuards } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ApiExcludeController } from '@nestjs/swagger';
import { RESEARCH_REQUESTS, ResearchRequests } from '@turnaround/platform';
import { parseAsOf } from '@turnaround/read-model';
import { Viewer } from './http';
import { readReview, ReviewPage } from './pages/review';
import { CurrentViewer, WebSessionGuard } from './sessions/web-session.guard';
import { renderPage } from './views/page';
import { WebErrorsFilter } from './web-errors.filter';
import { WebReads } from './web-reads';

/** The annual contract review (docs/domain.md, the annual review): one document for screen and print, as of `?asOf=` read as the API reads it. */
@ApiExcludeController()
@Controller()
@UseGuards(WebSessionGuard)
@UseFilters(WebErrorsFilter)
export class ReviewController implements OnModuleInit {
  private research!: ResearchRequests;

  constructor(
    private readonly reads: WebReads,
    private readonly modules: ModuleRef,
  ) {}

  /** Section 4's figures are the proof points `GET /api/v1/research/proof-points` answers: the research service provides the port, found in the running application. */
  onModuleInit(): void {
    this.research = this.modules.get<ResearchRequests>(RESEARCH_REQUESTS, { strict: false });
  }

  @Get('contracts/:contractId/review')
  async review(
    @CurrentViewer() viewer: Viewer,
    @Param('contractId') contractId: string,
    @Query('year') year?: string,
    @Query('asOf') asOfText?: string,
  ): Promise<string> {
    const asOf = parseAsOf(asOfText);
    const view = await this.reads.view(viewer.principal, `review ${contractId} ${year} ${asOfText}`, () =>
      readReview(this.reads, this.research, viewer.principal, contractId, year, asOf),
    );
    return renderPage(
      this.reads.access,
      viewer,
      '/contracts',
      `Annual review of contract ${contractId}, year ${view.year}`,
      <ReviewPage view={view} asOf={asOf} asOfText={asOfText || undefined} />,
    );
  }
}
