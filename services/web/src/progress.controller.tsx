import { Controller, Get, Param, Query, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { parseReportMonth } from '@turnaround/domain';
import { Viewer } from './http';
import { ProgressPage, readProgress } from './pages/progress';
import { CurrentViewer, WebSessionGuard } from './sessions/web-session.guard';
import { renderPage } from './views/page';
import { WebErrorsFilter } from './web-errors.filter';
import { WebReads } from './web-reads';

/** The monthly progress report (docs/domain.md, the annual review): what changed in `?month=YYYY-MM` (the last complete month when absent), for screen and print. */
@ApiExcludeController()
@Controller()
@UseGuards(WebSessionGuard)
@UseFilters(WebErrorsFilter)
export class ProgressController {
  constructor(private readonly reads: WebReads) {}

  @Get('contracts/:contractId/progress')
  async progress(@CurrentViewer() viewer: Viewer, @Param('contractId') contractId: string, @Query('month') monthText?: string): Promise<string> {
    // The month is read first: a bad one is a 400 naming `month`, and the default one follows the clock.
    const month = parseReportMonth(monthText, this.reads.clock()).month;
    const view = await this.reads.view(viewer.principal, `progress ${contractId} ${month}`, () =>
      readProgress(this.reads, viewer.principal, contractId, month),
    );
    return renderPage(this.reads.access, viewer, '/contracts', `Progress report of contract ${contractId}, ${view.month.month}`, <ProgressPage view={view} />);
  }
}
