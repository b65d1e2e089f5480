import { Controller, Get, Param, Query, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { parseAsOf } from '@turnaround/read-model';
import { Viewer } from './http';
import { HomePage, readHome } from './pages/home';
import { readSchool, SchoolPage } from './pages/school';
import { readSchools, SchoolsPage } from './pages/schools';
import { CurrentViewer, WebSessionGuard } from './sessions/web-session.guard';
import { renderViewPage } from './views/page';
import { WebPage } from './views/web-page';
import { WebErrorsFilter } from './web-errors.filter';
import { WebReads } from './web-reads';

/**
 * The signed-in pages. Each takes `?asOf=` and reads it as the API does (`parseAsOf`), so a page
 * as of a date shows what the API answers for the same call.
 */
@ApiExcludeController()
@Controller()
@UseGuards(WebSessionGuard)
@UseFilters(WebErrorsFilter)
export class PagesController {
  constructor(private readonly reads: WebReads) {}

  @Get()
  async home(@CurrentViewer() viewer: Viewer, @Query('asOf') asOfText?: string): Promise<WebPage> {
    const asOf = parseAsOf(asOfText);
    const view = await this.reads.view(viewer.principal, `home ${asOfText}`, () => readHome(this.reads, viewer.principal, asOf));
    return renderViewPage(this.reads.access, viewer, '/', 'Home', view, () => <HomePage view={view} asOf={asOf} asOfText={asOfText || undefined} />);
  }

  @Get('schools')
  async schools(@CurrentViewer() viewer: Viewer, @Query('clusterId') clusterId?: string, @Query('asOf') asOfText?: string): Promise<WebPage> {
    parseAsOf(asOfText);
    const schools = await this.reads.view(viewer.principal, `schools ${clusterId} ${asOfText}`, () =>
      readSchools(this.reads, viewer.principal, clusterId || undefined),
    );
    return renderViewPage(this.reads.access, viewer, '/schools', 'Schools', schools, () => (
      <SchoolsPage schools={schools} clusterId={clusterId || undefined} asOfText={asOfText || undefined} />
    ));
  }

  @Get('schools/:schoolId')
  async school(@CurrentViewer() viewer: Viewer, @Param('schoolId') schoolId: string, @Query('asOf') asOfText?: string): Promise<WebPage> {
    const asOf = parseAsOf(asOfText);
    const view = await this.reads.view(viewer.principal, `school ${schoolId} ${asOfText}`, () => readSchool(this.reads, viewer.principal, schoolId, asOf));
    return renderViewPage(this.reads.access, viewer, '/schools', view.school.name, view, () => (
      <SchoolPage view={view} asOf={asOf} asOfText={asOfText || undefined} />
    ));
  }
}
