import { Controller, Get, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { DomainError, NotFoundError, ownerOf } from '@turnaround/domain';
import { Principal } from '@turnaround/platform';
import { formField, Viewer, WebRequest, WebResponse } from './http';
import { ROUTES } from './pages/read';
import { WebhookDeletePage, WebhookOutcome, WebhooksPage } from './pages/webhooks';
import { CurrentViewer, WebSessionGuard } from './sessions/web-session.guard';
import { renderPage } from './views/page';
import { WebCommands } from './web-commands';
import { WebErrorsFilter } from './web-errors.filter';
import { WebReads } from './web-reads';

const NOTICES: Record<string, string> = {
  registered: 'The webhook is registered: the next alert is sent to it.',
  deleted: 'The webhook is deleted: nothing more is sent to it.',
};

/**
 * A district's webhooks: each action takes the grant of the API route it mirrors (the state
 * office any district, a district its own) and goes through the alert service's webhooks, as
 * the API's routes do. A rotated secret is shown once, on the page that answers the POST, and
 * never in a URL.
 */
@ApiExcludeController()
@Controller('webhooks')
@UseGuards(WebSessionGuard)
@UseFilters(WebErrorsFilter)
export class WebhookPagesController {
  constructor(
    private readonly reads: WebReads,
    private readonly commands: WebCommands,
  ) {}

  @Get()
  async list(@CurrentViewer() viewer: Viewer, @Query('districtId') districtId?: string, @Query('notice') notice?: string): Promise<string> {
    const text = notice === undefined ? undefined : NOTICES[notice];
    return this.page(viewer, this.districtOf(viewer.principal, ROUTES.webhooks, districtId), text ? { kind: 'notice', text } : undefined);
  }

  @Post()
  async register(@CurrentViewer() viewer: Viewer, @Req() request: WebRequest, @Res() response: WebResponse): Promise<void> {
    const districtId = this.required(viewer.principal, ROUTES.registerWebhook, request);
    try {
      await this.commands.webhooks.register(districtId, { url: formField(request, 'url'), secret: formField(request, 'secret') });
    } catch (error) {
      return this.refused(response, viewer, districtId, error);
    }
    response.redirect(303, this.listUrl(viewer.principal, districtId, 'registered'));
  }

  @Post(':webhookId/test')
  async test(@CurrentViewer() viewer: Viewer, @Param('webhookId') webhookId: string, @Req() request: WebRequest, @Res() response: WebResponse): Promise<void> {
    const districtId = this.required(viewer.principal, ROUTES.testWebhook, request);
    const sent = await this.commands.webhooks.test(districtId, webhookId);
    const outcome: WebhookOutcome = sent.delivered
      ? { kind: 'notice', text: 'The test was delivered: the receiver answered 2xx.' }
      : { kind: 'problem', text: `The test was not delivered: ${sent.failure ?? 'no answer'}.` };
    response.type('html').send(await this.page(viewer, districtId, outcome));
  }

  @Post(':webhookId/rotate-secret')
  async rotate(
    @CurrentViewer() viewer: Viewer,
    @Param('webhookId') webhookId: string,
    @Req() request: WebRequest,
    @Res() response: WebResponse,
  ): Promise<void> {
    const districtId = this.required(viewer.principal, ROUTES.rotateWebhookSecret, request);
    const rotated = await this.commands.webhooks.rotate(districtId, webhookId);
    response.type('html').send(await this.page(viewer, districtId, { kind: 'secret', ...rotated }));
  }

  /** Asks before deleting: the webhook the district owns under the delete route's grant, or a 404 (another district's too). */
  @Get(':webhookId/delete')
  async confirmRemove(@CurrentViewer() viewer: Viewer, @Param('webhookId') webhookId: string, @Query('districtId') requested?: string): Promise<string> {
    const districtId = this.districtOf(viewer.principal, ROUTES.deleteWebhook, requested);
    if (!districtId) throw new NotFoundError('district', '');
    const webhook = (await this.commands.webhooks.list(districtId)).find((each) => each.webhookId === webhookId);
    if (!webhook) throw new NotFoundError('webhook', webhookId);
    const back = this.listUrl(viewer.principal, districtId);
    return renderPage(
      this.reads.access,
      viewer,
      '/webhooks',
      'Delete a webhook',
      <WebhookDeletePage webhook={webhook} csrf={viewer.csrfToken} backHref={back} />,
    );
  }

  @Post(':webhookId/delete')
  async remove(
    @CurrentViewer() viewer: Viewer,
    @Param('webhookId') webhookId: string,
    @Req() request: WebRequest,
    @Res() response: WebResponse,
  ): Promise<void> {
    const districtId = this.required(viewer.principal, ROUTES.deleteWebhook, request);
    await this.commands.webhooks.remove(districtId, webhookId);
    response.redirect(303, this.listUrl(viewer.principal, districtId, 'deleted'));
  }

  private async page(viewer: Viewer, districtId: string | undefined, outcome?: WebhookOutcome): Promise<string> {
    const webhooks = districtId ? await this.commands.webhooks.list(districtId) : [];
    const view = { districtId, picksDistrict: ownerOf(viewer.principal.role) === undefined, webhooks };
    return renderPage(this.reads.access, viewer, '/webhooks', 'Webhooks', <WebhooksPage view={view} csrf={viewer.csrfToken} outcome={outcome} />);
  }

  /** A refused registration (an address the rules refuse, a short secret, too many webhooks): the page again, saying why. */
  private async refused(response: WebResponse, viewer: Viewer, districtId: string, error: unknown): Promise<void> {
    if (!(error instanceof DomainError) || (error.kind !== 'validation' && error.kind !== 'illegal_state')) throw error;
    response
      .status(error.kind === 'validation' ? 400 : 409)
      .type('html')
      .send(await this.page(viewer, districtId, { kind: 'problem', text: `The webhook was not registered: ${error.message}` }));
  }

  /**
   * The district a request is about, under the route's grant: a district's own (another
   * district's is a 404, as in the API), or the one the state office names.
   */
  private districtOf(principal: Principal, route: string, requested: string | undefined): string | undefined {
    const grant = this.reads.access.grant(principal, route);
    const owner = ownerOf(principal.role);
    if (grant === 'no') throw new NotFoundError('page', '/webhooks');
    if (grant === 'yes') return requested || undefined;
    if (owner?.kind !== 'district' || (requested && requested !== owner.districtId)) throw new NotFoundError('district', requested ?? '');
    return owner.districtId;
  }

  /** As `districtOf`, for a form that must name one. */
  private required(principal: Principal, route: string, request: WebRequest): string {
    const districtId = this.districtOf(principal, route, formField(request, 'districtId'));
    if (!districtId) throw new NotFoundError('district', '');
    return districtId;
  }

  private listUrl(principal: Principal, districtId: string, notice?: string): string {
    const query = new URLSearchParams({ ...(ownerOf(principal.role) ? {} : { districtId }), ...(notice ? { notice } : {}) });
    return `/webhooks${String(query) && `?${query}`}`;
  }
}
