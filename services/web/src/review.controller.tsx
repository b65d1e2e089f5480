import { Controller, Get, Param, Query, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { parseAsOf } from '@turnaround/read-model';
import { Viewer } from './http';
import { readReview, ReviewPage } from './pages/review';
import { CurrentViewer, WebSessionGuard } from './sessions/web-session.guard';
import { renderPage } from './views/page';
import { WebErrorsFilter } from './web-errors.filter';
import { WebReads } from './web-reads';

/** The annual contract review (DESIGN.md section 13): one document for screen and print, as of `?asOf=` read as the API reads it. */
@ApiExcludeController()
@Controller()
@UseGuards(WebSessionGuard)
@UseFilters(WebErrorsFilter)
export class ReviewController {
  constructor(private readonly reads: WebReads) {}

  @Get('contracts/:contractId/review')
  async review(@CurrentViewer() viewer: Viewer, @Param('contractId') contractId: string, @Query('year') year?: string, @Query('asOf') asOfText?: string): Promise<string> {
    const asOf = parseAsOf(asOfText);
    const view = await this.reads.view(viewer.principal, `review ${contractId} ${year} ${asOfText}`, () => readReview(this.reads, viewer.principal, contractId, year, asOf));
    return renderPage(
      this.reads.access,
      viewer,
      '/contracts',
      `Annual review of contract ${contractId}, year ${view.year}`,
      <ReviewPage view={view} asOf={asOf} asOfText={asOfText || undefined} />,
    );
  }
}
