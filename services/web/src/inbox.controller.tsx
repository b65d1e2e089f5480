import { Controller, Get, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { DomainError, NotFoundError, parseWith, ValidationError } from '@turnaround/domain';
import { WrongExpectedRevisionError } from '@turnaround/event-store';
import { AcknowledgeAlertCommand, acknowledgementBody, ReadModelRunner } from '@turnaround/platform';
import { parseAsOf } from '@turnaround/read-model';
import { formField, Viewer, WebRequest, WebResponse } from './http';
import { AcknowledgementForm, AlertPage, readAlert } from './pages/alert';
import { InboxPage, readInbox } from './pages/inbox';
import { ROUTES } from './pages/read';
import { CurrentViewer, WebSessionGuard } from './sessions/web-session.guard';
import { renderPage, renderViewPage } from './views/page';
import { WebPage } from './views/web-page';
import { WebCommands } from './web-commands';
import { WebErrorsFilter } from './web-errors.filter';
import { WebReads } from './web-reads';

const NOTICES: Record<string, string> = { acknowledged: 'The acknowledgement is recorded, with your name.' };

/**
 * The alert inbox and each alert's page, where a district acknowledges an alert with a note: the
 * `AcknowledgeAlertCommand` that `POST /api/v1/alerts/:alertId/acknowledge` sends, to the same
 * handler, under that route's grant.
 */
@ApiExcludeController()
@Controller()
@UseGuards(WebSessionGuard)
@UseFilters(WebErrorsFilter)
export class InboxController {
  constructor(
    private readonly reads: WebReads,
    private readonly commands: WebCommands,
    private readonly readModels: ReadModelRunner,
  ) {}

  @Get('inbox')
  async inbox(@CurrentViewer() viewer: Viewer, @Query('asOf') asOfText?: string): Promise<WebPage> {
    const asOf = parseAsOf(asOfText);
    const view = await this.reads.view(viewer.principal, `inbox ${asOfText}`, () => readInbox(this.reads, viewer.principal, asOf));
    if (!view) throw new NotFoundError('page', '/inbox');
    return renderViewPage(this.reads.access, viewer, '/inbox', 'Alert inbox', view, () => (
      <InboxPage view={view} asOf={asOf} asOfText={asOfText || undefined} />
    ));
  }

  @Get('alerts/:alertId')
  async alert(
    @CurrentViewer() viewer: Viewer,
    @Param('alertId') alertId: string,
    @Query('asOf') asOfText?: string,
    @Query('notice') notice?: string,
  ): Promise<string> {
    const asOf = parseAsOf(asOfText);
    const view = await readAlert(this.reads, viewer.principal, alertId, asOf);
    return renderPage(
      this.reads.access,
      viewer,
      '/inbox',
      'Alert',
      <AlertPage view={view} csrf={viewer.csrfToken} asOf={asOf} asOfText={asOfText || undefined} notice={notice && NOTICES[notice]} />,
    );
  }

  /**
   * Records the acknowledgement and answers with the alert's page once the read model has it (so
   * the page shows it). A note the API would refuse, or an alert resolved meanwhile, answers the
   * page again with the form's problem and the note as typed.
   */
  @Post('alerts/:alertId/acknowledge')
  async acknowledge(
    @CurrentViewer() viewer: Viewer,
    @Param('alertId') alertId: string,
    @Req() request: WebRequest,
    @Res() response: WebResponse,
  ): Promise<void> {
    const { principal } = viewer;
    await this.reads.access.mustRead(principal, ROUTES.acknowledge, 'alert', alertId);
    const typed = formField(request, 'note') ?? '';
    try {
      const { note } = parseWith(acknowledgementBody, { note: typed });
      const written = await this.commands.bus.execute(new AcknowledgeAlertCommand(alertId, principal, note, this.commands.context(principal)));
      // The alert's page, next, shows the acknowledgement: the read model has it before the answer goes.
      await this.readModels.afterAlert(written, () => Promise.resolve());
    } catch (error) {
      const problem = formProblem(error);
      if (!problem) throw error;
      const view = await readAlert(this.reads, principal, alertId, undefined);
      const form: AcknowledgementForm = { note: typed, problem: problem.message };
      response
        .status(problem.status)
        .type('html')
        .send(renderPage(this.reads.access, viewer, '/inbox', 'Alert', <AlertPage view={view} csrf={viewer.csrfToken} form={form} />));
      return;
    }
    response.redirect(303, `/alerts/${encodeURIComponent(alertId)}?notice=acknowledged`);
  }
}

/** What the form says when the acknowledgement is refused: a note out of bounds, or an alert that changed meanwhile. */
function formProblem(error: unknown): { status: number; message: string } | undefined {
  if (error instanceof ValidationError) return { status: 400, message: error.issues.map((issue) => issue.message).join('; ') };
  if (error instanceof DomainError && error.kind === 'illegal_state') return { status: 409, message: error.message };
  if (error instanceof WrongExpectedRevisionError) return { status: 409, message: 'The alert changed while you wrote: read it again, then acknowledge it.' };
  return undefined;
}
